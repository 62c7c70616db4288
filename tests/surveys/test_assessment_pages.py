"""Setting up a cycle through the pages: assessment, groups and weights, questionnaires, preview."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from materiality.models import Assessment
from stakeholders.models import StakeholderGroup
from surveys.models import Questionnaire, Rating, Response
from tests.conftest import client_for


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def assessment_post(library, **overrides) -> dict:
    data = {"name": "DMA 2025", "slug": "dma-2025", "library": library.pk, "scale": 5, "major_threshold": 4.0,
            "important_threshold": 3.0, "opens_at": "2030-01-01T09:00", "closes_at": "2030-02-01T18:00",
            "default_questionnaires": "on"}
    for group in StakeholderGroup.objects.all():
        data[f"group_{group.code}"] = "on"
        data[f"weight_{group.code}"] = "1"
    data["weight_customers"] = "2"
    data.pop("group_industry")
    data.update(overrides)
    return data


def test_work_team_creates_an_assessment_with_groups_weights_and_questionnaires(library_2024, work_team_user):
    response = client_for(work_team_user).post(reverse("surveys:assessment_create"), assessment_post(library_2024))
    assert response.status_code == 302
    assessment = Assessment.objects.get(slug="dma-2025")
    weights = {w.group.code: w.weight for w in assessment.group_weights.select_related("group")}
    assert weights["customers"] == 2 and "industry" not in weights and len(weights) == 8
    questionnaires = list(assessment.questionnaires.all())
    assert len(questionnaires) == 2
    raters = next(q for q in questionnaires if q.has_financial_items)
    assert {g.code for g in raters.groups.all()} == {"management", "esg_experts"}
    assert raters.asks_magnitude and raters.asks_financial_likelihood and raters.asks_horizon
    others = next(q for q in questionnaires if not q.has_financial_items)
    assert "customers" in {g.code for g in others.groups.all()}
    assert assessment.created_by == work_team_user


@pytest.mark.parametrize("overrides,message", [
    ({"scale": 11}, "less than or equal to 10"),
    ({"scale": 2}, "greater than or equal to 3"),
    ({"important_threshold": 4.5}, "cannot exceed the major threshold"),
    ({"major_threshold": 9}, "Thresholds must lie on the rating scale"),
    ({"closes_at": "2029-12-31T09:00"}, "after the open date"),
    ({"slug": "bad slug!"}, "valid"),
    ({"weight_customers": "-1"}, "greater than or equal to 0"),
])
def test_bad_assessment_input_is_explained_and_nothing_created(library_2024, work_team_user, overrides, message):
    response = client_for(work_team_user).post(reverse("surveys:assessment_create"),
                                               assessment_post(library_2024, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Assessment.objects.filter(slug="dma-2025").exists()


def test_no_group_chosen_is_refused(library_2024, work_team_user):
    data = {k: v for k, v in assessment_post(library_2024).items() if not k.startswith("group_")}
    response = client_for(work_team_user).post(reverse("surveys:assessment_create"), data)
    assert "Choose at least one respondent group" in response.content.decode()
    assert not Assessment.objects.exists()


def test_scale_is_fixed_once_answers_exist(sent, cycle, work_team_user):
    questionnaire = cycle.questionnaires.first()
    invitation = questionnaire.invitations.first()
    response = Response.objects.create(questionnaire=questionnaire, assessment=cycle, group=invitation.group,
                                       respondent_key="x")
    Rating.objects.create(response=response, topic=cycle.library.topics.first(), severity=3)
    data = assessment_post(cycle.library, slug=cycle.slug, name="Renamed", scale=7, opens_at="2024-01-01T00:00")
    for group in StakeholderGroup.objects.all():
        data[f"group_{group.code}"] = "on"
    page = client_for(work_team_user).post(reverse("surveys:assessment_edit", kwargs={"slug": cycle.slug}), data)
    assert "The rating scale cannot change" in page.content.decode()
    cycle.refresh_from_db()
    assert cycle.scale == 5 and cycle.name == "DMA 2024"


def test_questionnaire_rules(cycle, work_team_user):
    url = reverse("surveys:questionnaire_create", kwargs={"slug": cycle.slug})
    customers = StakeholderGroup.objects.get(code="customers")
    data = {"title_en": "Extra", "groups": [customers.pk], "asks_likelihood": "on", "asks_financial_likelihood": "on",
            "opens_at": "2030-01-01T09:00", "closes_at": "2030-02-01T09:00"}
    html = client_for(work_team_user).post(url, data).content.decode()
    assert "Impact likelihood needs impact severity" in html
    assert "Financial likelihood needs financial magnitude" in html
    assert "already answers" in html  # customers belong to the standard questionnaire
    assert Questionnaire.objects.filter(assessment=cycle).count() == 2


def test_questionnaire_texts_can_be_edited(cycle, work_team_user):
    questionnaire = cycle.questionnaires.first()
    data = {"title_en": "New title", "title_zh": "新标题", "intro_en": "Hello", "intro_zh": "你好",
            "groups": [g.pk for g in questionnaire.groups.all()], "asks_severity": "on", "asks_comment": "on",
            "opens_at": local(cycle.opens_at), "closes_at": local(cycle.closes_at)}
    url = reverse("surveys:questionnaire_edit", kwargs={"slug": cycle.slug, "pk": questionnaire.pk})
    assert client_for(work_team_user).post(url, data).status_code == 302
    questionnaire.refresh_from_db()
    assert (questionnaire.title_zh, questionnaire.asks_likelihood) == ("新标题", False)


def test_preview_shows_the_respondent_page_in_both_languages(cycle, committee_user):
    questionnaire = cycle.questionnaires.first()
    url = reverse("surveys:questionnaire_preview", kwargs={"slug": cycle.slug, "pk": questionnaire.pk})
    english = client_for(committee_user).get(url + "?lang=en").content.decode()
    chinese = client_for(committee_user).get(url + "?lang=zh-hans").content.decode()
    assert "Respond to climate change" in english and "Don't know" in english and "Preview" in english
    assert "应对气候变化" in chinese and questionnaire.title_zh in chinese
    assert english.count('type=radio') == 24 * 2 * 6
    assert "disabled" in english


def test_tracking_counts_web_open_link_and_imported_answers(sent, cycle, work_team_user, client):
    from surveys import tracking

    questionnaire = cycle.questionnaires.first()
    invitation = questionnaire.invitations.select_related("group").first()
    Response.objects.create(questionnaire=questionnaire, assessment=cycle, group=invitation.group,
                            invitation=invitation, respondent_key=invitation.respondent_key, status="submitted")
    Response.objects.create(questionnaire=questionnaire, assessment=cycle, group=invitation.group,
                            respondent_key="r-0001", status="submitted", source="import")
    rates = tracking.response_rates(cycle)
    group = next(r for r in rates["groups"] if r.key == invitation.group.code)
    assert (group.invited, group.submitted, group.imported, group.rate) == (2, 1, 1, 50.0)
    assert rates["total"].invited == 18 and rates["total"].total_submitted == 2
    live = client_for(work_team_user).get(reverse("surveys:response_rates_live", kwargs={"slug": cycle.slug})).json()
    assert live["total"]["submitted"] == 1 and live["total"]["imported"] == 1


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59", "1999-12-31T23:59"])
def test_dates_outside_the_sane_range_are_refused_on_every_date_form(cycle, library_2024, work_team_user, value):
    client = client_for(work_team_user)
    create = client.post(reverse("surveys:assessment_create"), assessment_post(library_2024, opens_at=value))
    edit = client.post(reverse("surveys:assessment_edit", kwargs={"slug": cycle.slug}),
                       assessment_post(library_2024, slug=cycle.slug, closes_at=value))
    questionnaire = cycle.questionnaires.first()
    q_data = {"title_en": "T", "groups": [g.pk for g in questionnaire.groups.all()], "asks_severity": "on",
              "opens_at": value, "closes_at": local(cycle.closes_at)}
    q_edit = client.post(reverse("surveys:questionnaire_edit", kwargs={"slug": cycle.slug, "pk": questionnaire.pk}),
                         q_data)
    for page in (create, edit, q_edit):
        assert page.status_code == 200
        assert "Enter a date between 2000-01-01 and 2100-12-31." in page.content.decode()
    assert not Assessment.objects.filter(slug="dma-2025").exists()
    questionnaire.refresh_from_db()
    assert questionnaire.title_en != "T"


def test_questionnaire_dates_must_lie_within_the_assessment(cycle, work_team_user):
    questionnaire = cycle.questionnaires.first()
    url = reverse("surveys:questionnaire_edit", kwargs={"slug": cycle.slug, "pk": questionnaire.pk})
    base = {"title_en": "Moved", "groups": [g.pk for g in questionnaire.groups.all()], "asks_severity": "on"}
    early = {**base, "opens_at": local(cycle.opens_at - dt.timedelta(days=2)), "closes_at": local(cycle.closes_at)}
    late = {**base, "opens_at": local(cycle.opens_at), "closes_at": local(cycle.closes_at + dt.timedelta(days=2))}
    for data in (early, late):
        page = client_for(work_team_user).post(url, data)
        assert page.status_code == 200
        assert "The questionnaire must open no earlier than the assessment opens" in page.content.decode()
    questionnaire.refresh_from_db()
    assert questionnaire.title_en != "Moved"
    inside = {**base, "opens_at": local(cycle.opens_at + dt.timedelta(hours=1)),
              "closes_at": local(cycle.closes_at - dt.timedelta(hours=1))}
    assert client_for(work_team_user).post(url, inside).status_code == 302
