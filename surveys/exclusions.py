"""Acting on quality (issue 14.7): the work team leaves a response out of scoring with a written reason, and may
include it again. Both are audited; a confirmed assessment's exclusions are frozen (here with a clear message,
in the database by the freeze triggers). Scoring reads only `counted()` responses (materiality/aggregation.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from materiality import audit
from materiality.models import Assessment
from materiality.tables import write_csv
from stakeholders.models import StakeholderGroup
from surveys.models import Response
from surveys.services import SurveyError

MAX_REASON_LENGTH = 2000


def counted(responses: QuerySet[Response]) -> QuerySet[Response]:
    """Narrow to the responses that count in scoring: submitted and not excluded."""
    return responses.filter(status=Response.Status.SUBMITTED, excluded_at=None)


def _snapshot(response: Response) -> dict[str, object]:
    return {"excluded": response.is_excluded, "reason": response.exclusion_reason,
            "flags": list(response.quality_flags or [])}


def _locked(response_id: int) -> Response:
    response = Response.objects.select_for_update().select_related("assessment").get(pk=response_id)
    if response.assessment.is_confirmed:
        raise SurveyError(_("This assessment is confirmed: its exclusions can no longer change."))
    return response


def exclude_response(response: Response, reason: str, *, acting_user: object = None) -> bool:
    """Leave a submitted response out of scoring; False when it already was (nothing written)."""
    reason = (reason or "").strip()
    if not reason:
        raise SurveyError(_("Write why the response is excluded: the reason is kept in the audit trail."))
    if len(reason) > MAX_REASON_LENGTH or "\x00" in reason:
        raise SurveyError(_("The reason must be at most %(limit)s characters of text.") % {"limit": MAX_REASON_LENGTH})
    with transaction.atomic():
        stored = _locked(response.pk)
        if stored.status != Response.Status.SUBMITTED:
            raise SurveyError(_("Only submitted responses count in scoring, so only they can be excluded."))
        if stored.is_excluded:
            return False
        before = _snapshot(stored)
        stored.excluded_at, stored.excluded_by, stored.exclusion_reason = timezone.now(), _user(acting_user), reason
        stored.save(update_fields=["excluded_at", "excluded_by", "exclusion_reason", "updated_at"])
        audit.record(acting_user, "response.exclude", stored, before=before, after=_snapshot(stored),
                     assessment=stored.assessment)
    return True


def include_response(response: Response, *, acting_user: object = None) -> bool:
    """Count an excluded response in scoring again; False when it was not excluded."""
    with transaction.atomic():
        stored = _locked(response.pk)
        if not stored.is_excluded:
            return False
        before = _snapshot(stored)
        stored.excluded_at, stored.excluded_by, stored.exclusion_reason = None, None, ""
        stored.save(update_fields=["excluded_at", "excluded_by", "exclusion_reason", "updated_at"])
        audit.record(acting_user, "response.include", stored, before=before, after=_snapshot(stored),
                     assessment=stored.assessment)
    return True


def _user(acting_user: object) -> object:
    return acting_user if getattr(acting_user, "pk", None) else None


@dataclass(frozen=True)
class GroupExclusions:
    code: str
    group: StakeholderGroup
    excluded: int


def counts_by_group(assessment: Assessment) -> list[GroupExclusions]:
    """Excluded responses per group (groups with none left out), for the tracking and results pages: one query."""
    rows = (Response.objects.filter(assessment=assessment).exclude(excluded_at=None)
            .values("group_id", "group__code", "group__name_en", "group__name_zh", "group__position")
            .annotate(n=Count("pk")).order_by("group__position", "group__code"))
    return [GroupExclusions(r["group__code"], StakeholderGroup(pk=r["group_id"], code=r["group__code"],
                                                               name_en=r["group__name_en"], name_zh=r["group__name_zh"]),
                            r["n"]) for r in rows]


def excluded_responses(assessment: Assessment) -> list[dict[str, object]]:
    """Each excluded response for the report pack: id, group, when, by whom, why, and its quality flags."""
    rows = (Response.objects.filter(assessment=assessment).exclude(excluded_at=None)
            .select_related("group", "excluded_by").order_by("group__code", "pk"))
    return [{"response": r.pk, "group": r.group.code, "respondent": r.respondent_key,
             "excluded_at": timezone.localtime(r.excluded_at).isoformat(timespec="seconds"),
             "excluded_by": r.excluded_by.get_username() if r.excluded_by else "",
             "reason": r.exclusion_reason, "flags": list(r.quality_flags or [])} for r in rows]


EXCLUSION_HEADER = ["Response / 答卷", "Group / 群体", "Respondent id / 受访者编号", "Excluded at / 排除时间",
                    "Excluded by / 排除人", "Reason / 原因", "Quality flags / 质量标记"]


def excluded_csv(assessment: Assessment) -> bytes:
    """The report pack's list of excluded responses (CSV with the pack's CSV-injection guard)."""
    rows = [[r["response"], r["group"], r["respondent"], r["excluded_at"], r["excluded_by"], r["reason"],
             ", ".join(map(str, r["flags"]))] for r in excluded_responses(assessment)]
    return write_csv(EXCLUSION_HEADER, rows)
