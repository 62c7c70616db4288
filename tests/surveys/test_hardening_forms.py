"""Hostile or mistaken form input gets a validation error, never a 500, and changes nothing.

Ratings that only look like digits, NUL characters, 30-digit ids, all-zero weights, questionnaire edits that
would orphan answers, and a loop of previous cycles.
"""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from materiality.models import Assessment
from stakeholders.models import StakeholderGroup
from surveys import services
from surveys.models import Invitation, Questionnaire, Rating, Response
from surveys.services import SurveyError
from tests.conftest import client_for
from tests.surveys.conftest import form_fields
from tests.surveys.test_assessment_pages import assessment_post, local

HUGE_ID = "9" * 30
NOT_ASCII_DIGITS = ["²", "①", "３", "٣", "9" * 5000, "+3", "3.0"]


# --- 1. the respondent's ratings and comments --------------------------------------------------------------------

@pytest.fixture
def customer(sent: dict) -> str:
    return sent["customers.1@example.org"]


@pytest.fixture
def manager(sent: dict) -> str:
    return sent["management.1@example.org"]


def post_draft(client, token: str, data: dict):
    return client.post(reverse("surveys:respond_draft", kwargs={"token": token}), data)


def post_page(client, token: str, data: dict):
    return client.post(reverse("surveys:respond_form", kwargs={"token": token}), {**data, "action": "save"})


@pytest.mark.parametrize("value", NOT_ASCII_DIGITS)
@pytest.mark.parametrize("who,item", [("customer", "severity"), ("manager", "magnitude"),
                                      ("manager", "financial_likelihood")])
def test_a_rating_that_only_looks_like_a_number_is_refused_by_autosave(client, request, who, item, value):
    token = request.getfixturevalue(who)
    topics, _ = form_fields(client, token)
    response = post_draft(client, token, {"topics": [topics[0]], f"t{topics[0]}-{item}": value})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid" and "is not a rating" in response.json()["messages"][0]
    assert not Rating.objects.exists()


@pytest.mark.parametrize("value", NOT_ASCII_DIGITS)
def test_a_rating_that_only_looks_like_a_number_is_refused_by_the_page(client, customer, value):
    topics, _ = form_fields(client, customer)
    page = post_page(client, customer, {"topics": [topics[0]], f"t{topics[0]}-severity": value})
    assert page.status_code == 400
    html = page.content.decode()
    assert "Nothing was saved:" in html and "is not a rating" in html
    assert not Rating.objects.exists()


def test_plain_digits_with_spaces_are_still_ratings(client, customer):
    topics, _ = form_fields(client, customer)
    assert post_draft(client, customer, {"topics": [topics[0]], f"t{topics[0]}-severity": " 3 "}).status_code == 200
    assert Rating.objects.get().severity == 3


@pytest.mark.parametrize("comment", ["fine\x00then", "\x00"])
def test_a_comment_with_a_nul_character_is_refused(client, customer, comment):
    topics, _ = form_fields(client, customer)
    data = {"topics": [topics[0]], f"t{topics[0]}-severity": "3", f"t{topics[0]}-comment": comment}
    draft = post_draft(client, customer, data)
    assert draft.status_code == 400 and "null character" in draft.json()["messages"][0]
    page = post_page(client, customer, data)
    assert page.status_code == 400 and "null character" in page.content.decode()
    assert not Rating.objects.exists()


def test_a_comment_longer_than_the_cap_is_refused_not_cut(client, customer):
    topics, _ = form_fields(client, customer)
    data = {"topics": [topics[0]], f"t{topics[0]}-severity": "3", f"t{topics[0]}-comment": "x" * 2001}
    draft = post_draft(client, customer, data)
    assert draft.status_code == 400 and "longer than 2000 characters" in draft.json()["messages"][0]
    assert not Rating.objects.exists()


def test_a_full_length_comment_with_line_breaks_fits(client, customer):
    """A browser caps the textarea counting a line break as one character, then posts it as CRLF."""
    topics, _ = form_fields(client, customer)
    comment = ("y" * 99 + "\r\n") * 19 + "y" * 100  # 2000 characters as the browser counts them
    data = {"topics": [topics[0]], f"t{topics[0]}-severity": "3", f"t{topics[0]}-comment": comment}
    assert post_draft(client, customer, data).status_code == 200
    stored = Rating.objects.get().comment
    assert len(stored) == 2000 and "\r" not in stored


# --- 2. ids beyond 64 bits in multiple choices ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["invitation_send", "invitation_remind"])
def test_a_huge_group_id_on_send_or_remind_is_an_invalid_choice(sent, cycle, work_team_user, name):
    before = Invitation.objects.count()
    page = client_for(work_team_user).post(reverse(f"surveys:{name}", kwargs={"slug": cycle.slug}),
                                           {"groups": HUGE_ID})
    assert page.status_code == 302
    assert [str(m) for m in get_messages(page.wsgi_request)] == ["Choose groups of this assessment only."]
    assert Invitation.objects.count() == before


