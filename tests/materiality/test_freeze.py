"""A confirmed assessment is frozen at every level: services, models, forms, admin, API and the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from materiality import freeze, services
from materiality.models import (
    Assessment,
    AssessmentFrozen,
    AssessmentGroup,
    ClassOverride,
    GroupScore,
    RegisterEntry,
    ScoreRun,
    TopicScore,
)
from surveys.models import Rating, Response
from tests.conftest import client_for
from tests.materiality.confirmable import make_confirmable


@pytest.fixture
def frozen(scored, chair, committee_user) -> ScoreRun:
    s = scored.topic_scores.order_by("rank").first()
    services.override_class(scored, s.topic, "general" if s.classification != "general" else "major",
                            reason="Committee view", acting_user=committee_user)
    services.prefill_register(scored.assessment, acting_user=None)
    make_confirmable(scored, chair)
    assert services.confirm_assessment(scored.assessment, acting_user=chair)
    scored.assessment.refresh_from_db()
    return scored


def refused_by_database(sql: str, params: list[object]) -> bool:
    """Run raw SQL in a savepoint; tell whether the database refused it."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as exc:
        assert freeze.MESSAGE in str(exc)
        return True
    return False


def test_models_refuse_save_and_delete(frozen):
    assessment = Assessment.objects.get(pk=frozen.assessment_id)
    assessment.name = "changed"
    with pytest.raises(AssessmentFrozen):
        assessment.save()
    with pytest.raises(AssessmentFrozen):
        assessment.delete()
    weight = AssessmentGroup.objects.filter(assessment=assessment).first()
    weight.weight = 9
    with pytest.raises(AssessmentFrozen):
        weight.save()
    for obj in (ClassOverride.objects.get(), RegisterEntry.objects.first(), ScoreRun.objects.get(pk=frozen.pk)):
        with pytest.raises(AssessmentFrozen):
            obj.save()
        with pytest.raises(AssessmentFrozen):
            obj.delete()
    assert Assessment.objects.get(pk=assessment.pk).name != "changed"


@pytest.mark.parametrize("sql", [
    "UPDATE materiality_assessment SET name = 'x' WHERE id = %s",
    "DELETE FROM materiality_assessment WHERE id = %s",
    "UPDATE materiality_assessmentgroup SET weight = 7 WHERE assessment_id = %s",
    "UPDATE materiality_scorerun SET status = 'failed' WHERE assessment_id = %s",
    "UPDATE materiality_topicscore SET classification = 'major' WHERE run_id IN "
    "(SELECT id FROM materiality_scorerun WHERE assessment_id = %s)",
    "DELETE FROM materiality_groupscore WHERE run_id IN (SELECT id FROM materiality_scorerun WHERE assessment_id = %s)",
    "UPDATE materiality_classoverride SET reason = 'edited' WHERE assessment_id = %s",
    "DELETE FROM materiality_registerentry WHERE assessment_id = %s",
    "UPDATE surveys_response SET status = 'draft' WHERE assessment_id = %s",
    "UPDATE surveys_rating SET severity = 1 WHERE response_id IN (SELECT id FROM surveys_response WHERE assessment_id = %s)",
    "DELETE FROM surveys_rating WHERE response_id IN (SELECT id FROM surveys_response WHERE assessment_id = %s)",
    # new rows reached through their parent: a rating of a frozen response, a score of a frozen run
    "INSERT INTO surveys_rating (response_id, topic_id, horizon, comment, dont_know) SELECT r.id, t.id, '', '', '[]' "
    "FROM surveys_response r CROSS JOIN materiality_topic t WHERE r.assessment_id = %s AND t.library_id <> "
    "(SELECT a.library_id FROM materiality_assessment a WHERE a.id = r.assessment_id) LIMIT 1",
    "INSERT INTO materiality_topicscore (run_id, topic_id, n_impact, n_financial, classification, rank, is_borderline, "
    "influence_period, horizon_short, horizon_medium, horizon_long, is_new, previous_topics, previous_classification) "
    "SELECT s.id, t.id, 0, 0, 'general', 99, false, '', 0, 0, 0, false, '', '' FROM materiality_scorerun s "
    "CROSS JOIN materiality_topic t WHERE s.assessment_id = %s AND t.library_id <> "
    "(SELECT a.library_id FROM materiality_assessment a WHERE a.id = s.assessment_id) LIMIT 1",
])
def test_database_refuses_raw_changes(frozen, sql):
    assert refused_by_database(sql, [frozen.assessment_id])


