"""Bring a scored assessment to where every confirmation check passes, the way a committee would."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from materiality import services
from materiality.models import ScoreRun, TopicScore
from surveys.models import Questionnaire

COMPLETE = {"own_operations": True, "risks": "Higher costs.", "opportunities": "", "influence_period": "short"}


def close_questionnaires(run: ScoreRun) -> None:
    Questionnaire.objects.filter(assessment=run.assessment).update(closes_at=timezone.now() - dt.timedelta(seconds=1))


def complete_register(run: ScoreRun, user: object) -> None:
    group = run.assessment.group_weights.select_related("group").first().group.code
    for score, _cls in services.register_topics(run.assessment):
        services.save_register_entry(run.assessment, score.topic, values={**COMPLETE, "stakeholder_groups": [group]},
                                     acting_user=user)


def comment_borderline(run: ScoreRun, user: object) -> None:
    for score in TopicScore.objects.filter(run=run, is_borderline=True).select_related("topic"):
        services.add_comment(run.assessment, score.topic, "Discussed at the meeting.", acting_user=user)


def make_confirmable(run: ScoreRun, user: object) -> None:
    """Close the questionnaires, complete the step-3 register and comment on every borderline topic."""
    close_questionnaires(run)
    complete_register(run, user)
    comment_borderline(run, user)
