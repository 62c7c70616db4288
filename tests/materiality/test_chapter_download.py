"""The chapter is downloaded and written by the command for a confirmed assessment only; bad input changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from docx import Document

from materiality import chapter, services
from tests.conftest import client_for
from tests.materiality.confirmable import make_confirmable
from tests.materiality.conftest import score
from tests.scoring_helpers import import_synthetic, make_questionnaires


@pytest.fixture
def scored_run(assessment):
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=6, seed=11)
    return score(assessment, draw=False)


def url(slug: str, language: str, fmt: str) -> str:
    return reverse("materiality:chapter", kwargs={"slug": slug, "language": language, "fmt": fmt})


def test_not_confirmed_is_refused_by_the_command_and_the_page(scored_run, committee_user, tmp_path):
    slug = scored_run.assessment.slug
    with pytest.raises(CommandError, match="not confirmed"):
        call_command("report_chapter", slug, "--output", str(tmp_path / "c.docx"))
    assert not (tmp_path / "c.docx").exists()
    response = client_for(committee_user).get(url(slug, "en", "docx"), follow=True)
    assert response.redirect_chain and "not confirmed" in response.content.decode()


def test_confirmed_chapter_downloads_in_both_languages_and_formats(scored_run, chair, committee_user,
                                                                   work_team_user, outsider):
    assessment = scored_run.assessment
    make_confirmable(scored_run, chair)
    services.confirm_assessment(assessment, acting_user=chair)
    results = client_for(work_team_user).get(reverse("materiality:results", kwargs={"slug": assessment.slug}))
    assert url(assessment.slug, "zh-hans", "docx").encode() in results.content
    for user in (committee_user, work_team_user):
        for language in ("en", "zh-hans"):
            docx = client_for(user).get(url(assessment.slug, language, "docx"))
            assert docx.status_code == 200 and docx["Content-Disposition"].endswith('.docx"')
            assert Document(io.BytesIO(docx.content)).tables
            html = client_for(user).get(url(assessment.slug, language, "html"))
            assert html.status_code == 200 and b'id="table-step3"' in html.content
    files = chapter.chapter_files(assessment)  # what the report pack adds
    assert sorted(files) == [f"materiality-chapter-{assessment.slug}-{lang}.{fmt}" for lang in ("en", "zh")
                             for fmt in ("docx", "html")]
    assert files[f"materiality-chapter-{assessment.slug}-zh.html"].startswith(b"<!DOCTYPE html>")
    assert client_for(outsider).get(url(assessment.slug, "en", "docx")).status_code == 403
    assert client_for(committee_user).get(url(assessment.slug, "fr", "docx")).status_code == 404
    assert client_for(committee_user).get(url(assessment.slug, "en", "pdf")).status_code == 404


@pytest.mark.parametrize("args, message", [
    (["nope", "--output", "x.docx"], "No assessment"),
    (["{slug}", "--language", "fr", "--output", "x.docx"], "Unknown language"),
    (["{slug}", "--format", "pdf"], "Unknown format"),
    (["{slug}", "--format", "html", "--output", "x.docx"], "does not match"),
    (["{slug}"], "give --output"),
    (["{slug}", "--output", "/no/such/dir/x.docx"], "No such directory"),
])
def test_bad_command_input_is_named(scored_run, chair, args, message):
    make_confirmable(scored_run, chair)
    services.confirm_assessment(scored_run.assessment, acting_user=chair)
    with pytest.raises(CommandError, match=message):
        call_command("report_chapter", *[a.format(slug=scored_run.assessment.slug) for a in args])


def test_command_writes_html_to_stdout_and_docx_to_a_file(scored_run, chair, tmp_path, capsys):
    make_confirmable(scored_run, chair)
    services.confirm_assessment(scored_run.assessment, acting_user=chair)
    call_command("report_chapter", scored_run.assessment.slug, "--format", "html", "--language", "zh-hans")
    out = capsys.readouterr().out
    assert out.startswith("<!DOCTYPE html>") and 'lang="zh-Hans"' in out
    target = tmp_path / "chapter.docx"
    call_command("report_chapter", scored_run.assessment.slug, "--output", str(target))
    assert Document(str(target)).paragraphs[0].text.startswith("Materiality assessment")
