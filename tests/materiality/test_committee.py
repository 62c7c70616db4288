"""Committee review: comments, class overrides beside the computed class, approvals, confirmation, reopening."""

from __future__ import annotations

import pytest
from django.urls import reverse

from materiality import audit, services
from materiality.models import Approval, Assessment, AssessmentFrozen, AuditEntry, ClassOverride, Comment, TopicScore
from tests.conftest import client_for
from tests.materiality.confirmable import make_confirmable
from tests.materiality.conftest import score


def top_score(run) -> TopicScore:
    return run.topic_scores.select_related("topic").order_by("rank").first()


def other_class(cls: str) -> str:
    return "general" if cls != "general" else "major"


def test_override_keeps_the_computed_class_and_is_audited(scored, committee_user):
    s = top_score(scored)
    override = services.override_class(scored, s.topic, other_class(s.classification), reason="Supplier audit findings",
                                       acting_user=committee_user)
    s.refresh_from_db()
    assert s.classification == override.computed_class != override.new_class
    assert services.final_classes(scored)[s.topic_id] == (override.new_class, override)
    entry = AuditEntry.objects.filter(action="override.set").get()
    assert entry.after["reason"] == "Supplier audit findings" and entry.actor_name == "colin"
    assert entry.before["class"] == s.classification
    assert audit.verify().ok


def test_override_without_reason_is_refused_and_writes_nothing(scored, committee_user):
    s = top_score(scored)
    with pytest.raises(services.ReviewRefused):
        services.override_class(scored, s.topic, other_class(s.classification), reason="   ", acting_user=committee_user)
    assert not ClassOverride.objects.exists()


def test_same_override_twice_writes_once_and_computed_class_withdraws(scored, committee_user):
    s = top_score(scored)
    new = other_class(s.classification)
    services.override_class(scored, s.topic, new, reason="r", acting_user=committee_user)
    services.override_class(scored, s.topic, new, reason="r", acting_user=committee_user)
    assert AuditEntry.objects.filter(action="override.set").count() == 1
    assert services.override_class(scored, s.topic, s.classification, reason="back", acting_user=committee_user) is None
    assert not ClassOverride.objects.exists()
    assert AuditEntry.objects.filter(action="override.withdraw").count() == 1


def test_only_the_latest_run_can_be_reviewed(scored, committee_user):
    newer = score(scored.assessment)
    s = top_score(scored)
    with pytest.raises(services.ReviewRefused):
        services.override_class(scored, s.topic, other_class(s.classification), reason="r", acting_user=committee_user)
    assert services.latest_succeeded_run(scored.assessment) == newer


def test_chair_alone_confirms_by_default_and_a_second_confirm_does_nothing(scored, chair):
    assessment = scored.assessment
    make_confirmable(scored, chair)
    assert services.confirm_assessment(assessment, acting_user=chair) is True
    assert services.confirm_assessment(Assessment.objects.get(pk=assessment.pk), acting_user=chair) is False
    assessment.refresh_from_db()
    assert assessment.is_confirmed and assessment.confirmed_by == chair
    assert AuditEntry.objects.filter(action="assessment.confirm").count() == 1


def test_confirmation_waits_for_the_required_approvals(scored, chair, committee_user):
    assessment = scored.assessment
    Assessment.objects.filter(pk=assessment.pk).update(required_approvals=1)
    assessment.refresh_from_db()
    make_confirmable(scored, chair)
    with pytest.raises(services.ReviewRefused, match="0 of the 1"):
        services.confirm_assessment(assessment, acting_user=chair)
    services.record_approval(scored, member=committee_user, decision="changes", note="Check S07")
    with pytest.raises(services.ReviewRefused, match="requested changes"):
        services.confirm_assessment(assessment, acting_user=chair)
    services.record_approval(scored, member=committee_user, decision="approve")
    assert Approval.objects.get().decision == "approve"
    assert services.confirm_assessment(assessment, acting_user=chair)


def test_a_member_without_the_chair_role_cannot_confirm(scored, committee_user):
    with pytest.raises(services.ReviewRefused):
        services.confirm_assessment(scored.assessment, acting_user=committee_user)
    assert not Assessment.objects.get(pk=scored.assessment_id).is_confirmed


def test_a_named_chair_excludes_other_chairs(scored, chair, django_user_model):
    from materiality import roles
    from tests.conftest import make_user

    other = make_user("other-chair", roles.COMMITTEE)
    other.groups.add(*chair.groups.all())
    Assessment.objects.filter(pk=scored.assessment_id).update(chair=chair)
    assessment = Assessment.objects.get(pk=scored.assessment_id)
    make_confirmable(scored, chair)
    assert not services.may_confirm(assessment, other)
    with pytest.raises(services.ReviewRefused):
        services.confirm_assessment(assessment, acting_user=other)
    assert services.confirm_assessment(assessment, acting_user=chair)


def test_review_actions_after_confirmation_are_refused(scored, chair, committee_user):
    make_confirmable(scored, chair)
    services.confirm_assessment(scored.assessment, acting_user=chair)
    s = top_score(scored)
    with pytest.raises(AssessmentFrozen):
        services.override_class(scored, s.topic, other_class(s.classification), reason="late", acting_user=chair)
    with pytest.raises(AssessmentFrozen):
        services.record_approval(scored, member=committee_user, decision="approve")
    with pytest.raises(AssessmentFrozen):
        services.add_comment(scored.assessment, s.topic, "late", acting_user=committee_user)
    with pytest.raises(AssessmentFrozen):
        services.start_aggregation(scored.assessment)


