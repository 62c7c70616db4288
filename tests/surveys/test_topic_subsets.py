"""Per-group topic subsets (issue 14.6): set on the questionnaire's page, locked once answered, audited, asked."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from materiality.models import AuditEntry, Topic
from stakeholders.models import StakeholderGroup
from surveys.models import Questionnaire, Rating, Response
from tests.conftest import client_for
from tests.surveys.conftest import form_fields, full_answers, invitation_for
from tests.surveys.test_hardening_forms import questionnaire_post


def stakeholder_questionnaire(cycle) -> Questionnaire:
    return next(q for q in cycle.questionnaires.all() if not q.has_financial_items)


def subset_post(questionnaire: Questionnaire, asked: dict[StakeholderGroup, list[Topic]], **changes) -> dict:
    """The edit page's post: every group's boxes ticked, except the groups in `asked`, which tick only those."""
    data = {**questionnaire_post(questionnaire, **changes), "subsets_shown": "1"}
    topics = [t for t in questionnaire.assessment.library.topics.all() if t.change_kind != Topic.Change.RETIRED]
    for group in questionnaire.groups.all():
        chosen = asked.get(group, topics)
        for pillar in "ESG":
            data[f"topics_{group.pk}_{pillar}"] = [str(t.pk) for t in chosen if t.pillar == pillar]
    return data


def edit(user, questionnaire: Questionnaire, data: dict):
    url = reverse("surveys:questionnaire_edit", kwargs={"slug": questionnaire.assessment.slug, "pk": questionnaire.pk})
    return client_for(user).post(url, data)


@pytest.fixture
def suppliers(db) -> StakeholderGroup:
    return StakeholderGroup.objects.get(code="suppliers")


@pytest.fixture
def supply_topics(cycle) -> list[Topic]:
    """Three topics, from two pillars, as the suppliers' subset."""
    topics = list(cycle.library.topics.order_by("pillar", "position"))
    return [topics[0], topics[1], next(t for t in topics if t.pillar == "S")]


def test_the_edit_page_offers_each_group_its_topics_by_pillar_with_select_all_and_none(cycle, work_team_user):
    questionnaire = stakeholder_questionnaire(cycle)
    for language, words in (("en", ["Topics asked of each group", "Select all", "Select none", "Environmental"]),
                            ("zh-hans", ["各群体回答的议题", "全选", "全不选", "环境"])):
        url = reverse("surveys:questionnaire_edit", kwargs={"slug": cycle.slug, "pk": questionnaire.pk})
        html = client_for(work_team_user).get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        for word in words:
            assert word in html, (language, word)
        assert 'data-check-all="subset-' in html and "check_all.js" in html
    # every box starts ticked: a questionnaire without subsets asks every topic
    html = client_for(work_team_user).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    boxes = re.findall(r'<input[^>]*name="topics_\d+_[ESG]"[^>]*>', html)
    assert len(boxes) == cycle.library.topics.count() * cycle.groups.count()
    assert all("checked" in box and 'type="checkbox"' in box for box in boxes)


def test_a_subset_is_saved_shown_and_audited(cycle, work_team_user, suppliers, supply_topics):
    questionnaire = stakeholder_questionnaire(cycle)
    page = edit(work_team_user, questionnaire, subset_post(questionnaire, {suppliers: supply_topics}))
    assert page.status_code == 302
    questionnaire.refresh_from_db()
    assert questionnaire.topic_subsets == {str(suppliers.pk): sorted(t.pk for t in supply_topics)}
    entry = AuditEntry.objects.filter(action="questionnaire.edit").latest("pk")
    assert entry.after["topics"] == {"suppliers": sorted(t.code for t in supply_topics)}
    assert "topics" not in entry.before
    total = cycle.library.topics.count()
    detail = client_for(work_team_user).get(reverse("surveys:assessment_detail", kwargs={"slug": cycle.slug}))
    assert f"3 of {total} topics" in detail.content.decode()
    tracking = client_for(work_team_user).get(reverse("surveys:response_tracking", kwargs={"slug": cycle.slug}))
    assert f"3 of {total} topics" in tracking.content.decode()
    assert f"{total} of {total} topics" in tracking.content.decode()  # the other groups: every topic
    preview = reverse("surveys:questionnaire_preview", kwargs={"slug": cycle.slug, "pk": questionnaire.pk})
    html = client_for(work_team_user).get(f"{preview}?lang=en&group={suppliers.pk}").content.decode()
    assert html.count('name=topics value=') == 3
    html = client_for(work_team_user).get(f"{preview}?lang=en").content.decode()  # the first group: every topic
    assert html.count('name=topics value=') == total


