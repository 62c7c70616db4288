"""A small factory for esrs-1 tests: an IRO register and IroRating rows written directly (no rater pages)."""

from __future__ import annotations

import random

import pandas as pd
from django.utils import timezone

from materiality import esrs_scoring
from materiality.models import Assessment, Iro, IroRating

SHAPES = [("impact", "negative", "actual", False), ("impact", "negative", "potential", False),
          ("impact", "negative", "potential", True), ("impact", "positive", "potential", False),
          ("risk", "", "", None), ("opportunity", "", "", None)]


def make_register(assessment: Assessment, *, topics: int = 6, per_topic: int = 3, seed: int = 1) -> list[Iro]:
    """Create `per_topic` IROs of varied kinds for the first `topics` topics of the assessment's library."""
    rng = random.Random(seed)
    rows = []
    for topic in assessment.library.topics.order_by("position", "code")[:topics]:
        for i in range(per_topic):
            kind, sign, status, human_rights = rng.choice(SHAPES) if i else SHAPES[i % len(SHAPES)]
            rows.append(Iro(assessment=assessment, topic=topic, code=f"{topic.code}-{kind[0].upper()}{i + 1}",
                            kind=kind, sign=sign, status=status, human_rights=human_rights,
                            title_en=f"{kind} {i + 1} of {topic.code}", title_zh=f"{topic.code} 的第 {i + 1} 项",
                            horizon=rng.choice(["short", "medium", "long"]), position=i))
    return Iro.objects.bulk_create(rows)


def rate(iros: list[Iro], *, raters: int = 5, scale: int = 5, seed: int = 2, dont_know: float = 0.1) -> None:
    """Each rater rates every IRO on its criteria; some criteria are left empty (don't know)."""
    rng = random.Random(seed)
    now = timezone.now()  # handed in: drafts do not count
    rows = []
    for iro in iros:
        needed = esrs_scoring.required_criteria(iro.kind, iro.sign, iro.status)
        for r in range(raters):
            values = {c: (None if rng.random() < dont_know else rng.randint(1, scale)) for c in needed}
            rows.append(IroRating(iro=iro, rater=f"rater-{r:03d}", rationale=f"reason {r}", submitted_at=now, **values))
    IroRating.objects.bulk_create(rows, batch_size=5000)


def ratings_frame(assessment: Assessment) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load every rating and the register as the pure module takes them (tests only: the job never does this)."""
    register = pd.DataFrame(list(assessment.iros.values_list("code", "topic__code", "kind", "sign", "status",
                                                             "human_rights")), columns=esrs_scoring.IRO_COLUMNS)
    columns = ["iro", "rater", "scale", "scope", "irremediability", "likelihood", "magnitude"]
    ratings = pd.DataFrame(list(IroRating.objects.filter(iro__assessment=assessment).values_list(
        "iro__code", *columns[1:])), columns=columns).astype({c: "float64" for c in columns[2:]})
    return register, ratings


def esrs_assessment(assessment: Assessment, rule: str = "mean_max") -> Assessment:
    assessment.method, assessment.severity_rule = "esrs-1", rule
    assessment.save(update_fields=["method", "severity_rule"])
    return assessment