def test_database_refuses_new_rows_and_bulk_writes(frozen):
    response = Response.objects.filter(assessment_id=frozen.assessment_id).first()
    rating = Rating.objects.filter(response=response).first()
    assert refused_by_database(
        "INSERT INTO materiality_approval (assessment_id, run_id, member_id, decision, note, decided_at) "
        "SELECT %s, %s, id, 'approve', '', created_at FROM materiality_scorerun WHERE 1 = 0 UNION ALL "
        "SELECT %s, %s, (SELECT MIN(id) FROM auth_user), 'approve', '', CURRENT_TIMESTAMP",
        [frozen.assessment_id, frozen.pk, frozen.assessment_id, frozen.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        TopicScore.objects.filter(run=frozen).update(classification="major")
    with pytest.raises(DatabaseError), transaction.atomic():
        Rating.objects.filter(pk=rating.pk).update(severity=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        GroupScore.objects.filter(run=frozen).delete()


def test_other_assessments_stay_writable(frozen, library_2024):
    other = Assessment.objects.create(slug="other", name="Other", library=library_2024,
                                      opens_at=frozen.assessment.opens_at, closes_at=frozen.assessment.closes_at)
    other.name = "Other, renamed"
    other.save()
    assert not refused_by_database("UPDATE materiality_assessment SET name = 'y' WHERE id = %s", [other.pk])


def test_register_form_refused_after_confirmation(frozen, work_team_user):
    entry = RegisterEntry.objects.select_related("topic").first()
    url = reverse("materiality:register_edit", kwargs={"slug": frozen.assessment.slug, "code": entry.topic.code})
    response = client_for(work_team_user).post(url, {"risks": "late edit", "influence_period": "long"}, follow=True)
    assert "can no longer change" in response.content.decode()
    entry.refresh_from_db()
    assert entry.risks != "late edit"
    prefill = reverse("materiality:register_prefill", kwargs={"slug": frozen.assessment.slug})
    assert "can no longer change" in client_for(work_team_user).post(prefill, follow=True).content.decode()


def test_committee_pages_refuse_changes_after_confirmation(frozen, committee_user):
    client = client_for(committee_user)
    slug = frozen.assessment.slug
    code = frozen.topic_scores.order_by("rank").first().topic.code
    response = client.post(reverse("materiality:override_set", kwargs={"slug": slug, "code": code}),
                           {"new_class": "major", "reason": "again"}, follow=True)
    assert response.status_code == 200 and "can no longer change" in response.content.decode()
    assert ClassOverride.objects.get().reason == "Committee view"


def test_run_button_refused_after_confirmation(frozen, work_team_user):
    runs = ScoreRun.objects.count()
    response = client_for(work_team_user).post(
        reverse("materiality:run_start", kwargs={"slug": frozen.assessment.slug}), follow=True)
    assert response.status_code == 200 and "can no longer change" in response.content.decode()
    assert ScoreRun.objects.count() == runs


def test_aggregate_command_refused_after_confirmation(frozen):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="confirmed"):
        call_command("aggregate", frozen.assessment.slug)


def test_admin_opens_confirmed_objects_read_only(frozen, superuser):
    client = client_for(superuser)
    assessment = frozen.assessment
    url = reverse("admin:materiality_assessment_change", args=[assessment.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = client.post(url, {"slug": assessment.slug, "name": "admin edit"})
    assert response.status_code == 403
    delete = client.post(reverse("admin:materiality_assessment_delete", args=[assessment.pk]), {"post": "yes"})
    assert delete.status_code == 403
    override = ClassOverride.objects.get()
    assert client.post(reverse("admin:materiality_classoverride_change", args=[override.pk]),
                       {"reason": "admin edit"}).status_code == 403
    assert Assessment.objects.get(pk=assessment.pk).name == assessment.name
    assert ClassOverride.objects.get().reason == "Committee view"


def test_api_is_read_only(frozen, committee_user, superuser):
    url = reverse("materiality:api-assessment-detail", kwargs={"slug": frozen.assessment.slug})
    for user, status in ((committee_user, 403), (superuser, 405)):  # no change permission; no write route at all
        client = client_for(user)
        for method in (client.post, client.put, client.patch, client.delete):
            assert method(url, {}, content_type="application/json").status_code == status
    assert Assessment.objects.get(pk=frozen.assessment_id).name == frozen.assessment.name


def test_admin_opens_a_confirmed_assessments_responses_read_only(frozen, superuser):
    client = client_for(superuser)
    response = Response.objects.filter(assessment=frozen.assessment).first()
    url = reverse("admin:surveys_response_change", args=[response.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(url, {"respondent_key": "edited"}).status_code == 403
    assert client.post(reverse("admin:surveys_response_delete", args=[response.pk]), {"post": "yes"}).status_code == 403
    # The list's "delete selected" says what it cannot delete, and refuses the confirmation, instead of failing in
    # the database.
    action = {"action": "delete_selected", "_selected_action": [response.pk]}
    ask = client.post(reverse("admin:surveys_response_changelist"), action)
    assert ask.status_code == 200 and "Cannot delete" in ask.content.decode()
    assert client.post(reverse("admin:surveys_response_changelist"), {**action, "post": "yes"}).status_code == 403
    assert Response.objects.filter(pk=response.pk, respondent_key=response.respondent_key).exists()


def test_admin_refuses_adding_to_a_confirmed_assessment_with_a_message(frozen, superuser):
    from materiality.models import Comment

    client = client_for(superuser)
    assessment = frozen.assessment
    page = client.post(reverse("admin:materiality_comment_add"),
                       {"assessment": assessment.pk, "author_name": "ada", "text": "late remark"})
    assert page.status_code == 200 and "This assessment is confirmed" in page.content.decode()
    group = assessment.group_weights.first().group
    page = client.post(reverse("admin:surveys_questionnaire_add"), {
        "assessment": assessment.pk, "title_en": "Late", "groups": [group.pk], "asks_severity": "on",
        "opens_at_0": "2024-01-01", "opens_at_1": "00:00", "closes_at_0": "2024-02-01", "closes_at_1": "00:00"})
    assert page.status_code == 200 and "This assessment is confirmed" in page.content.decode()
    assert not Comment.objects.filter(text="late remark").exists()
    assert not assessment.questionnaires.filter(title_en="Late").exists()


def test_admin_cannot_delete_an_invitation_of_a_confirmed_assessment(frozen, superuser):
    from surveys.models import Invitation, Questionnaire

    questionnaire = Questionnaire.objects.filter(assessment=frozen.assessment).first()
    invitation = Invitation.objects.create(questionnaire=questionnaire, group=questionnaire.groups.first(),
                                           token_hash="b" * 64)
    client = client_for(superuser)
    url = reverse("admin:surveys_invitation_delete", args=[invitation.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Invitation.objects.filter(pk=invitation.pk).exists()
