"""The checks that stand between the committee and a confirmed assessment, and the confirmation itself.

One list of checks serves the committee page (each with its state), the service (so the API, a command or a
crafted POST cannot skip them) and the report pack (which records their states and the chair's waivers). Two
checks may be waived by the chair with a written reason; the others block until they pass.

Imports services at module level while services imports this module at its end: each only reaches into the other
at call time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from materiality import audit, pack_store, services
from materiality.models import Assessment, Comment, RegisterEntry, ScoreRun, TopicScore

# key -> what is checked; the order is the page's.
LABELS = {
    "run": gettext_lazy("There is a successful score run"),
    "current": gettext_lazy("The latest run is current: no answers, imports or settings changed since it"),
    "idle": gettext_lazy("No score run is queued or running"),
    "questionnaires": gettext_lazy("All questionnaires are closed"),
    "approvals": gettext_lazy("The required approvals are in, and nobody asks for changes"),
    "register": gettext_lazy("Every major and important topic has a complete step-3 register entry"),
    "borderline": gettext_lazy("Every borderline topic has at least one committee comment"),
}
WAIVABLE = ("questionnaires", "borderline")
REGISTER_PARTS = {
    "value_chain": gettext_lazy("value-chain stage"), "groups": gettext_lazy("affected groups"),
    "risks_or_opportunities": gettext_lazy("risks or opportunities"), "period": gettext_lazy("influence period"),
}


@dataclass(frozen=True)
class Check:
    """One check's outcome: passed, waived (with the chair's reason) or failed (then it blocks)."""

    key: str
    passed: bool
    detail: str = ""
    waiver: str = ""

    @property
    def label(self) -> str:
        return str(LABELS[self.key])

    @property
    def waivable(self) -> bool:
        return self.key in WAIVABLE

    @property
    def state(self) -> str:
        return "passed" if self.passed else "waived" if self.waiver else "failed"

    @property
    def blocks(self) -> bool:
        return self.state == "failed"

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "state": self.state, "detail": self.detail, "waiver": self.waiver}


class ConfirmationRefused(services.ReviewRefused):
    """Confirmation was refused by failed checks; `checks` holds them all, the message names the failed ones."""

    def __init__(self, checks: list[Check]) -> None:
        self.checks = checks
        failed = [f"{c.label} ({c.detail})" if c.detail else c.label for c in checks if c.blocks]
        super().__init__(_("The assessment cannot be confirmed yet. Not met: %(checks)s.")
                         % {"checks": "; ".join(failed)})


def missing_register_parts(entry: RegisterEntry | None) -> list[str]:
    """Return the parts a step-3 entry still lacks (all of them when there is no entry)."""
    if entry is None:
        return list(REGISTER_PARTS)
    lacking = {"value_chain": not entry.value_chain, "groups": not entry.stakeholder_groups,
               "risks_or_opportunities": not (entry.risks.strip() or entry.opportunities.strip()),
               "period": not entry.influence_period}
    return [part for part, missing in lacking.items() if missing]


def _register_check(assessment: Assessment) -> Check:
    entries = {e.topic_id: e for e in RegisterEntry.objects.filter(assessment=assessment)}
    gaps = []
    for score, _cls in services.register_topics(assessment):
        lacking = missing_register_parts(entries.get(score.topic_id))
        if lacking:
            gaps.append(f"{score.topic.code} ({', '.join(str(REGISTER_PARTS[p]) for p in lacking)})")
    return Check("register", not gaps, _("Incomplete: %(topics)s") % {"topics": "; ".join(gaps)} if gaps else "")


def _borderline_check(assessment: Assessment, run: ScoreRun) -> Check:
    commented = set(Comment.objects.filter(assessment=assessment, topic__isnull=False)
                    .values_list("topic_id", flat=True))
    lacking = [s.topic.code for s in TopicScore.objects.filter(run=run, is_borderline=True).select_related("topic")
               .order_by("rank") if s.topic_id not in commented]
    return Check("borderline", not lacking,
                 _("No comment yet: %(topics)s") % {"topics": ", ".join(lacking)} if lacking else "")


def _questionnaire_check(assessment: Assessment) -> Check:
    now = timezone.now()
    still_open = [q.title_en for q in assessment.questionnaires.order_by("pk") if q.closes_at > now]
    return Check("questionnaires", not still_open,
                 _("Still open: %(titles)s") % {"titles": ", ".join(still_open)} if still_open else "")


def _approval_check(state: services.ConfirmationState) -> Check:
    problems = []
    if state.requests:
        problems.append(_("%(n)d member(s) requested changes.") % {"n": len(state.requests)})
    if len(state.approvals) < state.required:
        problems.append(_("%(have)d of the %(need)d required approvals are recorded.")
                        % {"have": len(state.approvals), "need": state.required})
    return Check("approvals", not problems, " ".join(problems))


def _current_check(run: ScoreRun) -> Check:
    outdated = services.run_outdated(run)
    reasons = {"new_answers": _("answers were submitted or imported after it started"),
               "answers_removed": _("answers were removed since"),
               "settings_changed": _("the scoring settings changed since")}
    found = [str(reasons[k]) for k, v in outdated.items() if v]
    return Check("current", not found, _("Run %(id)d is out of date: %(why)s. Run the scoring again.")
                 % {"id": run.pk, "why": "; ".join(found)} if found else "")


def checks(assessment: Assessment, waivers: Mapping[str, str] | None = None) -> list[Check]:
    """Return every check in page order; a waiver (with a non-empty reason) counts only for a waivable failed check."""
    reasons = {k: (v or "").strip() for k, v in (waivers or {}).items() if k in WAIVABLE}
    state = services.confirmation_state(assessment)
    run = state.run
    active = services.current_run(assessment)
    found = [
        Check("run", run is not None, "" if run else _("Run the scoring first.")),
        _current_check(run) if run else Check("current", False, _("Run the scoring first.")),
        Check("idle", active is None, _("Run %(id)d is %(status)s: wait for it to finish.")
              % {"id": active.pk, "status": active.get_status_display()} if active else ""),
        _questionnaire_check(assessment),
        _approval_check(state),
        _register_check(assessment) if run else Check("register", False, _("Run the scoring first.")),
        _borderline_check(assessment, run) if run else Check("borderline", False, _("Run the scoring first.")),
    ]
    return [Check(c.key, c.passed, c.detail, "" if c.passed else reasons.get(c.key, "")) for c in found]


def confirm_assessment(assessment: Assessment, *, acting_user: services.Actor,
                       waivers: Mapping[str, str] | None = None) -> bool:
    """Confirm (freeze) the assessment when every check passes or is waived, and store its report pack.

    Claims the row with a conditional UPDATE: a second click or a second chair returns False and writes nothing.
    The audit entry holds every check's state and each waiver's reason; the pack is built inside the same
    transaction, from the frozen data, and its SHA-256 is audited.
    """
    if not services.may_confirm(assessment, acting_user):
        raise services.ReviewRefused(_("Only the committee chair of this assessment can confirm it."))
    if services.Assessment.objects.filter(pk=assessment.pk, confirmed_at__isnull=False).exists():
        return False
    found = checks(assessment, waivers)
    if any(c.blocks for c in found):
        raise ConfirmationRefused(found)
    state = services.confirmation_state(assessment)
    run = state.run
    now = timezone.now()
    with transaction.atomic():
        claimed = Assessment.objects.filter(pk=assessment.pk, confirmed_at=None).update(
            confirmed_at=now, confirmed_by=acting_user)
        if not claimed:
            return False
        assessment.confirmed_at, assessment.confirmed_by = now, acting_user  # type: ignore[assignment]
        audit.record(acting_user, "assessment.confirm", assessment, assessment=assessment, before={"confirmed": False},
                     after={"confirmed": True, "run": run.pk, "input_checksum": run.input_checksum,  # type: ignore[union-attr]
                            "approvals": [a.member.get_username() for a in state.approvals],
                            "overrides": run.overrides.count(),  # type: ignore[union-attr]
                            "checks": {c.key: c.state for c in found},
                            "waivers": {c.key: c.waiver for c in found if c.waiver}})
        pack_store.store(assessment, run, found, acting_user=acting_user)  # type: ignore[arg-type]
    return True
