"""Redis stopped: "Run aggregation" and `aggregate` say so, leave no queued run, and work once Redis is back."""

from __future__ import annotations

import time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from materiality.models import ScoreRun
from tests.conftest import client_for
from tests.integration.private_redis import private_redis  # noqa: F401  (fixture)
from tests.scoring_helpers import import_synthetic, make_questionnaires

pytestmark = [pytest.mark.integration]


@pytest.fixture
def answered(private_redis, assessment):  # noqa: F811
    make_questionnaires(assessment)
    import_synthetic(assessment, per_group=2)
    return assessment


@pytest.mark.parametrize(("language", "words"), [("en", "cannot be reached"), ("zh-hans", "无法连接任务队列")])
def test_run_with_redis_down_says_so_and_works_when_it_is_back(answered, private_redis, work_team_user,  # noqa: F811
                                                               language, words):
    client = client_for(work_team_user)
    url = reverse("materiality:run_start", args=[answered.slug])
    private_redis.stop()
    began = time.monotonic()
    page = client.post(url, follow=True, HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200 and words in page.content.decode()
    assert time.monotonic() - began < 10
    assert not ScoreRun.objects.filter(status=ScoreRun.Status.QUEUED).exists()  # nothing waits for nothing
    again = client.post(url, follow=True, HTTP_ACCEPT_LANGUAGE=language)  # a second click is no "Scoring started"
    assert words in again.content.decode()
    private_redis.start()
    client.post(url, follow=True)
    assert ScoreRun.objects.filter(status=ScoreRun.Status.QUEUED).count() == 1 and private_redis.queued() == 1


def test_aggregate_with_redis_down_prints_the_reason(answered, private_redis):  # noqa: F811
    private_redis.stop()
    with pytest.raises(CommandError, match="cannot be reached"):
        call_command("aggregate", answered.slug)
    assert not ScoreRun.objects.filter(status=ScoreRun.Status.QUEUED).exists()
