"""What the step-3 register pre-fill suggests for a topic, and where each suggestion comes from (15.6).

Affected groups: the groups whose own score for the topic reaches the important threshold (their combined score:
the mean of their impact and financial scores where both exist), or, for method esrs-1, the groups the topic's
IROs name. Value chain, risks and opportunities (in both languages): from the IRO register where the topic has
IROs. Influence period: the most frequent horizon of the financial ratings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy

from materiality.iro_models import Iro
from materiality.models import Assessment, GroupScore, TopicScore

SOURCES = {
    "group_scores": gettext_lazy("groups whose own score for the topic reaches the important threshold"),
    "iro_groups": gettext_lazy("the groups named by the topic's IROs"),
    "iros": gettext_lazy("the IRO register"),
    "horizons": gettext_lazy("the time horizons of the financial ratings"),
}
TOLERANCE = 1e-9


@dataclass
class Suggestion:
    """The values to pre-fill and, per field, the source they came from (a key of SOURCES)."""

    values: dict = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)


def group_combined(g: GroupScore) -> float | None:
    present = [v for v in (g.impact, g.financial) if v is not None]
    return sum(present) / len(present) if present else None


def scored_groups(assessment: Assessment, score: TopicScore) -> list[str]:
    """The codes of the groups whose own combined score for the topic reaches the important threshold."""
    threshold = assessment.important_threshold - TOLERANCE
    return [g.group.code for g in GroupScore.objects.filter(run=score.run, topic=score.topic).select_related("group")
            .order_by("group__position", "group__code") if (group_combined(g) or 0) >= threshold]


def suggest(assessment: Assessment, score: TopicScore) -> Suggestion:
    """Suggest a topic's step-3 entry from the run and the IRO register."""
    found = Suggestion()
    order = [ag.group.code for ag in assessment.group_weights.select_related("group")]
    iros = list(Iro.objects.filter(assessment=assessment, topic=score.topic).prefetch_related("groups")
                .order_by("code"))
    if assessment.method == Assessment.Method.ESRS_1 and iros:
        named = {g.code for iro in iros for g in iro.groups.all()}
        found.values["stakeholder_groups"] = [c for c in order if c in named]
        found.sources["stakeholder_groups"] = "iro_groups"
    else:
        found.values["stakeholder_groups"] = scored_groups(assessment, score)
        found.sources["stakeholder_groups"] = "group_scores"
    if iros:
        for stage in ("upstream", "own_operations", "downstream"):
            found.values[stage] = any(getattr(iro, stage) for iro in iros)
        for name, kind in (("risks", Iro.Kind.RISK), ("opportunities", Iro.Kind.OPPORTUNITY)):
            mine = [i for i in iros if i.kind == kind]
            found.values[name] = "\n".join(i.title_en for i in mine)
            # Chinese only when every one of them has its Chinese title: else the chapter marks the English.
            found.values[f"{name}_zh"] = "\n".join(i.title_zh for i in mine) if all(i.title_zh for i in mine) else ""
        found.sources.update(dict.fromkeys(("value_chain", "risks", "opportunities"), "iros"))
    if score.influence_period:
        found.values["influence_period"] = score.influence_period
        found.sources["influence_period"] = "horizons"
    return found


def topics_with_iros(assessment: Assessment) -> dict[int, int]:
    """{topic id: number of IROs} for the register page's note on what the pre-fill drew on."""
    counts: dict[int, int] = {}
    for topic_id in Iro.objects.filter(assessment=assessment).values_list("topic_id", flat=True):
        counts[topic_id] = counts.get(topic_id, 0) + 1
    return counts