def test_a_huge_group_id_on_a_new_questionnaire_is_an_invalid_choice(cycle, work_team_user):
    data = {"title_en": "Extra", "groups": [HUGE_ID], "asks_severity": "on",
            "opens_at": local(cycle.opens_at), "closes_at": local(cycle.closes_at)}
    page = client_for(work_team_user).post(reverse("surveys:questionnaire_create", kwargs={"slug": cycle.slug}), data)
    assert page.status_code == 200
    assert f"“{HUGE_ID}” is not a valid value." in page.content.decode()
    assert Questionnaire.objects.filter(assessment=cycle).count() == 2


def test_huge_ids_in_single_choices_are_invalid_choices_too(sent, cycle, library_2024, work_team_user):
    client = client_for(work_team_user)
    create = client.post(reverse("surveys:assessment_create"), assessment_post(library_2024, previous=HUGE_ID))
    assert create.status_code == 200 and "Select a valid choice" in create.content.decode()
    link = client.post(reverse("surveys:open_link_create", kwargs={"slug": cycle.slug}), {"group": HUGE_ID})
    assert link.status_code == 302
    assert not Invitation.objects.filter(is_open_link=True).exists()


# --- 3. weights ----------------------------------------------------------------------------------------------------

def all_weights(library, value: str, **overrides) -> dict:
    data = assessment_post(library)
    for group in StakeholderGroup.objects.all():
        data[f"weight_{group.code}"] = value
    return {**data, **overrides}


def test_all_zero_weights_are_refused_on_create(library_2024, work_team_user):
    page = client_for(work_team_user).post(reverse("surveys:assessment_create"), all_weights(library_2024, "0"))
    assert page.status_code == 200
    assert "Give at least one respondent group a weight above 0" in page.content.decode()
    assert not Assessment.objects.filter(slug="dma-2025").exists()


def test_a_weight_only_on_a_group_not_taking_part_does_not_count(library_2024, work_team_user):
    data = all_weights(library_2024, "0", weight_industry="5")  # industry is not ticked in assessment_post
    page = client_for(work_team_user).post(reverse("surveys:assessment_create"), data)
    assert "Give at least one respondent group a weight above 0" in page.content.decode()
    assert not Assessment.objects.filter(slug="dma-2025").exists()


def test_all_zero_weights_are_refused_on_edit(assessment, work_team_user):
    data = all_weights(assessment.library, "0", slug=assessment.slug, opens_at=local(assessment.opens_at),
                       closes_at=local(assessment.closes_at))
    page = client_for(work_team_user).post(reverse("surveys:assessment_edit", kwargs={"slug": assessment.slug}), data)
    assert "Give at least one respondent group a weight above 0" in page.content.decode()
    assert any(w > 0 for w in assessment.group_weights.values_list("weight", flat=True))


def test_the_service_refuses_all_zero_weights_too(library_2024):
    weights = {group: 0.0 for group in StakeholderGroup.objects.all()}
    with pytest.raises(SurveyError, match="weight above 0"):
        services.create_assessment(slug="zero", name="Zero", library=library_2024, weights=weights)


def test_some_zero_weights_are_fine(library_2024, work_team_user):
    data = all_weights(library_2024, "0", weight_customers="1")
    assert client_for(work_team_user).post(reverse("surveys:assessment_create"), data).status_code == 302


# --- 4. questionnaire edits after answers ----------------------------------------------------------------------------

def questionnaire_post(questionnaire: Questionnaire, **changes) -> dict:
    data = {"title_en": questionnaire.title_en, "title_zh": questionnaire.title_zh,
            "groups": [g.pk for g in questionnaire.groups.all()],
            "opens_at": local(questionnaire.opens_at), "closes_at": local(questionnaire.closes_at)}
    for name in ("asks_severity", "asks_likelihood", "asks_magnitude", "asks_financial_likelihood", "asks_horizon",
                 "asks_comment"):
        if getattr(questionnaire, name):
            data[name] = "on"
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = "on" if value is True else value
    return data


@pytest.fixture
def answered(cycle: Assessment) -> Questionnaire:
    """The stakeholder questionnaire, with one customer's draft answering one topic."""
    questionnaire = next(q for q in cycle.questionnaires.all() if not q.has_financial_items)
    customers = StakeholderGroup.objects.get(code="customers")
    response = Response.objects.create(questionnaire=questionnaire, assessment=cycle, group=customers,
                                       respondent_key="r-1")
    Rating.objects.create(response=response, topic=cycle.library.topics.first(), severity=3, likelihood=2)
    return questionnaire


def edit_questionnaire(user, questionnaire: Questionnaire, data: dict):
    url = reverse("surveys:questionnaire_edit", kwargs={"slug": questionnaire.assessment.slug, "pk": questionnaire.pk})
    return client_for(user).post(url, data)


