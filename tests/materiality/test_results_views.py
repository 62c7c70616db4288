"""Results pages by role: the work team runs and imports, the committee reads, outsiders get 403."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from materiality import aggregation
from materiality.models import ScoreRun
from surveys.models import Response
from tests.conftest import client_for
from tests.scoring_helpers import import_synthetic, make_questionnaires

HEADER = "respondent,group,topic,severity,likelihood,magnitude,financial_likelihood,horizon,comment\n"


@pytest.fixture
def scored(assessment):
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=8, seed=5)
    run = ScoreRun.objects.create(assessment=assessment, params=aggregation.scoring_params(assessment).to_json())
    aggregation.run_aggregation(run.pk)
    return assessment, run


def test_results_page_shows_matrix_table_heat_map_and_sensitivity(scored, committee_user):
    assessment, run = scored
    page = client_for(committee_user).get(reverse("materiality:results", args=[assessment.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("materiality:run_matrix", args=[assessment.slug, run.pk, "png"]) in html
    assert "Product quality and safety" in html and "Per-group breakdown" in html and "Sensitivity" in html
    assert "Run aggregation" not in html  # the committee reads only


def test_work_team_runs_aggregation_from_the_page(assessment, work_team_user, django_capture_on_commit_callbacks):
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=5)
    client = client_for(work_team_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("materiality:run_start", args=[assessment.slug]))
    assert response.status_code == 302
    run = ScoreRun.objects.get()
    assert run.status == ScoreRun.Status.SUCCEEDED and run.started_by == work_team_user
    status = client.get(reverse("materiality:run_status", args=[assessment.slug, run.pk])).json()
    assert status["status"] == "succeeded" and status["progress"] == 100 and status["is_finished"]
    assert (status["label"], status["stage_label"]) == (f"Run {run.pk}: Succeeded", "done")
    chinese = client.get(reverse("materiality:run_status", args=[assessment.slug, run.pk]),
                         headers={"accept-language": "zh-hans"}).json()
    assert chinese["label"] != status["label"] and chinese["stage_label"] != "done"


def test_committee_cannot_run_or_import(scored, committee_user):
    assessment, _ = scored
    client = client_for(committee_user)
    assert client.post(reverse("materiality:run_start", args=[assessment.slug])).status_code == 403
    assert client.get(reverse("materiality:import_responses", args=[assessment.slug])).status_code == 403
    assert ScoreRun.objects.count() == 1


@pytest.mark.parametrize("name,kwargs", [
    ("materiality:results", {}), ("materiality:results_export", {"fmt": "csv"}),
    ("materiality:run_status", {"run_id": None}), ("materiality:run_matrix", {"run_id": None, "fmt": "png"}),
])
def test_outsider_is_refused(scored, outsider, name, kwargs):
    assessment, run = scored
    kwargs = {k: (run.pk if v is None else v) for k, v in kwargs.items()}
    assert client_for(outsider).get(reverse(name, kwargs={"slug": assessment.slug, **kwargs})).status_code == 403


def test_matrix_and_export_downloads(scored, committee_user):
    assessment, run = scored
    client = client_for(committee_user)
    png = client.get(reverse("materiality:run_matrix", args=[assessment.slug, run.pk, "png"]))
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    svg = client.get(reverse("materiality:run_matrix", args=[assessment.slug, run.pk, "svg"]))
    assert b"<svg" in svg.content and "attachment" in svg["Content-Disposition"]
    assert client.get(reverse("materiality:run_matrix", args=[assessment.slug, run.pk, "gif"])).status_code == 404
    exported = client.get(reverse("materiality:results_export", args=[assessment.slug, "csv"]))
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert len(rows) == 24 and rows[0]["rank"] == "1"
    assert client.get(reverse("materiality:results_export", args=[assessment.slug, "xlsx"])).content[:2] == b"PK"
    bad = client.get(reverse("materiality:results_export", args=[assessment.slug, "pdf"]))
    assert bad.status_code == 302


def test_page_without_results_says_so(assessment, work_team_user):
    page = client_for(work_team_user).get(reverse("materiality:results", args=[assessment.slug]))
    assert page.status_code == 200 and "No results yet" in page.content.decode()
    export = client_for(work_team_user).get(reverse("materiality:results_export", args=[assessment.slug, "csv"]))
    assert export.status_code == 302


def test_running_run_shows_a_progress_bar_and_old_results_stay(scored, work_team_user):
    assessment, run = scored
    running = ScoreRun.objects.create(assessment=assessment, status=ScoreRun.Status.RUNNING, stage="scoring",
                                      progress=35)
    html = client_for(work_team_user).get(reverse("materiality:results", args=[assessment.slug])).content.decode()
    assert reverse("materiality:run_status", args=[assessment.slug, running.pk]) in html and "35%" in html
    assert f"Run {run.pk} · method dma-1" in html


def test_upload_page_imports_or_lists_errors(assessment, work_team_user):
    make_questionnaires(assessment)
    client = client_for(work_team_user)
    url = reverse("materiality:import_responses", args=[assessment.slug])
    bad = SimpleUploadedFile("a.csv", (HEADER + "r-1,customers,E01,4,9,,,,\n").encode())
    page = client.post(url, {"file": bad})
    assert page.status_code == 200 and "Line 2: likelihood" in page.content.decode()
    assert not Response.objects.exists()
    good = SimpleUploadedFile("a.csv", (HEADER + "r-1,customers,E01,4,3,,,,\n").encode())
    done = client.post(url, {"file": good}, follow=True)
    assert "Imported 1 respondent (0 replaced) with 1 rating." in done.content.decode()
    assert Response.objects.get().source == "import"
    two = SimpleUploadedFile("a.csv", (HEADER + "r-1,customers,E01,4,3,,,,\nr-1,customers,E02,4,3,,,,\n").encode())
    done = client.post(url, {"file": two}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "已导入 1 位受访者（替换 1 位），共 2 条评分。" in done.content.decode()
    wrong = SimpleUploadedFile("a.pdf", b"%PDF")
    assert "Upload a .csv or .xlsx file." in client.post(url, {"file": wrong}).content.decode()


def test_upload_records_the_import_and_a_confirmed_assessment_refuses_it(assessment, work_team_user):
    from django.utils import timezone

    from materiality.models import AuditEntry

    make_questionnaires(assessment)
    client = client_for(work_team_user)
    url = reverse("materiality:import_responses", args=[assessment.slug])
    good = SimpleUploadedFile("a.csv", (HEADER + "r-1,customers,E01,4,3,,,,\n").encode())
    assert client.post(url, {"file": good}).status_code == 302
    entry = AuditEntry.objects.get(action="responses.import")
    assert entry.actor == work_team_user and entry.assessment_id == assessment.pk
    assert entry.after == {"file": "a.csv", "respondents": 1, "replaced": 0, "ratings": 1}
    type(assessment).objects.filter(pk=assessment.pk).update(confirmed_at=timezone.now())
    again = SimpleUploadedFile("a.csv", (HEADER + "r-2,customers,E01,4,3,,,,\n").encode())
    page = client.post(url, {"file": again}, follow=True)
    assert page.status_code == 200 and "This assessment is confirmed" in page.content.decode()
    assert 'type="file"' not in page.content.decode()  # the page offers no upload once confirmed
    assert list(Response.objects.values_list("respondent_key", flat=True)) == ["r-1"]
    assert AuditEntry.objects.filter(action="responses.import").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the job runs when the view's commit happens
def test_an_in_process_run_says_it_finished_or_why_it_failed(assessment, work_team_user, monkeypatch):
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=3)
    client = client_for(work_team_user)
    url = reverse("materiality:run_start", args=[assessment.slug])
    html = client.post(url, follow=True).content.decode()
    assert "Scoring finished: the results below are up to date." in html and "Scoring started" not in html

    def broken(*args, **kwargs):
        raise ValueError("scorer exploded")

    monkeypatch.setattr(aggregation.scoring, "sensitivity", broken)
    html = client.post(url, follow=True).content.decode()
    assert "The score run failed" in html and "scorer exploded" in html and "Scoring started" not in html


def test_scoring_without_submitted_answers_is_refused(assessment, work_team_user, django_capture_on_commit_callbacks):
    make_questionnaires(assessment)
    with django_capture_on_commit_callbacks(execute=True):
        page = client_for(work_team_user).post(reverse("materiality:run_start", args=[assessment.slug]), follow=True)
    assert page.status_code == 200 and "There are no submitted answers to score yet." in page.content.decode()
    assert not ScoreRun.objects.exists()


def test_sensitivity_names_the_classes_in_the_page_language(scored, committee_user):
    assessment, run = scored
    ScoreRun.objects.filter(pk=run.pk).update(sensitivity={"major_plus": [["S01", "major", "important"]]})
    client = client_for(committee_user)
    url = reverse("materiality:results", args=[assessment.slug])
    assert "S01 Major → Important" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "S01 重大 → 重要" in html and "major → important" not in html


def test_results_say_when_answers_or_settings_changed_since_the_run(scored, work_team_user):
    from materiality.models import AssessmentGroup
    from surveys import imports

    assessment, _run = scored
    client = client_for(work_team_user)
    url = reverse("materiality:results", args=[assessment.slug])
    html = client.get(url).content.decode()
    assert "since this run" not in html
    imports.import_responses(assessment, (HEADER + "late-1,customers,E01,4,3,,,,\n").encode(), "late.csv")
    html = client.get(url).content.decode()
    assert "Answers have been submitted or imported since this run" in html and "Run the aggregation again" in html
    AssessmentGroup.objects.filter(assessment=assessment, group__code="customers").update(weight=3)
    assert "group weights or thresholds have changed since this run" in client.get(url).content.decode()


def test_results_say_when_answers_were_deleted_since_the_run(scored, work_team_user):
    from surveys.models import Response

    assessment, _run = scored
    url = reverse("materiality:results", args=[assessment.slug])
    Response.objects.filter(assessment=assessment).first().delete()
    html = client_for(work_team_user).get(url).content.decode()
    assert "Answers have been deleted since this run" in html and "submitted or imported since" not in html


def test_a_confirmed_assessment_offers_neither_a_run_nor_an_import(scored, work_team_user):
    from django.utils import timezone

    assessment, _run = scored
    type(assessment).objects.filter(pk=assessment.pk).update(confirmed_at=timezone.now())
    html = client_for(work_team_user).get(reverse("materiality:results", args=[assessment.slug])).content.decode()
    assert "Confirmed" in html and "Run aggregation" not in html
    assert reverse("materiality:import_responses", args=[assessment.slug]) not in html


def test_a_topic_without_answers_is_shown_as_unscored(assessment, work_team_user):
    from surveys import imports

    make_questionnaires(assessment)
    imports.import_responses(assessment, (HEADER + "r-1,management,E01,5,5,5,5,short,\n").encode(), "one.csv")
    run = ScoreRun.objects.create(assessment=assessment, params=aggregation.scoring_params(assessment).to_json())
    aggregation.run_aggregation(run.pk)
    html = client_for(work_team_user).get(reverse("materiality:results", args=[assessment.slug])).content.decode()
    assert "Major 1" in " ".join(html.split()) and "No answers 23" in " ".join(html.split())


def test_summary_gives_the_counts_after_the_committees_changes_and_equal_weights_say_so(scored, committee_user):
    from materiality import services

    assessment, run = scored
    url = reverse("materiality:results", args=[assessment.slug])
    html = " ".join(client_for(committee_user).get(url).content.decode().split())
    assert "After the committee's changes" not in html
    equal = len(set(run.params["weights"].values())) == 1
    assert ("the weights are already equal" in html) == equal
    top = run.topic_scores.order_by("rank").first()
    new_class = "general" if top.classification != "general" else "major"
    services.override_class(run, top.topic, new_class, reason="Committee view", acting_user=committee_user)
    html = " ".join(client_for(committee_user).get(url).content.decode().split())
    counts = {c: run.topic_scores.filter(classification=c).count() for c in ("major", "important", "general")}
    counts[top.classification] -= 1
    counts[new_class] += 1
    assert (f"After the committee's changes: major {counts['major']}, important {counts['important']}, "
            f"general {counts['general']}.") in html.replace("&#x27;", "'")


def test_upload_page_refuses_a_file_over_its_limit(assessment, work_team_user, monkeypatch):
    from materiality.views import imports as import_views

    make_questionnaires(assessment)
    monkeypatch.setattr(import_views, "UPLOAD_LIMIT_MB", 1)
    big = SimpleUploadedFile("a.csv", HEADER.encode() + b"r-1,customers,E01,4,3,,,,\n" * 50_000)  # about 1.3 MB
    page = client_for(work_team_user).post(reverse("materiality:import_responses", args=[assessment.slug]),
                                           {"file": big})
    assert page.status_code == 200 and "The file is larger than 1 MB" in page.content.decode()
    assert not Response.objects.exists()