def test_ticking_every_topic_again_removes_the_subset(cycle, work_team_user, suppliers, supply_topics):
    questionnaire = stakeholder_questionnaire(cycle)
    edit(work_team_user, questionnaire, subset_post(questionnaire, {suppliers: supply_topics}))
    assert edit(work_team_user, questionnaire, subset_post(questionnaire, {})).status_code == 302
    questionnaire.refresh_from_db()
    assert questionnaire.topic_subsets == {}


def test_a_group_asked_no_topic_is_refused_and_nothing_changes(cycle, work_team_user, suppliers):
    questionnaire = stakeholder_questionnaire(cycle)
    page = edit(work_team_user, questionnaire, subset_post(questionnaire, {suppliers: []}, title_en="Changed"))
    assert page.status_code == 200 and "Ask Suppliers at least one topic." in page.content.decode()
    questionnaire.refresh_from_db()
    assert questionnaire.topic_subsets == {} and questionnaire.title_en != "Changed"


def test_a_post_without_the_boxes_keeps_the_subsets(cycle, work_team_user, suppliers, supply_topics):
    questionnaire = stakeholder_questionnaire(cycle)
    edit(work_team_user, questionnaire, subset_post(questionnaire, {suppliers: supply_topics}))
    questionnaire.refresh_from_db()
    assert edit(work_team_user, questionnaire, questionnaire_post(questionnaire, title_en="Renamed")).status_code == 302
    questionnaire.refresh_from_db()
    assert questionnaire.title_en == "Renamed" and str(suppliers.pk) in questionnaire.topic_subsets


def test_a_groups_topics_are_fixed_once_it_has_answers(cycle, work_team_user, suppliers, supply_topics):
    questionnaire = stakeholder_questionnaire(cycle)
    response = Response.objects.create(questionnaire=questionnaire, assessment=cycle, group=suppliers,
                                       respondent_key="r-1")
    Rating.objects.create(response=response, topic=supply_topics[0], severity=3, likelihood=2)
    page = edit(work_team_user, questionnaire, subset_post(questionnaire, {suppliers: supply_topics}))
    assert page.status_code == 200
    assert "The topics asked of Suppliers cannot change once they have given answers." in page.content.decode()
    questionnaire.refresh_from_db()
    assert questionnaire.topic_subsets == {}
    # a group without answers can still be given a subset
    customers = StakeholderGroup.objects.get(code="customers")
    assert edit(work_team_user, questionnaire, subset_post(questionnaire, {customers: supply_topics})).status_code == 302


def test_the_respondent_is_asked_only_the_groups_topics_and_can_submit(cycle, sent, client, suppliers,
                                                                       supply_topics):
    questionnaire = stakeholder_questionnaire(cycle)
    questionnaire.topic_subsets = {str(suppliers.pk): [t.pk for t in supply_topics]}
    questionnaire.save()
    token = sent["suppliers.1@example.org"]
    landing = client.get(reverse("surveys:respond", kwargs={"token": token})).content.decode()
    assert "3" in landing
    topics, names = form_fields(client, token)
    assert sorted(map(int, topics)) == sorted(t.pk for t in supply_topics)
    other = next(t for t in cycle.library.topics.all() if t not in supply_topics)
    refused = client.post(reverse("surveys:respond_form", kwargs={"token": token}),
                          {**full_answers(topics, names), "topics": [*topics, str(other.pk)]})
    assert refused.status_code == 400
    done = client.post(reverse("surveys:respond_form", kwargs={"token": token}), full_answers(topics, names))
    assert done.status_code == 302
    response = Response.objects.get(invitation=invitation_for("suppliers.1@example.org"))
    assert response.status == Response.Status.SUBMITTED and response.ratings.count() == 3
    # a customer of the same questionnaire is still asked every topic
    customer_topics, _names = form_fields(client, sent["customers.1@example.org"])
    assert len(customer_topics) == cycle.library.topics.count()