def test_a_group_with_answers_cannot_be_dropped_from_its_questionnaire(answered, work_team_user):
    others = [g.pk for g in answered.groups.exclude(code="customers")]
    page = edit_questionnaire(work_team_user, answered, questionnaire_post(answered, groups=others, title_en="Fewer"))
    assert page.status_code == 200
    assert "These groups already have answers and cannot be removed: Customers." in page.content.decode()
    answered.refresh_from_db()
    assert answered.groups.filter(code="customers").exists() and answered.title_en != "Fewer"


def test_a_group_without_answers_can_still_be_dropped(answered, work_team_user):
    kept = [g.pk for g in answered.groups.exclude(code="suppliers")]
    page = edit_questionnaire(work_team_user, answered, questionnaire_post(answered, groups=kept))
    assert page.status_code == 302
    assert not answered.groups.filter(code="suppliers").exists()


@pytest.mark.parametrize("changes,item", [
    ({"asks_magnitude": True}, "financial magnitude"),
    ({"asks_likelihood": False}, "impact likelihood"),
    ({"asks_comment": False}, "optional comment"),
])
def test_the_items_asked_are_fixed_once_answers_exist(answered, work_team_user, changes, item):
    page = edit_questionnaire(work_team_user, answered, questionnaire_post(answered, title_en="Changed", **changes))
    assert page.status_code == 200
    html = page.content.decode()
    assert "cannot change once answers have been given" in html and item in html
    answered.refresh_from_db()
    assert answered.title_en != "Changed" and not answered.asks_magnitude and answered.asks_likelihood


def test_a_comment_can_still_be_switched_on_after_answers(answered, work_team_user):
    answered.asks_comment = False
    answered.save()
    page = edit_questionnaire(work_team_user, answered, questionnaire_post(answered, asks_comment=True))
    assert page.status_code == 302
    answered.refresh_from_db()
    assert answered.asks_comment


def test_items_can_change_before_any_answer(cycle, work_team_user):
    questionnaire = next(q for q in cycle.questionnaires.all() if not q.has_financial_items)
    data = questionnaire_post(questionnaire, asks_magnitude=True, asks_likelihood=False)
    assert edit_questionnaire(work_team_user, questionnaire, data).status_code == 302
    questionnaire.refresh_from_db()
    assert questionnaire.asks_magnitude and not questionnaire.asks_likelihood


def test_the_service_refuses_the_same_questionnaire_changes(answered):
    answered.asks_likelihood = False
    with pytest.raises(SurveyError, match="cannot change once answers"):
        services.save_questionnaire(answered, groups=answered.groups.all())
    answered.refresh_from_db()
    with pytest.raises(SurveyError, match="already have answers"):
        services.save_questionnaire(answered, groups=answered.groups.exclude(code="customers"))


# --- 5. the previous cycle ---------------------------------------------------------------------------------------

def make_cycle(library, slug: str, previous: Assessment | None = None) -> Assessment:
    return Assessment.objects.create(slug=slug, name=slug, library=library, previous=previous,
                                     opens_at="2030-01-01T09:00Z", closes_at="2030-02-01T09:00Z")


def edit_previous(user, assessment: Assessment, previous: Assessment):
    data = assessment_post(assessment.library, slug=assessment.slug, name=assessment.name, previous=previous.pk,
                           opens_at=local(assessment.opens_at), closes_at=local(assessment.closes_at))
    return client_for(user).post(reverse("surveys:assessment_edit", kwargs={"slug": assessment.slug}), data)


def test_a_previous_cycle_that_leads_back_is_refused(assessment, work_team_user):
    probe = make_cycle(assessment.library, "probe-a", previous=assessment)
    page = edit_previous(work_team_user, assessment, probe)
    assert page.status_code == 200
    assert "leads back to this assessment" in page.content.decode()
    assessment.refresh_from_db()
    assert assessment.previous is None


def test_a_longer_loop_is_refused_too(assessment, work_team_user):
    middle = make_cycle(assessment.library, "middle", previous=assessment)
    last = make_cycle(assessment.library, "last", previous=middle)
    assert "leads back to this assessment" in edit_previous(work_team_user, assessment, last).content.decode()
    assessment.refresh_from_db()
    assert assessment.previous is None


def test_itself_is_not_offered_as_previous(assessment, work_team_user):
    page = edit_previous(work_team_user, assessment, assessment)
    assert "Select a valid choice" in page.content.decode()


def test_an_ordinary_chain_is_fine_even_past_an_old_loop(assessment, work_team_user):
    older = make_cycle(assessment.library, "older")
    oldest = make_cycle(assessment.library, "oldest", previous=older)
    Assessment.objects.filter(pk=older.pk).update(previous=oldest)  # a loop left from before this check
    assert edit_previous(work_team_user, assessment, older).status_code == 302
    assessment.refresh_from_db()
    assert assessment.previous == older


def test_the_service_refuses_a_loop(assessment):
    probe = make_cycle(assessment.library, "probe-a", previous=assessment)
    assessment.previous = probe
    with pytest.raises(SurveyError, match="leads back"):
        services.update_assessment(assessment, weights=services.stored_weights(assessment))
