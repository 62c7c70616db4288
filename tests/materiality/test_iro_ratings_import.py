"""import_iro_ratings: all or nothing, the same (rater, iro) replaces its rating, every change audited."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from materiality import iro_ratings, iros
from materiality.models import Assessment, AssessmentFrozen, AuditEntry, IroRating
from materiality.tables import read_csv

pytestmark = pytest.mark.django_db

REGISTER = "\n".join([
    "iro,topic,kind,sign,status,human_rights,title_en,title_zh,description,value_chain,horizon,groups,effect",
    "S07-I1,S07,impact,negative,potential,no,Battery safety incidents harm users,电池安全事故伤害用户,,own,long,,",
    "S07-R1,S07,risk,,,,Recall costs,召回成本,,downstream,medium,,performance",
    "E01-I1,E01,impact,positive,actual,no,Cleaner air,更清洁的空气,,own,short,,",
])
HEADER = "rater,iro,scale,scope,irremediability,likelihood,magnitude,rationale"
RATINGS = "\n".join([HEADER, 'mgmt-01,S07-I1,5,4,4,3,,"Thermal runaway in the field"', "mgmt-01,S07-R1,,,,3,4,",
                     "esg-02,E01-I1,3,,,,,"])


@pytest.fixture
def register(assessment: Assessment) -> Assessment:
    iros.import_iros(assessment, read_csv(REGISTER.encode()))
    return assessment


def load(assessment: Assessment, text: str) -> tuple[int, int]:
    return iro_ratings.import_iro_ratings(assessment, read_csv(text.encode()))


def test_import_creates_ratings_as_submitted_with_dont_know_for_empty_cells(register):
    assert load(register, RATINGS) == (3, 0)
    rating = IroRating.objects.get(rater="esg-02")
    assert (rating.scale, rating.scope, rating.dont_know, rating.source) == (3, None, ["scope"], "import")
    assert rating.submitted_at is not None
    assert IroRating.objects.get(rater="mgmt-01", iro__code="S07-I1").rationale == "Thermal runaway in the field"
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "rating.import" and len(entry.after["ratings"]) == 3


def test_the_same_rater_and_iro_replaces_and_an_unchanged_file_writes_nothing(register):
    load(register, RATINGS)
    entries = AuditEntry.objects.count()
    assert load(register, RATINGS) == (0, 0) and AuditEntry.objects.count() == entries
    assert load(register, "\n".join([HEADER, "mgmt-01,S07-R1,,,,2,5,Costs fell"])) == (0, 1)
    rating = IroRating.objects.get(rater="mgmt-01", iro__code="S07-R1")
    assert (rating.likelihood, rating.magnitude, rating.rationale) == (2, 5, "Costs fell")
    assert IroRating.objects.count() == 3


def test_a_file_with_one_bad_line_changes_nothing_and_names_it(register):
    load(register, RATINGS)
    before = list(IroRating.objects.order_by("pk").values())
    bad = "\n".join([HEADER, "mgmt-01,S07-R1,,,,1,1,", "esg-02,E01-I1,3,3,,2,,", "esg-03,S07-I1,9,,,,,"])
    with pytest.raises(iros.IroImportRefused) as refused:
        load(register, bad)
    assert refused.value.errors == [
        "line 3: E01-I1 is an actual positive impact, which is not rated on likelihood: leave that cell empty",
        "line 4: scale '9' must be a whole number from 1 to 5, or empty for don't know",
    ]
    assert list(IroRating.objects.order_by("pk").values()) == before


def test_a_confirmed_assessment_refuses_the_import(register):
    Assessment.objects.filter(pk=register.pk).update(confirmed_at=timezone.now())
    register.refresh_from_db()
    with pytest.raises(AssessmentFrozen):
        load(register, RATINGS)
    assert not IroRating.objects.exists()


def test_import_iro_ratings_command(register, tmp_path, capsys):
    path = tmp_path / "ratings.csv"
    path.write_text(RATINGS, encoding="utf-8")
    call_command("import_iro_ratings", register.slug, str(path))
    assert "3 created, 0 replaced" in capsys.readouterr().out
    path.write_text("\n".join([HEADER, "mgmt-01,NOPE,1,,,,,", "mgmt-01,S07-R1,,,,3,,"]), encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was imported: 1 problem"):
        call_command("import_iro_ratings", register.slug, str(path))
    assert "line 2: iro 'NOPE' is not an IRO of this assessment" in capsys.readouterr().err
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(CommandError, match="Nothing was imported: The file is not UTF-8"):
        call_command("import_iro_ratings", register.slug, str(path))
    for args, message in (((register.slug, str(tmp_path / "none.csv")), "No such file"),
                          (("nope", str(path)), "No assessment")):
        with pytest.raises(CommandError, match=message):
            call_command("import_iro_ratings", *args)
