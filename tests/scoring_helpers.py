"""Helpers shared by the scoring and import tests: default questionnaires and synthetic answers."""

from __future__ import annotations

from materiality import synthetic
from materiality.models import Assessment, Topic
from surveys import imports
from surveys.imports import ImportSummary
from surveys.models import Questionnaire


def make_questionnaires(assessment: Assessment) -> tuple[Questionnaire, Questionnaire]:
    """Create the two default questionnaires: impact items for most groups, impact and financial for raters."""
    external = Questionnaire.objects.create(
        assessment=assessment, title_en="Stakeholder survey", opens_at=assessment.opens_at,
        closes_at=assessment.closes_at,
    )
    raters = Questionnaire.objects.create(
        assessment=assessment, title_en="Management survey", opens_at=assessment.opens_at,
        closes_at=assessment.closes_at, asks_magnitude=True, asks_financial_likelihood=True, asks_horizon=True,
    )
    for ag in assessment.group_weights.select_related("group"):
        (raters if ag.group.is_rater else external).groups.add(ag.group)
    return external, raters


def synthetic_csv(assessment: Assessment, per_group: int = 20, seed: int = 7, prefix: str = "r") -> bytes:
    topics = list(assessment.library.topics.exclude(change_kind=Topic.Change.RETIRED)
                  .order_by("position").values_list("code", flat=True))
    groups = [synthetic.GroupSpec(ag.group.code, ag.group.is_rater, tuple(ag.group.needs_topics))
              for ag in assessment.group_weights.select_related("group")]
    return synthetic.to_csv_bytes(synthetic.responses(topics, groups, per_group, seed=seed, prefix=prefix,
                                                      scale=assessment.scale))


def import_synthetic(assessment: Assessment, per_group: int = 20, seed: int = 7) -> ImportSummary:
    return imports.import_responses(assessment, synthetic_csv(assessment, per_group, seed), "answers.csv")
