"""Opening a questionnaire writes nothing (issue 16.5): a crawler following open links leaves no rows behind,
and the draft appears with the first save, dated from when the page was opened."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from stakeholders.models import StakeholderGroup
from surveys import services
from surveys.models import Rating, Response
from tests.surveys.conftest import form_fields, full_answers

CRAWLS = 5_000  # link visits, alternately the landing page and the questionnaire


def open_links(cycle) -> list[str]:
    return [services.open_link(services.questionnaire_for_group(cycle, g), g)
            for g in StakeholderGroup.objects.filter(code__in=["community", "customers", "employees"])]


def test_a_crawler_following_open_links_creates_no_rows(sent, cycle):
    links = open_links(cycle) + list(sent.values())[:3]
    writes: list[str] = []

    def record(execute, sql, params, many, context):  # every statement, however many (no logging limit)
        if sql.split()[0] in ("INSERT", "DELETE"):
            writes.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        for i in range(CRAWLS):
            token = links[i % len(links)]
            name = "surveys:respond_form" if (i // len(links)) % 2 else "surveys:respond"
            # A fresh browser every time: no cookies.
            assert Client().get(reverse(name, kwargs={"token": token})).status_code == 200

    assert Response.objects.count() == 0 and Rating.objects.count() == 0
    assert writes == []


def test_the_first_save_creates_the_draft_dated_from_the_page(cycle):
    group = StakeholderGroup.objects.get(code="community")
    token = services.open_link(services.questionnaire_for_group(cycle, group), group)
    browser = Client()
    with time_machine.travel(dt.datetime.now(tz=dt.UTC), tick=False) as traveller:
        opened = dt.datetime.now(tz=dt.UTC)
        topics, names = form_fields(browser, token)
        page = browser.get(reverse("surveys:respond_form", kwargs={"token": token})).content.decode()
        stamp = page.split('name="opened" value="')[1].split('"')[0]
        assert Response.objects.count() == 0
        traveller.shift(dt.timedelta(minutes=7))
        saved = browser.post(reverse("surveys:respond_form", kwargs={"token": token}),
                             {**full_answers(topics, names[:4], action="save"), "opened": stamp})
    assert saved.status_code == 302
    response = Response.objects.get()
    assert abs((response.started_at - opened).total_seconds()) < 2
    back = browser.get(reverse("surveys:respond_form", kwargs={"token": token})).content.decode()
    assert back.count(" checked") == 4  # resume still works from the same browser


def test_a_forged_opening_time_is_ignored(cycle):
    group = StakeholderGroup.objects.get(code="community")
    token = services.open_link(services.questionnaire_for_group(cycle, group), group)
    browser = Client()
    topics, names = form_fields(browser, token)
    before = dt.datetime.now(tz=dt.UTC)
    browser.post(reverse("surveys:respond_form", kwargs={"token": token}),
                 {**full_answers(topics, names[:2], action="save"), "opened": "1:forged"})
    assert Response.objects.get().started_at >= before - dt.timedelta(seconds=1)
