"""The register's user actions: import replaces by code, ratings fix what was rated, every change is audited, and
the next cycle starts from last cycle's IROs along the library lineage."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from materiality import audit, iros, services
from materiality.models import Assessment, AssessmentFrozen, AuditEntry, Iro, IroRating, IssueLibrary
from materiality.tables import read_csv
from stakeholders.models import StakeholderGroup
from surveys import services as survey_services

pytestmark = pytest.mark.django_db

HEADER = "iro,topic,kind,sign,status,human_rights,title_en,title_zh,description,value_chain,horizon,groups,effect"
REGISTER = "\n".join([
    HEADER + ",arises_from,dependencies",
    "S07-I1,S07,impact,negative,potential,no,Battery safety incidents harm users,电池安全事故伤害用户,,own;downstream,"
    "long,customers,,,",
    "S07-R1,S07,risk,,,,Recall costs,召回成本,,downstream,short,customers,performance;cash_flows,S07-I1,Cell supply",
    "E01-O1,E01,opportunity,,,,Low-carbon batteries,低碳电池,,own,medium,,development,,",
])


def load(assessment: Assessment, text: str = REGISTER) -> tuple[int, int]:
    return iros.import_iros(assessment, read_csv(text.encode()))


def test_import_creates_the_register_with_links_and_groups(assessment):
    assert load(assessment) == (3, 0)
    risk = assessment.iros.get(code="S07-R1")
    assert [i.code for i in risk.arises_from.all()] == ["S07-I1"] and risk.dependencies == "Cell supply"
    assert [g.code for g in risk.groups.all()] == ["customers"] and risk.effects == ["performance", "cash_flows"]
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "iro.import" and entry.after["created"] == 3 and entry.assessment_id == assessment.pk


def test_reimporting_a_code_replaces_it_and_an_unchanged_file_writes_nothing(assessment):
    load(assessment)
    entries = AuditEntry.objects.count()
    assert load(assessment) == (0, 0) and AuditEntry.objects.count() == entries
    replaced = "\n".join([HEADER, "S07-R1,S07,opportunity,,,,Repair services,维修服务,Longer life,downstream,long,,"
                                  "position"])
    assert load(assessment, replaced) == (0, 1)
    iro = assessment.iros.get(code="S07-R1")
    assert (iro.kind, iro.title_en, iro.description_en, iro.horizon, iro.effects) == (
        "opportunity", "Repair services", "Longer life", "long", ["position"])
    assert iro.dependencies == "Cell supply"  # not a column of this file: kept
    assert list(iro.groups.all()) == [] and assessment.iros.count() == 3
    change = AuditEntry.objects.latest("pk").after["iros"][0]
    assert change["before"]["kind"] == "risk" and change["after"]["kind"] == "opportunity"


def test_a_bad_file_changes_nothing(assessment):
    load(assessment)
    bad = "\n".join([HEADER, "S07-R1,S07,risk,,,,Recall costs edited,,,,,,", "X1,S99,risk,,,,x,,,,,,"])
    with pytest.raises(iros.IroImportRefused) as refused:
        load(assessment, bad)
    assert refused.value.errors == ["line 3: topic 'S99' is not in the assessment's library"]
    assert assessment.iros.get(code="S07-R1").title_en == "Recall costs"


def test_ratings_fix_the_kind_sign_and_status(assessment):
    load(assessment)
    impact = assessment.iros.get(code="S07-I1")
    IroRating.objects.create(iro=impact, rater="mgmt-01", scale=4, scope=3, irremediability=2, likelihood=3)
    with pytest.raises(iros.IroImportRefused):
        load(assessment, "\n".join([HEADER, "S07-I1,S07,impact,negative,actual,no,Harm,,,,,,"]))
    impact.status = "actual"
    with pytest.raises(iros.IroRefused, match="already has ratings"):
        iros.save_iro(impact, groups=[])
    with pytest.raises(iros.IroRefused, match="can no longer be deleted"):
        iros.delete_iro(Iro.objects.get(pk=impact.pk))


def test_save_iro_audits_a_change_once_and_clears_the_other_kinds_fields(assessment, work_team_user):
    load(assessment)
    risk = assessment.iros.get(code="S07-R1")
    risk.kind, risk.sign, risk.status, risk.human_rights = "impact", "positive", "actual", False
    with pytest.raises(iros.IroRefused, match="Only a risk or an opportunity arises from impacts"):
        iros.save_iro(risk, groups=[], arises_from=list(risk.arises_from.all()), acting_user=work_team_user)
    iros.save_iro(risk, groups=StakeholderGroup.objects.filter(code="employees"), acting_user=work_team_user)
    risk.refresh_from_db()
    assert risk.effects == [] and risk.dependencies == "" and not risk.arises_from.exists()
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "iro.edit" and entry.actor_name == "wendy"
    assert entry.before["effect"] == ["performance", "cash_flows"] and entry.after["groups"] == ["employees"]
    count = AuditEntry.objects.count()
    iros.save_iro(Iro.objects.get(pk=risk.pk), groups=StakeholderGroup.objects.filter(code="employees"))
    assert AuditEntry.objects.count() == count
    assert audit.verify().ok


def test_an_impact_others_arise_from_cannot_be_deleted_or_become_a_risk(assessment):
    load(assessment)
    impact = assessment.iros.get(code="S07-I1")
    with pytest.raises(iros.IroRefused, match="S07-R1 arise"):
        iros.delete_iro(impact)
    impact.kind, impact.sign, impact.status, impact.human_rights = "risk", "", "", None
    with pytest.raises(iros.IroRefused, match="must stay an impact"):
        iros.save_iro(impact, groups=[])


def test_a_confirmed_assessments_register_refuses_every_action(assessment):
    load(assessment)
    Assessment.objects.filter(pk=assessment.pk).update(confirmed_at=timezone.now())
    assessment.refresh_from_db()
    iro = assessment.iros.get(code="S07-I1")
    for action in (lambda: load(assessment), lambda: iros.save_iro(iro, groups=[]), lambda: iros.delete_iro(iro),
                   lambda: iros.add_evidence_link(iro, "https://example.org")):
        with pytest.raises(AssessmentFrozen):
            action()


def test_import_iros_command(assessment, tmp_path, capsys):
    path = tmp_path / "register.csv"
    path.write_text(REGISTER, encoding="utf-8")
    call_command("import_iros", assessment.slug, str(path))
    assert "3 created, 0 replaced" in capsys.readouterr().out
    path.write_text("\n".join([HEADER, "S07-R1,S07,risk,bad,,,x,,,,,,"]), encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was imported: 1 problem"):
        call_command("import_iros", assessment.slug, str(path))
    assert "line 2: sign is for impacts" in capsys.readouterr().err
    for args, message in (((assessment.slug, str(tmp_path / "none.csv")), "No such file"),
                          (("nope", str(path)), "No assessment")):
        with pytest.raises(CommandError, match=message):
            call_command("import_iros", *args)


def test_create_assessment_takes_the_method_and_severity_rule(library_2024, capsys):
    call_command("create_assessment", "esrs-2024", "--library-year", "2024", "--method", "esrs-1",
                 "--severity-rule", "max")
    assessment = Assessment.objects.get(slug="esrs-2024")
    assert (assessment.method, assessment.severity_rule) == ("esrs-1", "max")
    assert "method esrs-1" in capsys.readouterr().out
    call_command("create_assessment", "dma-2024b", "--library-year", "2024")
    assert Assessment.objects.get(slug="dma-2024b").method == "dma-1"
    with pytest.raises(CommandError):
        call_command("create_assessment", "x", "--library-year", "2024", "--method", "esrs-9")


def next_cycle(previous: Assessment, library: IssueLibrary, slug: str = "dma-2025") -> Assessment:
    weights = {g: 1.0 for g in StakeholderGroup.objects.all()}
    return survey_services.create_assessment(slug=slug, name=slug, library=library, weights=weights,
                                             previous=previous, opens_at=timezone.now(),
                                             closes_at=timezone.now() + dt.timedelta(days=30))


def test_the_next_cycle_carries_the_iros_forward_along_the_lineage(assessment, library_2024):
    load(assessment)
    draft = services.clone_library(library_2024)
    merged = draft.topics.get(code="S07")
    merged.name_en = "Product quality, safety and recalls"
    services.save_topic(merged, predecessors=[library_2024.topics.get(code="S07")])
    services.retire_topic(draft.topics.get(code="E01"))
    services.publish_library(draft)
    new = next_cycle(assessment, draft)
    carried = {i.code: i for i in new.iros.select_related("topic", "predecessor")}
    assert set(carried) == {"S07-I1", "S07-R1"}  # E01 is retired: its opportunity stays behind
    risk = carried["S07-R1"]
    assert risk.topic == merged and risk.predecessor.assessment == assessment and risk.to_reassess  # short term
    assert not carried["S07-I1"].to_reassess
    assert [i.code for i in risk.arises_from.all()] == ["S07-I1"] and risk.arises_from.get().assessment == new
    assert [g.code for g in carried["S07-I1"].groups.all()] == ["customers"]
    entry = AuditEntry.objects.filter(action="iro.carry_forward").get()
    assert entry.after["left_behind"] == ["E01-O1"] and entry.after["to_reassess"] == ["S07-R1"]
    assert iros.carry_forward(assessment, new).carried == []  # a second run changes nothing


def test_reopening_a_confirmed_assessment_carries_its_iros(assessment, chair):
    load(assessment)
    Assessment.objects.filter(pk=assessment.pk).update(confirmed_at=timezone.now(), method="esrs-1",
                                                       severity_rule="mean")
    assessment.refresh_from_db()
    new = services.reopen_as_new_assessment(assessment, slug="dma-2024b", name="b", opens_at=assessment.opens_at,
                                            closes_at=assessment.closes_at, acting_user=chair)
    assert (new.method, new.severity_rule) == ("esrs-1", "mean")
    assert set(new.iros.values_list("code", flat=True)) == {"S07-I1", "S07-R1", "E01-O1"}
    assert new.iros.get(code="E01-O1").topic.library == assessment.library


def test_iro_ratings_fix_the_scale_and_affected_groups_stay(assessment):
    load(assessment)
    IroRating.objects.create(iro=assessment.iros.get(code="S07-R1"), rater="mgmt-01", magnitude=4, likelihood=3)
    assessment.scale = 7
    with pytest.raises(survey_services.SurveyError, match="rating scale cannot change"):
        survey_services.update_assessment(assessment, weights=survey_services.stored_weights(assessment))
    from stakeholders import services as stakeholder_services

    customers = StakeholderGroup.objects.get(code="customers")
    assert any("affected group of IROs in DMA 2024" in r for r in stakeholder_services.group_usage(customers))


def test_saving_a_risk_without_naming_its_links_keeps_them(assessment):
    load(assessment)
    risk = assessment.iros.get(code="S07-R1")
    risk.title_en = "Recall and warranty costs"
    iros.save_iro(risk, groups=risk.groups.all())
    assert [i.code for i in Iro.objects.get(pk=risk.pk).arises_from.all()] == ["S07-I1"]
    assert AuditEntry.objects.latest("pk").after["arises_from"] == ["S07-I1"]