def test_reopen_copies_parameters_and_weights(scored, chair, work_team_user):
    source = scored.assessment
    Assessment.objects.filter(pk=source.pk).update(major_threshold=3.8)
    source.refresh_from_db()
    make_confirmable(score(source), chair)  # the new threshold needs a new run: the old one is out of date
    services.confirm_assessment(source, acting_user=chair)
    new = services.reopen_as_new_assessment(source, slug="dma-2024b", name="DMA 2024 b", opens_at=source.opens_at,
                                            closes_at=source.closes_at, acting_user=work_team_user)
    assert new.previous == source and new.major_threshold == 3.8 and not new.is_confirmed
    assert dict(new.group_weights.values_list("group__code", "weight")) == dict(
        source.group_weights.values_list("group__code", "weight"))


# --- pages -------------------------------------------------------------------------------------------------------

def test_workspace_by_role(scored, committee_user, work_team_user, outsider):
    url = reverse("materiality:committee", kwargs={"slug": scored.assessment.slug})
    assert client_for(committee_user).get(url).status_code == 200
    assert client_for(work_team_user).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 403


def test_override_page_flow_shows_both_classes(scored, committee_user):
    s = top_score(scored)
    client = client_for(committee_user)
    slug = scored.assessment.slug
    url = reverse("materiality:override_set", kwargs={"slug": slug, "code": s.topic.code})
    response = client.post(url, {"new_class": other_class(s.classification), "reason": ""}, follow=True)
    assert "needs a written reason" in response.content.decode()
    assert not ClassOverride.objects.exists()
    client.post(url, {"new_class": other_class(s.classification), "reason": "Seen in the supplier audit"})
    page = client.get(reverse("materiality:committee", kwargs={"slug": slug})).content.decode()
    assert "Seen in the supplier audit" in page and "Committee:" in page
    results = client.get(reverse("materiality:results", kwargs={"slug": slug})).content.decode()
    assert "Committee:" in results


def test_comment_and_decision_pages(scored, committee_user):
    client = client_for(committee_user)
    slug = scored.assessment.slug
    code = top_score(scored).topic.code
    client.post(reverse("materiality:comment_add", kwargs={"slug": slug}), {"topic": code, "text": "Why so high?"})
    client.post(reverse("materiality:comment_add", kwargs={"slug": slug}), {"topic": "NOPE", "text": "x"})
    assert list(Comment.objects.values_list("topic__code", "text")) == [(code, "Why so high?")]
    response = client.post(reverse("materiality:approval_record", kwargs={"slug": slug}), {"decision": "changes"},
                           follow=True)
    assert "Say which changes you request" in response.content.decode()
    client.post(reverse("materiality:approval_record", kwargs={"slug": slug}), {"decision": "approve"})
    assert Approval.objects.get().decision == "approve"


def test_confirm_page_needs_the_chair_role(scored, committee_user, chair):
    url = reverse("materiality:confirm", kwargs={"slug": scored.assessment.slug})
    make_confirmable(scored, chair)
    typed = {"typed_name": scored.assessment.name}
    assert client_for(committee_user).post(url, typed).status_code == 403
    assert client_for(chair).post(url, typed).status_code == 302
    assert Assessment.objects.get(pk=scored.assessment_id).is_confirmed


def test_pack_only_for_confirmed_assessments(scored, committee_user):
    url = reverse("materiality:pack", kwargs={"slug": scored.assessment.slug})
    response = client_for(committee_user).get(url)
    assert response.status_code == 302


def test_reopen_page(scored, chair, work_team_user, committee_user):
    make_confirmable(scored, chair)
    services.confirm_assessment(scored.assessment, acting_user=chair)
    url = reverse("materiality:reopen", kwargs={"slug": scored.assessment.slug})
    assert client_for(committee_user).get(url).status_code == 403
    client = client_for(work_team_user)
    assert client.get(url).status_code == 200
    response = client.post(url, {"slug": "dma-2024-2", "name": "Again", "opens_at": "2026-01-01 00:00",
                                 "closes_at": "2025-01-01 00:00"})
    assert response.status_code == 200 and not Assessment.objects.filter(slug="dma-2024-2").exists()
    response = client.post(url, {"slug": "dma-2024-2", "name": "Again", "opens_at": "2026-01-01 00:00",
                                 "closes_at": "2026-03-01 00:00"})
    assert response.status_code == 302 and Assessment.objects.get(slug="dma-2024-2").previous_id == scored.assessment_id
    for opens, closes in (("0001-01-01 00:00", "2027-01-01 00:00"), ("2026-01-01 00:00", "9999-12-31 00:00")):
        response = client.post(url, {"slug": "dma-2024-3", "name": "Odd", "opens_at": opens, "closes_at": closes})
        assert response.status_code == 200 and "Enter a date between" in response.content.decode()
    assert not Assessment.objects.filter(slug="dma-2024-3").exists()
