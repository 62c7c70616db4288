"""Reads for the response-tracking page: rates per group and per questionnaire in two aggregate queries."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db.models import BooleanField, Case, Count, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import translation

from materiality.models import Assessment
from surveys.models import Invitation, Response, SubmittedTally


@dataclass
class Rate:
    """Counts for one group or questionnaire. Personal links have a rate; open links and imports only counts."""

    key: str
    label: str
    invited: int = 0
    sent: int = 0
    failed: int = 0
    opened: int = 0
    submitted: int = 0
    drafts: int = 0
    open_submitted: int = 0
    open_drafts: int = 0
    imported: int = 0

    @property
    def rate(self) -> float | None:
        """Return the percentage of personal invitations answered, or None when nobody was invited."""
        return round(100 * self.submitted / self.invited, 1) if self.invited else None

    @property
    def total_submitted(self) -> int:
        return self.submitted + self.open_submitted + self.imported

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "rate": self.rate, "total_submitted": self.total_submitted}


def assessments_with_submitted() -> QuerySet[Assessment]:
    """Every assessment with its count of submitted responses, newest first.

    The counts come from the tally the database keeps (surveys.tally): a few rows a cycle, so the list costs the
    same whatever the cycles hold (issue 16.3); counting each cycle's responses, even through an index, grew
    with every cycle listed.
    """
    submitted = (SubmittedTally.objects.filter(assessment_id=OuterRef("pk"))
                 .order_by().values("assessment_id").annotate(n=Sum("submitted")).values("n"))
    return (Assessment.objects.select_related("library")
            .annotate(submitted=Coalesce(Subquery(submitted, output_field=IntegerField()), 0))
            .order_by("-opens_at", "slug"))


def response_rates(assessment: Assessment, language: str | None = None) -> dict[str, list[Rate] | Rate]:
    """Return {"groups": [...], "questionnaires": [...], "total": Rate} for an assessment, labelled in `language`."""
    language = language or translation.get_language()
    groups = {ag.group_id: Rate(ag.group.code, ag.group.name_for(language)) for ag in
              assessment.group_weights.select_related("group")}
    questionnaires = {q.pk: Rate(str(q.pk), q.title_for(language)) for q in assessment.questionnaires.all()}
    total = Rate("total", "total")
    invitations = (Invitation.objects.filter(questionnaire__assessment=assessment, is_open_link=False)
                   .values("questionnaire_id", "group_id", "status").annotate(n=Count("id")).order_by())
    for row in invitations:
        for rate in (groups.get(row["group_id"]), questionnaires.get(row["questionnaire_id"]), total):
            if rate is None:
                continue
            rate.invited += row["n"]
            status = row["status"]
            if status == Invitation.Status.FAILED:
                rate.failed += row["n"]
            if status in (Invitation.Status.SENT, Invitation.Status.OPENED, Invitation.Status.SUBMITTED):
                rate.sent += row["n"]
            if status in (Invitation.Status.OPENED, Invitation.Status.SUBMITTED):
                rate.opened += row["n"]
    # The cycle's few open links are read first, so that the breakdown reads the response_cycle_status index alone:
    # a join to the invitations made the planner scan every cycle's responses (issue 16).
    open_links = list(Invitation.objects.filter(questionnaire__assessment=assessment, is_open_link=True)
                      .values_list("pk", flat=True))
    is_open = Case(When(invitation_id__in=open_links, then=Value(True)), default=Value(False),
                   output_field=BooleanField()) if open_links else Value(False, output_field=BooleanField())
    responses = (Response.objects.filter(assessment=assessment)
                 .values("questionnaire_id", "group_id", "status", "source", is_open=is_open)
                 .annotate(n=Count("*")).order_by())
    for row in responses:
        submitted = row["status"] == Response.Status.SUBMITTED
        if row["source"] == Response.Source.IMPORT:
            field = "imported" if submitted else None
        elif row["is_open"]:
            field = "open_submitted" if submitted else "open_drafts"
        else:
            field = "submitted" if submitted else "drafts"
        if field is None:
            continue
        for rate in (groups.get(row["group_id"]), questionnaires.get(row["questionnaire_id"]), total):
            if rate is not None:
                setattr(rate, field, getattr(rate, field) + row["n"])
    return {"groups": list(groups.values()), "questionnaires": list(questionnaires.values()), "total": total}


def not_answered(assessment: Assessment) -> QuerySet[Invitation]:
    """Return the personal invitations without a submitted answer, with their contacts (work team only)."""
    return (Invitation.objects.filter(questionnaire__assessment=assessment, is_open_link=False, contact__isnull=False)
            .exclude(status=Invitation.Status.SUBMITTED)
            .select_related("contact", "group", "questionnaire")
            .order_by("group__position", "contact__name"))


def flagged_responses(assessment: Assessment) -> QuerySet[Response]:
    """Return the submitted responses with a quality flag; they still count in the scores."""
    return (Response.objects.filter(assessment=assessment, status=Response.Status.SUBMITTED)
            .exclude(quality_flags=[]).select_related("group").order_by("-submitted_at"))
