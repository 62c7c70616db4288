"""The report pack's IRO files (issue 12.5): the register, every rating with its rationale, and the evidence list.

An assurance provider reads these beside the workbook: which IROs were assessed, who rated what and why, and what
each IRO rests on. Only an assessment with an IRO register gets them.
"""

from __future__ import annotations

from django.utils import timezone

from materiality import iros
from materiality.models import Assessment, IroEvidence, IroRating
from materiality.tables import write_csv

RATING_HEADER = ["rater", "iro", "topic", "scale", "scope", "irremediability", "likelihood", "magnitude",
                 "dont_know", "rationale", "source", "submitted_at"]
EVIDENCE_HEADER = ["iro", "kind", "file", "size_bytes", "content_type", "link", "note", "added_by", "added_at"]


def moment(value: object) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %z") if value else ""  # type: ignore[arg-type]


def rating_rows(assessment: Assessment) -> list[list[object]]:
    ratings = (IroRating.objects.filter(iro__assessment=assessment).select_related("iro__topic")
               .order_by("iro__topic__position", "iro__code", "rater"))
    return [[r.rater, r.iro.code, r.iro.topic.code, r.scale, r.scope, r.irremediability, r.likelihood, r.magnitude,
             ";".join(r.dont_know), r.rationale, r.source, moment(r.submitted_at)] for r in ratings]


def evidence_rows(assessment: Assessment) -> list[list[object]]:
    evidence = IroEvidence.objects.filter(iro__assessment=assessment).select_related("iro").order_by("iro__code", "pk")
    return [[e.iro.code, e.kind, e.original_name, e.size, e.content_type, e.url, e.note, e.added_by_name,
             moment(e.added_at)] for e in evidence]


def pack_files(assessment: Assessment) -> dict[str, bytes]:
    """Return the IRO files by name, or nothing for an assessment without an IRO register."""
    header, rows = iros.export_iros(assessment)
    if not rows:
        return {}
    return {"iro-register.csv": write_csv(header, rows),
            "iro-ratings.csv": write_csv(RATING_HEADER, rating_rows(assessment)),
            "iro-evidence.csv": write_csv(EVIDENCE_HEADER, evidence_rows(assessment))}
