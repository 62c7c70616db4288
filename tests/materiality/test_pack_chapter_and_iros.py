"""The stored pack carries the chapter in both languages and the IRO register, ratings and evidence (13.6, 12.5)."""

from __future__ import annotations

import csv
import io
import zipfile

from django.utils import timezone

from materiality import iros, services
from materiality.models import ConfirmedPack, Iro, IroRating
from tests.materiality.confirmable import make_confirmable


def read_csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


def test_the_pack_holds_the_chapter_and_the_iro_trail(scored, chair, work_team_user):
    assessment = scored.assessment
    topic = assessment.library.topics.order_by("position").first()
    iro = Iro(assessment=assessment, code=f"{topic.code}-R1", topic=topic, kind=Iro.Kind.RISK,
              title_en="Recall costs", title_zh="召回成本", horizon="short")
    iros.save_iro(iro, groups=[], acting_user=work_team_user)
    iros.add_evidence_link(iro, "https://example.org/recall-report", note="2024 recall report",
                           acting_user=work_team_user)
    IroRating.objects.create(iro=iro, rater="mgmt-01", magnitude=4, likelihood=3, rationale="Two recalls last year",
                             submitted_at=timezone.now())
    make_confirmable(scored, chair)
    assert services.confirm_assessment(assessment, acting_user=chair)

    archive = zipfile.ZipFile(io.BytesIO(bytes(ConfirmedPack.objects.get(assessment=assessment).content)))
    names = set(archive.namelist())
    for language in ("en", "zh"):
        for fmt in ("docx", "html"):
            assert f"materiality-chapter-{assessment.slug}-{language}.{fmt}" in names
    assert {"matrix-zh.png", "matrix-zh.svg", "iro-register.csv", "iro-ratings.csv", "iro-evidence.csv"} <= names
    assert [r["iro"] for r in read_csv(archive, "iro-register.csv")] == [iro.code]
    (rating,) = read_csv(archive, "iro-ratings.csv")
    assert (rating["rater"], rating["magnitude"], rating["likelihood"], rating["rationale"]) == (
        "mgmt-01", "4", "3", "Two recalls last year")
    (evidence,) = read_csv(archive, "iro-evidence.csv")
    assert evidence["link"] == "https://example.org/recall-report" and evidence["note"] == "2024 recall report"


def test_a_pack_without_iros_has_no_iro_files(scored, chair):
    make_confirmable(scored, chair)
    assert services.confirm_assessment(scored.assessment, acting_user=chair)
    names = zipfile.ZipFile(io.BytesIO(bytes(ConfirmedPack.objects.get().content))).namelist()
    assert not [n for n in names if n.startswith("iro-")]
