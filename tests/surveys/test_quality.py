"""Quality flags: pure rules, and what a submitted response records."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse

from surveys import quality
from surveys.models import Response
from tests.surveys.conftest import form_fields, full_answers


def test_straight_lining_needs_a_minimum_of_answers():
    assert quality.is_straight_lining([3] * 8)
    assert not quality.is_straight_lining([3] * 7)
    assert not quality.is_straight_lining([3] * 20 + [4])
    assert quality.is_straight_lining([3] * 10 + [None] * 5)  # "don't know" is not a different value
    assert not quality.is_straight_lining([None] * 30)


def test_too_fast_is_relative_to_the_number_of_items():
    assert quality.is_too_fast(10, item_count=48)
    assert not quality.is_too_fast(73, item_count=48)
    assert not quality.is_too_fast(1, item_count=0)


def test_quality_flags_without_duration_never_flag_speed():
    assert quality.quality_flags([1, 2, 3], seconds=None, item_count=48) == []
    assert quality.quality_flags([2] * 48, seconds=5, item_count=48) == ["straight_lining", "too_fast"]


def test_submitted_response_is_flagged_but_kept(client, sent, work_team_user):
    token = sent["customers.1@example.org"]
    topics, names = form_fields(client, token)
    client.post(reverse("surveys:respond_form", kwargs={"token": token}), full_answers(topics, names, value="4"))
    response = Response.objects.get()
    assert response.status == Response.Status.SUBMITTED
    assert response.quality_flags == ["straight_lining", "too_fast"]


def test_a_careful_response_has_no_flags(client, sent):
    token = sent["customers.1@example.org"]
    with time_machine.travel(dt.datetime.now(tz=dt.UTC), tick=False) as traveller:
        topics, names = form_fields(client, token)
        traveller.shift(dt.timedelta(minutes=6))
        client.post(reverse("surveys:respond_form", kwargs={"token": token}), full_answers(topics, names))
    assert Response.objects.get().quality_flags == []


def test_flags_show_on_the_tracking_page_and_the_response(client, sent, cycle, work_team_user):
    from tests.conftest import client_for

    token = sent["customers.1@example.org"]
    topics, names = form_fields(client, token)
    client.post(reverse("surveys:respond_form", kwargs={"token": token}), full_answers(topics, names, value="4"))
    team = client_for(work_team_user)
    page = team.get(reverse("surveys:response_tracking", kwargs={"slug": cycle.slug})).content.decode()
    assert "Straight-lining" in page and "Too fast" in page
    detail = team.get(reverse("surveys:response_detail", kwargs={"slug": cycle.slug, "pk": Response.objects.get().pk}))
    assert "still counts" in detail.content.decode()
