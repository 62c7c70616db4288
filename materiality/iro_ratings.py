"""User actions on IRO ratings (issue 12.2): import a file of offline ratings, save a rater's draft (autosave),
submit. Views and commands call these; each write is one upsert keyed by (iro, rater), so repeating it is harmless,
and each change is in the audit trail."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from materiality import audit, iro_ratings_csv
from materiality.iros import Actor, IroImportRefused, check_open, line_message, rating_snapshot
from materiality.models import Assessment, Iro, IroRating, RaterAssignment
from materiality.tables import Table

VALUE_FIELDS = list(iro_ratings_csv.CRITERIA)
UPSERT_FIELDS = [*VALUE_FIELDS, "dont_know", "rationale", "source", "contact", "user", "assignment", "saved_at",
                 "submitted_at"]


def describe(iro: Iro) -> str:
    """Name an IRO's kind the way a message about its criteria needs it (in the user's language)."""
    if iro.kind == Iro.Kind.RISK:
        return _("a risk")
    if iro.kind == Iro.Kind.OPPORTUNITY:
        return _("an opportunity")
    return {
        ("negative", "actual"): _("an actual negative impact"),
        ("negative", "potential"): _("a potential negative impact"),
        ("positive", "actual"): _("an actual positive impact"),
        ("positive", "potential"): _("a potential positive impact"),
    }[(iro.sign, iro.status)]


def known_iros(assessment: Assessment) -> tuple[dict[str, Iro], iro_ratings_csv.Known]:
    iros = {i.code: i for i in assessment.iros.only("pk", "code", "kind", "sign", "status")}
    known = iro_ratings_csv.Known(criteria={c: i.criteria() for c, i in iros.items()},
                                  described={c: describe(i) for c, i in iros.items()}, scale=assessment.scale)
    return iros, known


def _upsert(ratings: list[IroRating]) -> None:
    IroRating.objects.bulk_create(ratings, update_conflicts=True, unique_fields=["iro", "rater"],
                                  update_fields=UPSERT_FIELDS)


@transaction.atomic
def import_iro_ratings(assessment: Assessment, table: Table, *, acting_user: Actor = None) -> tuple[int, int]:
    """Create or replace ratings by (rater, iro) from a table; all or nothing. Return (created, replaced).

    Imported ratings count as submitted; a criterion left empty is "don't know", as on the rating page.
    """
    check_open(assessment)
    iros, known = known_iros(assessment)
    rows, errors = iro_ratings_csv.parse(table, known)
    if errors:
        raise IroImportRefused([line_message(e) for e in errors])
    existing = {(r.rater, r.iro_id): r for r in IroRating.objects.filter(iro__assessment=assessment).select_related(
        "iro").filter(iro__code__in={row.iro for row in rows})}
    now = timezone.now()
    ratings, changes = [], []
    for row in rows:
        iro = iros[row.iro]
        stored = existing.get((row.rater, iro.pk))
        rating = IroRating(iro=iro, rater=row.rater, **row.values, rationale=row.rationale,
                           dont_know=[c for c in iro.criteria() if row.values[c] is None],
                           source=IroRating.Source.IMPORT, saved_at=now, submitted_at=now)
        if stored is not None and stored.assignment_id:
            rating.assignment_id, rating.contact_id, rating.user_id = (stored.assignment_id, stored.contact_id,
                                                                       stored.user_id)
        before = rating_snapshot(stored) if stored else None
        after = rating_snapshot(rating)
        if before is None or {k: v for k, v in before.items() if k != "submitted"} != {
                k: v for k, v in after.items() if k != "submitted"}:
            ratings.append(rating)
            changes.append({"before": before, "after": after})
    if ratings:
        _upsert(ratings)
        audit.record(acting_user, "rating.import", assessment, assessment=assessment,
                     after={"ratings": changes})
    created = sum(c["before"] is None for c in changes)
    return created, len(changes) - created


# --- the rating page ------------------------------------------------------------------------------------------

class AlreadySubmitted(Exception):
    """The rater has submitted: the ratings no longer change through the link."""


class Incomplete(Exception):
    """Submit refused: some criteria have neither a value nor "Don't know". `missing` lists the IROs."""

    def __init__(self, missing: list[Iro]) -> None:
        super().__init__(", ".join(i.code for i in missing))
        self.missing = missing


@dataclass(frozen=True)
class Answer:
    """One IRO's answers from the page: a value per criterion, the criteria marked "Don't know", the rationale."""

    values: Mapping[str, int | None]
    dont_know: tuple[str, ...]
    rationale: str

    def is_complete(self, criteria: Iterable[str]) -> bool:
        return all(self.values.get(c) is not None or c in self.dont_know for c in criteria)


def _web_rating(assignment: RaterAssignment, iro: Iro, answer: Answer) -> IroRating:
    criteria = iro.criteria()
    return IroRating(
        iro=iro, rater=assignment.rater_key, contact_id=assignment.contact_id, user_id=assignment.user_id,
        assignment=assignment, **{c: answer.values.get(c) if c in criteria else None for c in VALUE_FIELDS},
        dont_know=[c for c in criteria if c in answer.dont_know and answer.values.get(c) is None],
        rationale=answer.rationale, source=IroRating.Source.WEB, saved_at=timezone.now(), submitted_at=None,
    )


def _check_can_write(assignment: RaterAssignment) -> None:
    check_open(assignment.assessment)
    if assignment.status == RaterAssignment.Status.SUBMITTED:
        raise AlreadySubmitted


@transaction.atomic
def save_ratings(assignment: RaterAssignment, answers: Mapping[Iro, Answer]) -> int:
    """Store a rater's draft answers for the given IROs (autosave or "save and continue later"); return how many
    ratings were written. The IROs must be those of the rater's topics (the form only offers those)."""
    _check_can_write(assignment)
    if not answers:
        return 0
    _upsert([_web_rating(assignment, iro, answer) for iro, answer in answers.items()])
    return len(answers)


def submit_ratings(assignment: RaterAssignment, answers: Mapping[Iro, Answer], iros: list[Iro]) -> None:
    """Save the last answers, then hand the ratings in once every criterion of every IRO has a value or "Don't
    know" (Incomplete otherwise: what was given stays saved). Claimed with a conditional UPDATE, so a double click
    submits once."""
    save_ratings(assignment, answers)
    with transaction.atomic():
        stored = {r.iro_id: r for r in IroRating.objects.filter(assignment=assignment, rater=assignment.rater_key)}
        missing = [i for i in iros if i.pk not in stored or not Answer(
            stored[i.pk].values(), tuple(stored[i.pk].dont_know), "").is_complete(i.criteria())]
        if missing:
            raise Incomplete(missing)
        now = timezone.now()
        claimed = RaterAssignment.objects.filter(pk=assignment.pk).exclude(
            status=RaterAssignment.Status.SUBMITTED).update(status=RaterAssignment.Status.SUBMITTED, submitted_at=now)
        if not claimed:
            raise AlreadySubmitted
        IroRating.objects.filter(assignment=assignment, rater=assignment.rater_key).update(submitted_at=now)
        assignment.status, assignment.submitted_at = RaterAssignment.Status.SUBMITTED, now
        audit.record(None, "rating.submit", assignment, assessment=assignment.assessment,
                     after={"ratings": [rating_snapshot(r) for r in stored.values()]})
