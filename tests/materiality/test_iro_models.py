"""The IRO data model: kind-specific fields checked by the database, ratings' criteria and bounds, and the freeze
of every IRO table with its assessment (models, raw SQL, admin)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from materiality import audit
from materiality.iro_models import criteria_for, rating_problems
from materiality.models import (
    Assessment,
    AssessmentFrozen,
    AuditEntry,
    Iro,
    IroEvidence,
    IroRating,
    IroScore,
    RaterAssignment,
    RaterToken,
    ScoreRun,
    Topic,
)
from stakeholders.models import Stakeholder, StakeholderGroup
from tests.conftest import client_for
from tests.materiality.test_freeze import refused_by_database as refused

pytestmark = pytest.mark.django_db


def impact(assessment: Assessment, code: str = "S07-I1", **fields: object) -> Iro:
    values = {"topic": assessment.library.topics.get(code="S07"), "kind": "impact", "sign": "negative",
              "status": "potential", "human_rights": False, "title_en": "Battery safety incidents harm users",
              "title_zh": "电池安全事故伤害用户", **fields}
    return Iro.objects.create(assessment=assessment, code=code, **values)


def risk(assessment: Assessment, code: str = "S07-R1", **fields: object) -> Iro:
    values = {"topic": assessment.library.topics.get(code="S07"), "kind": "risk", "title_en": "Recall costs",
              "effect_performance": True, "effect_cash_flows": True, "downstream": True, **fields}
    return Iro.objects.create(assessment=assessment, code=code, **values)


def test_an_assessment_is_scored_with_dma_1_and_mean_max_unless_told():
    fields = {f.name: f for f in Assessment._meta.get_fields()}
    assert fields["method"].default == "dma-1" and fields["severity_rule"].default == "mean_max"


def test_the_database_refuses_an_unknown_method(assessment):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(method="dma-9")
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(severity_rule="median")


def test_an_impact_and_a_risk_keep_their_own_fields(assessment):
    i = impact(assessment, upstream=True, own_operations=True)
    r = risk(assessment)
    r.arises_from.add(i)
    assert i.value_chain == ["upstream", "own"] and i.effects == []
    assert r.value_chain == ["downstream"] and r.effects == ["performance", "cash_flows"]
    assert list(i.gives_rise_to.all()) == [r]
    assert i.title_for("zh-hans") == "电池安全事故伤害用户" and r.title_for("zh-hans") == "Recall costs"


@pytest.mark.parametrize("fields", [
    {"sign": ""}, {"status": ""}, {"human_rights": None}, {"sign": "neutral"}, {"effect_position": True},
    {"dependencies": "Lithium supply"},
])
def test_the_database_refuses_an_impact_without_its_fields_or_with_a_risks(assessment, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        impact(assessment, **fields)


@pytest.mark.parametrize("fields", [{"sign": "negative"}, {"status": "actual"}, {"human_rights": False}])
def test_the_database_refuses_a_risk_with_an_impacts_fields(assessment, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        risk(assessment, **fields)


@pytest.mark.parametrize("fields", [{"kind": "threat"}, {"horizon": "later"}, {"title_en": ""}])
def test_the_database_refuses_unknown_words_and_an_empty_title(assessment, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        risk(assessment, **fields)


def test_an_iro_code_is_unique_in_its_assessment_only(assessment):
    impact(assessment)
    with pytest.raises(IntegrityError), transaction.atomic():
        impact(assessment)
    other = Assessment.objects.create(slug="other", name="Other", library=assessment.library,
                                      opens_at=assessment.opens_at, closes_at=assessment.closes_at)
    assert impact(other).pk


def test_clean_names_the_wrong_fields(assessment, library_2024):
    from materiality import services

    services.load_library("calb-2023")
    old_topic = Topic.objects.get(library__year=2023, code="S07")
    iro = Iro(assessment=assessment, code="X1", topic=old_topic, kind="risk", sign="negative", human_rights=True,
              title_en="x")
    with pytest.raises(ValidationError) as caught:
        iro.full_clean()
    assert set(caught.value.message_dict) == {"topic", "sign", "human_rights"}
    iro = Iro(assessment=assessment, code="X2", topic=library_2024.topics.get(code="E01"), kind="impact",
              title_en="x", effect_development=True)
    with pytest.raises(ValidationError) as caught:
        iro.full_clean()
    assert set(caught.value.message_dict) == {"sign", "status", "human_rights", "__all__"}


@pytest.mark.parametrize("kind,sign,status,expected", [
    ("impact", "negative", "actual", ("scale", "scope", "irremediability")),
    ("impact", "negative", "potential", ("scale", "scope", "irremediability", "likelihood")),
    ("impact", "positive", "actual", ("scale", "scope")),
    ("impact", "positive", "potential", ("scale", "scope", "likelihood")),
    ("risk", "", "", ("magnitude", "likelihood")),
    ("opportunity", "", "", ("magnitude", "likelihood")),
])
def test_each_kind_is_rated_on_the_criteria_design_3b_names(kind, sign, status, expected):
    assert criteria_for(kind, sign, status) == expected


def test_rating_problems_name_values_off_the_scale_and_criteria_not_used():
    criteria = criteria_for("impact", "positive", "actual")
    assert rating_problems(criteria, {"scale": 5, "scope": None}, 5) == {}
    problems = rating_problems(criteria, {"scale": 6, "scope": 0, "likelihood": 3, "magnitude": None}, 5)
    assert set(problems) == {"scale", "scope", "likelihood"}


def test_a_rating_is_unique_per_iro_and_rater_and_checked_against_the_scale(assessment):
    iro = impact(assessment, status="actual")
    rating = IroRating.objects.create(iro=iro, rater="mgmt-01", scale=5, scope=4, irremediability=None,
                                      source="import")
    with pytest.raises(IntegrityError), transaction.atomic():
        IroRating.objects.create(iro=iro, rater="mgmt-01")
    with pytest.raises(IntegrityError), transaction.atomic():
        IroRating.objects.create(iro=iro, rater="mgmt-02", scale=0)
    rating.scale, rating.likelihood = 6, 2
    with pytest.raises(ValidationError) as caught:
        rating.full_clean()
    assert set(caught.value.message_dict) == {"scale", "likelihood"}
    assert "1 to 5" in caught.value.message_dict["scale"][0]


def test_evidence_is_a_file_or_a_link(assessment):
    iro = impact(assessment)
    IroEvidence.objects.create(iro=iro, kind="link", url="https://example.org/report", added_by_name="wendy")
    with pytest.raises(IntegrityError), transaction.atomic():
        IroEvidence.objects.create(iro=iro, kind="link", url="", added_by_name="wendy")
    with pytest.raises(IntegrityError), transaction.atomic():
        IroEvidence.objects.create(iro=iro, kind="file", file="evidence/x", size=3, sha256="",
                                   added_by_name="wendy")
    with pytest.raises(IntegrityError), transaction.atomic():
        IroEvidence.objects.create(iro=iro, kind="link", url="https://example.org", file="evidence/y",
                                   added_by_name="wendy")


def test_an_assignment_names_a_contact_or_a_user_not_both(assessment, work_team_user):
    group = StakeholderGroup.objects.get(code="management")
    contact = Stakeholder.objects.create(name="Li Ming", email="li.ming@example.org", group=group)
    a = RaterAssignment.objects.create(assessment=assessment, contact=contact, token_hash="a" * 64)
    a.topics.set(assessment.library.topics.filter(code__in=["S07", "E01"]))
    assert a.rater_key == f"rater-{a.pk}"
    with pytest.raises(IntegrityError), transaction.atomic():
        RaterAssignment.objects.create(assessment=assessment, contact=contact, user=work_team_user,
                                       token_hash="b" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        RaterAssignment.objects.create(assessment=assessment, contact=contact, token_hash="c" * 64)


@pytest.fixture
def frozen_register(assessment, work_team_user) -> dict:
    """One row in every IRO table, then the assessment confirmed."""
    i = impact(assessment)
    r = risk(assessment)
    r.arises_from.add(i)
    i.groups.add(StakeholderGroup.objects.get(code="customers"))
    evidence = IroEvidence.objects.create(iro=i, kind="link", url="https://example.org", added_by_name="wendy")
    assignment = RaterAssignment.objects.create(assessment=assessment, user=work_team_user, token_hash="d" * 64)
    assignment.topics.add(i.topic)
    token = RaterToken.objects.create(assignment=assignment, token_hash="e" * 64)
    rating = IroRating.objects.create(iro=i, rater="mgmt-01", scale=4, assignment=assignment)
    run = ScoreRun.objects.create(assessment=assessment, method="esrs-1", status="succeeded")
    score = IroScore.objects.create(run=run, iro=i, score=4.0, n=1, rank=1, material=True)
    Assessment.objects.filter(pk=assessment.pk).update(confirmed_at=timezone.now())
    assessment.refresh_from_db()
    return {"impact": i, "risk": r, "evidence": evidence, "assignment": assignment, "token": token,
            "rating": rating, "score": score, "run": run}


@pytest.mark.parametrize("name", ["impact", "evidence", "assignment", "token", "rating", "score"])
def test_a_confirmed_assessments_iro_rows_refuse_save_and_delete(frozen_register, name):
    obj = type(frozen_register[name]).objects.get(pk=frozen_register[name].pk)
    with pytest.raises(AssessmentFrozen):
        obj.save()
    with pytest.raises(AssessmentFrozen):
        obj.delete()


@pytest.mark.parametrize("sql", [
    "UPDATE materiality_iro SET title_en = 'edited' WHERE assessment_id = %s",
    "DELETE FROM materiality_iro_arises_from WHERE from_iro_id IN (SELECT id FROM materiality_iro WHERE assessment_id = %s)",
    "DELETE FROM materiality_iro_groups WHERE iro_id IN (SELECT id FROM materiality_iro WHERE assessment_id = %s)",
    "INSERT INTO materiality_iro_groups (iro_id, stakeholdergroup_id) SELECT i.id, g.id FROM materiality_iro i "
    "CROSS JOIN stakeholders_stakeholdergroup g WHERE i.assessment_id = %s AND g.code = 'employees'",
    "UPDATE materiality_iroevidence SET note = 'edited' WHERE iro_id IN "
    "(SELECT id FROM materiality_iro WHERE assessment_id = %s)",
    "UPDATE materiality_irorating SET scale = 1 WHERE iro_id IN (SELECT id FROM materiality_iro WHERE assessment_id = %s)",
    "INSERT INTO materiality_irorating (iro_id, rater, dont_know, rationale, source, saved_at) SELECT id, 'late', '[]', "
    "'', 'import', CURRENT_TIMESTAMP FROM materiality_iro WHERE assessment_id = %s",
    "UPDATE materiality_iroscore SET score = 1 WHERE run_id IN "
    "(SELECT id FROM materiality_scorerun WHERE assessment_id = %s)",
    "UPDATE materiality_raterassignment SET status = 'sent' WHERE assessment_id = %s",
    "DELETE FROM materiality_raterassignment_topics WHERE raterassignment_id IN "
    "(SELECT id FROM materiality_raterassignment WHERE assessment_id = %s)",
    "DELETE FROM materiality_ratertoken WHERE assignment_id IN "
    "(SELECT id FROM materiality_raterassignment WHERE assessment_id = %s)",
])
def test_the_database_refuses_raw_changes_to_a_confirmed_register(frozen_register, assessment, sql):
    assert refused(sql, [assessment.pk])


def test_the_register_of_an_open_assessment_stays_writable(frozen_register, assessment):
    other = Assessment.objects.create(slug="next", name="Next", library=assessment.library,
                                      opens_at=assessment.opens_at, closes_at=assessment.closes_at)
    iro = impact(other)
    iro.groups.add(StakeholderGroup.objects.get(code="customers"))
    IroRating.objects.create(iro=iro, rater="mgmt-01", scale=3)
    assert not refused("UPDATE materiality_iro SET title_en = 'edited' WHERE assessment_id = %s", [other.pk])
    assert not refused("DELETE FROM materiality_irorating WHERE iro_id = %s", [iro.pk])


def test_the_admin_opens_a_confirmed_register_read_only(frozen_register, superuser):
    client = client_for(superuser)
    for name, model in (("impact", "iro"), ("rating", "irorating"), ("evidence", "iroevidence"),
                        ("assignment", "raterassignment")):
        url = reverse(f"admin:materiality_{model}_change", args=[frozen_register[name].pk])
        page = client.get(url)
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode(), model
        assert client.post(url, {}).status_code == 403
    assert Iro.objects.get(pk=frozen_register["impact"].pk).title_en == "Battery safety incidents harm users"


def test_admin_changes_to_an_iro_are_audited_with_its_groups(assessment, superuser):
    iro = impact(assessment)
    url = reverse("admin:materiality_iro_change", args=[iro.pk])
    customers, employees = StakeholderGroup.objects.filter(code__in=["customers", "employees"]).order_by("code")
    response = client_for(superuser).post(url, {
        "assessment": assessment.pk, "code": iro.code, "topic": iro.topic_id, "kind": "impact", "sign": "negative",
        "status": "actual", "human_rights": "false", "title_en": iro.title_en, "title_zh": iro.title_zh,
        "horizon": "long", "groups": [customers.pk, employees.pk], "position": 0})
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "admin.change" and entry.assessment_id == assessment.pk
    assert entry.before["status"] == "potential" and entry.after["status"] == "actual"
    assert entry.before["groups"] == [] and entry.after["groups"] == ["customers", "employees"]
    assert audit.verify().ok


def test_the_admin_refuses_a_rating_off_the_scale_with_a_message(assessment, superuser):
    iro = impact(assessment, status="actual")
    page = client_for(superuser).post(reverse("admin:materiality_irorating_add"), {
        "iro": iro.pk, "rater": "mgmt-01", "scale": 9, "likelihood": 2, "dont_know": "[]", "source": "import"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "from 1 to 5" in text and "not rated on likelihood" in text
    assert not IroRating.objects.exists()


def test_the_admin_refuses_links_from_an_impact(assessment, superuser):
    first, second = impact(assessment), impact(assessment, code="S07-I2")
    page = client_for(superuser).post(reverse("admin:materiality_iro_change", args=[second.pk]), {
        "assessment": assessment.pk, "code": second.code, "topic": second.topic_id, "kind": "impact",
        "sign": "negative", "status": "potential", "human_rights": "false", "title_en": "x",
        "arises_from": [first.pk], "position": 0})
    assert page.status_code == 200 and "Only a risk or an opportunity arises from impacts" in page.content.decode()
    assert not second.arises_from.exists()
