"""The step-3 register: pre-filled from the run, edited by the work team, audited, following the committee's classes."""

from __future__ import annotations

from django.urls import reverse

from materiality import services
from materiality.models import AuditEntry, ClassOverride, RegisterEntry, TopicScore
from tests.conftest import client_for


def test_prefill_covers_major_and_important_topics_with_horizons_and_groups(scored):
    assessment = scored.assessment
    created = services.prefill_register(assessment, acting_user=None)
    expected = set(TopicScore.objects.filter(run=scored, classification__in=["major", "important"])
                   .values_list("topic_id", flat=True))
    assert created == len(expected) > 0
    assert set(RegisterEntry.objects.values_list("topic_id", flat=True)) == expected
    for entry in RegisterEntry.objects.select_related("topic"):
        score = TopicScore.objects.get(run=scored, topic=entry.topic)
        assert entry.influence_period == score.influence_period
        codes = set(assessment.group_weights.values_list("group__code", flat=True))
        assert set(entry.stakeholder_groups) <= codes
        assert entry.stakeholder_groups, "some group rates a major/important topic at least important"
    assert services.prefill_register(assessment, acting_user=None) == 0  # existing entries are kept


def test_groups_are_those_whose_own_score_reaches_the_important_threshold(scored):
    from materiality.models import GroupScore
    from materiality.register_prefill import group_combined

    assessment = scored.assessment
    all_groups = set(assessment.group_weights.values_list("group__code", flat=True))
    for score, _cls in services.register_topics(assessment):
        chosen = set(services.prefill_values(assessment, score)["stakeholder_groups"])
        own = {g.group.code: group_combined(g) for g in GroupScore.objects.filter(run=scored, topic=score.topic)
               .select_related("group")}
        assert chosen == {c for c, v in own.items() if v is not None and v >= assessment.important_threshold - 1e-9}
        assert chosen <= all_groups
    assert any(set(services.prefill_values(assessment, s)["stakeholder_groups"]) != all_groups
               for s, _c in services.register_topics(assessment)), "not every topic gets every group"


def test_override_to_general_removes_a_topic_from_the_register_list(scored, committee_user):
    score = TopicScore.objects.filter(run=scored, classification__in=["major", "important"]).first()
    services.override_class(scored, score.topic, "general", reason="Not relevant to us", acting_user=committee_user)
    assert score.topic_id not in {s.topic_id for s, _ in services.register_topics(scored.assessment)}
    assert ClassOverride.objects.count() == 1


def test_save_is_audited_and_unchanged_save_writes_nothing(scored, work_team_user):
    topic = TopicScore.objects.filter(run=scored).first().topic
    values = {"upstream": True, "risks": "Supply disruption", "stakeholder_groups": ["customers"],
              "influence_period": "medium"}
    services.save_register_entry(scored.assessment, topic, values=values, acting_user=work_team_user)
    services.save_register_entry(scored.assessment, topic, values=values, acting_user=work_team_user)
    entries = AuditEntry.objects.filter(action="register.save")
    assert entries.count() == 1 and entries.get().after["risks"] == "Supply disruption"


def test_register_pages_by_role(scored, work_team_user, committee_user, outsider):
    slug = scored.assessment.slug
    services.prefill_register(scored.assessment, acting_user=None)
    entry = RegisterEntry.objects.select_related("topic").first()
    page = reverse("materiality:register", kwargs={"slug": slug})
    edit = reverse("materiality:register_edit", kwargs={"slug": slug, "code": entry.topic.code})
    assert client_for(outsider).get(page).status_code == 403
    assert client_for(committee_user).get(page).status_code == 200
    assert client_for(committee_user).post(edit, {"risks": "x"}).status_code == 403
    client = client_for(work_team_user)
    assert entry.topic.code in client.get(page).content.decode()
    response = client.post(edit, {"upstream": "on", "downstream": "on", "stakeholder_groups": ["nope"],
                                  "influence_period": "long"})
    assert response.status_code == 200 and "nope" in response.content.decode()  # invalid choice, nothing saved
    response = client.post(edit, {"upstream": "on", "downstream": "on", "risks": "Cost of recalls",
                                  "opportunities": "Recycling", "influence_period": "long"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.upstream, entry.own_operations, entry.downstream, entry.risks, entry.influence_period) == (
        True, False, True, "Cost of recalls", "long")
