"""User actions on assessment cycles, questionnaires, invitations and web responses.

Views, management commands and tasks call these; nothing else saves these models (the offline import lives in
surveys/imports.py).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Model, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from materiality import audit, enqueue, iros
from materiality.models import Assessment, AssessmentFrozen, AssessmentGroup, IroRating, IssueLibrary, Topic
from materiality.services import check_not_frozen
from stakeholders.models import Stakeholder, StakeholderGroup
from surveys import mailing, quality, tasks, tokens
from surveys.items import RATED_ITEMS, RATED_NAMES
from surveys.models import Invitation, InvitationToken, Questionnaire, Rating, Response

DEFAULT_OPEN_DAYS = 30
# Cycle dates outside this range are typing mistakes (year 9999), or overflow once shifted to UTC (year 1).
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


class SurveyError(Exception):
    """A user action was refused; the message says why in the user's language, and nothing was changed."""


def check_not_confirmed(assessment: Assessment) -> None:
    """Refuse, as a SurveyError, any survey action on an assessment the database holds as confirmed."""
    try:
        check_not_frozen(assessment)
    except AssessmentFrozen as exc:
        raise SurveyError(str(exc)) from None


# --- assessment cycles ---------------------------------------------------------------------------

def _check_assessment(assessment: Assessment) -> None:
    try:
        assessment.full_clean(exclude=["groups", "created_by"])
    except ValidationError as exc:
        messages = [f"{name}: {' '.join(errs)}" if name != "__all__" else " ".join(errs)
                    for name, errs in exc.message_dict.items()]
        raise SurveyError(" ".join(messages)) from None


def _moment(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def assessment_snapshot(assessment: Assessment, weights: dict[StakeholderGroup, float]) -> dict[str, object]:
    """Return what the audit trail keeps of an assessment's settings: scale, thresholds, dates, previous, weights."""
    previous = Assessment.objects.filter(pk=assessment.previous_id).values_list("slug", flat=True).first()
    return {
        "name": assessment.name, "name_zh": assessment.name_zh, "scale": assessment.scale, "method": assessment.method,
        "severity_rule": assessment.severity_rule,
        "major_threshold": float(assessment.major_threshold), "important_threshold": float(assessment.important_threshold),
        "opens_at": _moment(assessment.opens_at), "closes_at": _moment(assessment.closes_at),
        "previous": previous, "weights": {g.code: float(w) for g, w in sorted(weights.items(), key=lambda i: i[0].code)},
    }


def stored_weights(assessment: Assessment) -> dict[StakeholderGroup, float]:
    return {ag.group: ag.weight for ag in AssessmentGroup.objects.filter(assessment=assessment).select_related("group")}


def record_change(acting_user: object, action: str, obj: object, assessment: Assessment,
                  before: dict[str, object] | None, after: dict[str, object]) -> None:
    """Append an audit entry for a settings change; nothing when the settings are unchanged."""
    if before != after:
        audit.record(acting_user, action, obj, before=before, after=after, assessment=assessment)


@transaction.atomic
def create_assessment(
    *, slug: str, name: str, library: IssueLibrary, weights: dict[StakeholderGroup, float], scale: int = 5,
    major: float = 4.0, important: float = 3.0, opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None, previous: Assessment | None = None, created_by: object = None,
    default_questionnaires: bool = True, acting_user: object = None, method: str = Assessment.Method.DMA_1,
    severity_rule: str = Assessment.SeverityRule.MEAN_MAX, name_zh: str = "",
) -> Assessment:
    """Create an assessment with its groups and weights and, by default, its two standard questionnaires."""
    if not library.is_published:
        raise SurveyError(_("The %(year)s library is not published yet. Publish it before assessing with it.")
                          % {"year": library.year})
    errors = check_weights(weights)
    if errors:
        raise SurveyError(" ".join(errors))
    if Assessment.objects.filter(slug=slug).exists():
        raise SurveyError(_("An assessment with the slug %(slug)s already exists.") % {"slug": slug})
    opens_at = opens_at or timezone.now()
    closes_at = closes_at or opens_at + dt.timedelta(days=DEFAULT_OPEN_DAYS)
    assessment = Assessment(
        slug=slug, name=name, name_zh=name_zh, library=library, scale=scale, major_threshold=major,
        important_threshold=important, opens_at=opens_at, closes_at=closes_at, previous=previous, method=method,
        severity_rule=severity_rule,
        created_by=created_by if getattr(created_by, "pk", None) else None,
    )
    _check_assessment(assessment)
    assessment.save()
    AssessmentGroup.objects.bulk_create(
        AssessmentGroup(assessment=assessment, group=group, weight=weight) for group, weight in weights.items()
    )
    if default_questionnaires:
        create_default_questionnaires(assessment)
    record_change(acting_user, "assessment.create", assessment, assessment, None, assessment_snapshot(assessment, weights))
    if previous is not None:
        iros.carry_forward(previous, assessment, acting_user=acting_user)  # the next cycle starts from last year's IROs
    return assessment


def check_weights(weights: dict[StakeholderGroup, float]) -> list[str]:
    """Return why these group weights cannot be used (empty when they can)."""
    if not weights:
        return [_("Choose at least one respondent group.")]
    if any(w < 0 for w in weights.values()):
        return [_("Group weights cannot be negative.")]
    if not any(w > 0 for w in weights.values()):
        # Scoring divides by the total weight: every topic would get no score, yet still be classed.
        return [_("Give at least one respondent group a weight above 0: with every weight at 0 no topic can be "
                  "scored.")]
    return []


def check_previous(assessment: Assessment, previous: Assessment | None) -> list[str]:
    """Return why `previous` cannot be the assessment's previous cycle: it is the assessment, or its own chain of
    previous cycles leads back to it (year-over-year movement would then go round in circles)."""
    if previous is None or assessment.pk is None:
        return []
    previous_of = dict(Assessment.objects.values_list("pk", "previous_id"))
    seen = set()
    step = previous.pk
    while step is not None and step not in seen:  # `seen` ends a loop already stored among older cycles
        if step == assessment.pk:
            return [_("%(name)s cannot be the previous assessment: its chain of previous assessments leads back to "
                      "this assessment.") % {"name": previous.name}]
        seen.add(step)
        step = previous_of.get(step)
    return []


def check_answered_groups_kept(responses: QuerySet[Response], kept: Iterable[StakeholderGroup]) -> list[str]:
    """Return why groups that have answers among `responses` cannot be dropped (empty when every one is kept)."""
    kept_ids = {g.pk for g in kept}
    dropped = [g for g in StakeholderGroup.objects.filter(pk__in=responses.values("group_id")) if g.pk not in kept_ids]
    if not dropped:
        return []
    return [_("These groups already have answers and cannot be removed: %(groups)s.")
            % {"groups": ", ".join(g.name_for(get_language()) for g in dropped)}]


def has_ratings(assessment: Assessment) -> bool:
    """Tell whether any answer or IRO rating was given on the assessment's scale (which then stays fixed)."""
    return (Rating.objects.filter(response__assessment=assessment).exists()
            or IroRating.objects.filter(iro__assessment=assessment).exists())


@transaction.atomic
def update_assessment(assessment: Assessment, *, weights: dict[StakeholderGroup, float],
                      acting_user: object = None) -> Assessment:
    """Save edited settings and weights; the scale is fixed once answers exist, and a confirmed cycle is frozen."""
    stored = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if stored.is_confirmed:
        raise SurveyError(_("This assessment is confirmed and can no longer be changed."))
    if stored.scale != assessment.scale and has_ratings(stored):
        raise SurveyError(_("The rating scale cannot change once answers have been given (they were given on a "
                            "%(scale)s-point scale).") % {"scale": stored.scale})
    errors = (check_weights(weights) + check_previous(assessment, assessment.previous)
              + check_answered_groups_kept(Response.objects.filter(assessment=assessment), weights))
    if errors:
        raise SurveyError(" ".join(errors))
    _check_assessment(assessment)
    before = assessment_snapshot(stored, stored_weights(stored))
    assessment.save()
    AssessmentGroup.objects.filter(assessment=assessment).exclude(group__in=list(weights)).delete()
    for group, weight in weights.items():
        AssessmentGroup.objects.update_or_create(assessment=assessment, group=group, defaults={"weight": weight})
    Questionnaire.groups.through.objects.filter(questionnaire__assessment=assessment).exclude(
        stakeholdergroup__in=list(weights)
    ).delete()
    record_change(acting_user, "assessment.edit", assessment, assessment, before,
                  assessment_snapshot(assessment, weights))
    return assessment


def create_default_questionnaires(assessment: Assessment) -> list[Questionnaire]:
    """Create the standard questionnaires: impact items for stakeholders, impact and financial items for raters."""
    groups = list(assessment.groups.all())
    raters = [g for g in groups if g.is_rater]
    others = [g for g in groups if not g.is_rater]
    created = []
    common = {"assessment": assessment, "opens_at": assessment.opens_at, "closes_at": assessment.closes_at}
    if others:
        q = Questionnaire.objects.create(
            title_en="Stakeholder survey: impacts of our business", title_zh="利益相关方问卷：我们业务的影响",
            intro_en=("We are reviewing which sustainability topics matter most. Please tell us how serious and "
                      "how likely the effects of our business on people and the environment are, topic by topic."),
            intro_zh="我们正在评估哪些可持续发展议题最为重要。请逐项告诉我们，我们的业务对人和环境的影响有多严重、有多大可能发生。",
            **common,
        )
        q.groups.set(others)
        created.append(q)
    if raters:
        q = Questionnaire.objects.create(
            title_en="Management and ESG expert survey: impacts and financial effects",
            title_zh="管理层及ESG专家问卷：影响与财务影响",
            intro_en=("For each topic, rate the impact of our business on people and the environment, and the "
                      "financial effect the topic may have on the company, with its likely time horizon."),
            intro_zh="请就每个议题评价我们的业务对人和环境的影响，以及该议题可能对公司产生的财务影响及其时间范围。",
            asks_magnitude=True, asks_financial_likelihood=True, asks_horizon=True, **common,
        )
        q.groups.set(raters)
        created.append(q)
    return created


def check_questionnaire(questionnaire: Questionnaire, groups: Iterable[StakeholderGroup]) -> list[str]:
    """Return why these settings cannot be saved (empty when they can)."""
    errors = []
    groups = list(groups)
    if not questionnaire.rated_items():
        errors.append(_("Ask at least one rated item."))
    if questionnaire.asks_likelihood and not questionnaire.asks_severity:
        errors.append(_("Impact likelihood needs impact severity: the impact score is built on severity."))
    if questionnaire.asks_financial_likelihood and not questionnaire.asks_magnitude:
        errors.append(_("Financial likelihood needs financial magnitude: the financial score is built on magnitude."))
    if questionnaire.asks_horizon and not questionnaire.asks_magnitude:
        errors.append(_("The time horizon belongs to the financial items: ask financial magnitude too."))
    if not groups:
        errors.append(_("Choose at least one audience group."))
    taken = (Questionnaire.groups.through.objects
             .filter(questionnaire__assessment=questionnaire.assessment, stakeholdergroup__in=groups)
             .exclude(questionnaire=questionnaire.pk)
             .select_related("stakeholdergroup", "questionnaire"))
    for row in taken:
        errors.append(_("%(group)s already answers “%(title)s”; a group can have only one questionnaire.")
                      % {"group": row.stakeholdergroup.name_for(get_language()),
                         "title": row.questionnaire.title_for(get_language())})
    if questionnaire.pk is not None:
        errors += check_answered_groups_kept(Response.objects.filter(questionnaire=questionnaire), groups)
        errors += check_items_kept(questionnaire)
        errors += check_subsets_kept(questionnaire)
    if questionnaire.opens_at and questionnaire.closes_at and questionnaire.closes_at <= questionnaire.opens_at:
        errors.append(_("The close date must be after the open date."))
    assessment = questionnaire.assessment
    # The forms give minutes, so an unchanged default (the assessment's own dates) must pass.
    outside = ((questionnaire.opens_at and questionnaire.opens_at < assessment.opens_at.replace(second=0, microsecond=0))
               or (questionnaire.closes_at and questionnaire.closes_at > assessment.closes_at))
    if outside:
        errors.append(_("The questionnaire must open no earlier than the assessment opens (%(opens)s) and close no "
                        "later than it closes (%(closes)s).")
                      % {"opens": timezone.localtime(assessment.opens_at).strftime("%Y-%m-%d %H:%M"),
                         "closes": timezone.localtime(assessment.closes_at).strftime("%Y-%m-%d %H:%M")})
    return errors


ITEM_FLAGS = [*(item.flag for item in RATED_ITEMS), "asks_horizon", "asks_comment"]


def check_items_kept(questionnaire: Questionnaire) -> list[str]:
    """Return why the edited items asked cannot be saved: once answers exist they are fixed, like the scale.

    An added item leaves every answer so far without it (submitted responses turn incomplete); a dropped one keeps
    answers the form no longer shows, and its next autosave blanks them. Only the optional comment may be switched
    on later.
    """
    stored = Questionnaire.objects.filter(pk=questionnaire.pk).first()
    if stored is None or not Rating.objects.filter(response__questionnaire=stored).exists():
        return []
    changed = [str(Questionnaire._meta.get_field(flag).verbose_name) for flag in ITEM_FLAGS
               if getattr(questionnaire, flag) != getattr(stored, flag)
               and not (flag == "asks_comment" and questionnaire.asks_comment)]
    if not changed:
        return []
    return [_("The items asked cannot change once answers have been given (the answers so far were given to the "
              "current items): %(items)s.") % {"items": ", ".join(changed)}]


def check_subsets_kept(questionnaire: Questionnaire) -> list[str]:
    """Return why the edited topic subsets cannot be saved: a group's topics are fixed once it has answers, as the
    items are (an added topic would leave its submitted responses incomplete, a dropped one would hide answers)."""
    stored = Questionnaire.objects.filter(pk=questionnaire.pk).first()
    if stored is None:
        return []
    answered = set(Rating.objects.filter(response__questionnaire=stored)
                   .values_list("response__group_id", flat=True).distinct())
    changed = [g for g in StakeholderGroup.objects.filter(pk__in=answered).order_by("position", "code")
               if questionnaire.subset_for(g.pk) != stored.subset_for(g.pk)]
    if not changed:
        return []
    return [_("The topics asked of %(groups)s cannot change once they have given answers.")
            % {"groups": ", ".join(g.name_for(get_language()) for g in changed)}]


def subset_codes(questionnaire: Questionnaire) -> dict[str, list[str]]:
    """Return the topic subsets by group code and topic code (for the audit trail); groups asked every topic are
    left out."""
    subsets = questionnaire.topic_subsets or {}
    if not subsets:
        return {}
    groups = dict(StakeholderGroup.objects.filter(pk__in=[int(k) for k in subsets]).values_list("pk", "code"))
    topics = dict(Topic.objects.filter(pk__in={t for ids in subsets.values() for t in ids}).values_list("pk", "code"))
    return {groups[int(g)]: sorted(topics[t] for t in ids if t in topics)
            for g, ids in sorted(subsets.items()) if int(g) in groups}


QUESTIONNAIRE_AUDITED = ["title_en", "title_zh", "intro_en", "intro_zh", *ITEM_FLAGS]


def questionnaire_snapshot(questionnaire: Questionnaire, group_codes: Iterable[str]) -> dict[str, object]:
    """Return what the audit trail keeps of a questionnaire: texts, items asked, dates and audience groups."""
    snapshot = {**{name: getattr(questionnaire, name) for name in QUESTIONNAIRE_AUDITED},
                "opens_at": _moment(questionnaire.opens_at), "closes_at": _moment(questionnaire.closes_at),
                "groups": sorted(group_codes)}
    if subsets := subset_codes(questionnaire):
        snapshot["topics"] = subsets  # only when some group is asked a subset: older entries read as before
    return snapshot


@transaction.atomic
def save_questionnaire(questionnaire: Questionnaire, *, groups: Iterable[StakeholderGroup],
                       acting_user: object = None) -> Questionnaire:
    """Save a new or edited questionnaire with its audience groups, and record the change in the audit trail."""
    groups = list(groups)
    check_not_confirmed(questionnaire.assessment)
    before = None
    if questionnaire.pk is not None:
        stored = Questionnaire.objects.get(pk=questionnaire.pk)
        before = questionnaire_snapshot(stored, stored.groups.values_list("code", flat=True))
    if questionnaire.assessment.is_confirmed:
        raise SurveyError(_("This assessment is confirmed and can no longer be changed."))
    errors = check_questionnaire(questionnaire, groups)
    if errors:
        raise SurveyError(" ".join(errors))
    questionnaire.save()
    questionnaire.groups.set(groups)
    record_change(acting_user, "questionnaire.edit" if before else "questionnaire.create", questionnaire,
                  questionnaire.assessment, before, questionnaire_snapshot(questionnaire, [g.code for g in groups]))
    return questionnaire


# --- invitations ----------------------------------------------------------------------------------

@dataclass
class InviteSummary:
    created: int = 0
    batches: list[list[int]] = field(default_factory=list)
    skipped_without_email: int = 0
    new_ids: list[int] = field(default_factory=list)  # created by this call: removed again if nothing is queued

    @property
    def queued(self) -> int:
        return sum(len(b) for b in self.batches)


def batches_of(ids: list[int], size: int = mailing.BATCH_SIZE) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


@transaction.atomic
def create_invitations(assessment: Assessment, *, group_codes: Iterable[str] | None = None) -> InviteSummary:
    """Create the missing personal invitations for the contacts of each questionnaire's audience groups.

    Returns the invitations still to be e-mailed (new, or never sent successfully) in batches.
    """
    check_not_confirmed(assessment)
    codes = set(group_codes or [])
    if codes:
        unknown = codes - set(assessment.groups.values_list("code", flat=True))
        if unknown:
            raise SurveyError(_("Not a respondent group of this assessment: %(codes)s.")
                              % {"codes": ", ".join(sorted(unknown))})
    summary = InviteSummary()
    to_send: list[int] = []
    for questionnaire in assessment.questionnaires.prefetch_related("groups"):
        groups = [g for g in questionnaire.groups.all() if not codes or g.code in codes]
        contacts = Stakeholder.objects.filter(group__in=groups, anonymised_at=None)
        summary.skipped_without_email += contacts.filter(email="").count()
        invited = set(questionnaire.invitations.filter(contact__isnull=False).values_list("contact_id", flat=True))
        new = [
            Invitation(questionnaire=questionnaire, contact_id=c.pk, group_id=c.group_id,
                       token_hash=tokens.hash_token(tokens.make_token()))  # a placeholder nobody holds
            for c in contacts.exclude(email="").only("pk", "group_id") if c.pk not in invited
        ]
        Invitation.objects.bulk_create(new, batch_size=1000)
        summary.created += len(new)
        summary.new_ids += [i.pk for i in new]
        to_send += list(
            questionnaire.invitations.filter(
                contact__in=contacts.exclude(email=""),
                status__in=[Invitation.Status.CREATED, Invitation.Status.FAILED],
            ).order_by("pk").values_list("pk", flat=True)
        )
    summary.batches = batches_of(to_send)
    return summary


def publish_batches(batches: list[list[int]], *, reminder: bool = False) -> list:
    """Publish one mailing task per batch now; return their results (the broker must be up: see enqueue)."""
    return [tasks.send_invitations_task.delay(batch, reminder=reminder) for batch in batches]


def queue_sending(batches: list[list[int]], *, reminder: bool = False,
                  undo: Callable[[], object] = lambda: None) -> Callable[[], None]:
    """Publish the batches once the current transaction commits; with the broker down, `undo` what was written.

    Returns the check to call after the atomic block: it raises enqueue.BrokerUnavailable if publishing failed.
    """
    return enqueue.on_commit(lambda: publish_batches(batches, reminder=reminder), undo)


def undo_invitations(summary: InviteSummary) -> None:
    """Remove the invitations an invite call created but could not queue (nobody holds their links)."""
    Invitation.objects.filter(pk__in=summary.new_ids, status=Invitation.Status.CREATED).delete()


def invite_contacts(assessment: Assessment, *, group_codes: Iterable[str] | None = None) -> InviteSummary:
    """Create the missing invitations and queue the e-mails; the page shows the outcome as it arrives.

    With the broker down nothing stays behind: raises enqueue.BrokerUnavailable.
    """
    with transaction.atomic():
        summary = create_invitations(assessment, group_codes=group_codes)
        check = queue_sending(summary.batches, undo=lambda: undo_invitations(summary))
    check()
    return summary


RECENTLY_MAILED = dt.timedelta(hours=24)


@dataclass
class ReminderPlan:
    """Whom an on-demand reminder goes to, in batches, and how many were left out and why."""

    batches: list[list[int]] = field(default_factory=list)
    skipped_recent: int = 0
    skipped_max: int = 0
    # Each chosen invitation's last_reminded_at before the plan stamped it, put back if nothing is queued.
    previous: dict[int, dt.datetime | None] = field(default_factory=dict)

    @property
    def queued(self) -> int:
        return sum(len(b) for b in self.batches)


def reminder_batches(assessment: Assessment, *, group_codes: Iterable[str] | None = None) -> ReminderPlan:
    """Plan reminders to the open personal invitations that were sent but not answered.

    Leaves out whoever was invited or reminded less than RECENTLY_MAILED ago (a second click must not mail
    everyone again) and whoever already had the MAX_REMINDERS reminders. The chosen invitations are stamped
    reminded now, before the worker mails them, so a second click made before the e-mails leave skips them too.
    """
    with transaction.atomic():
        return _plan_reminders(assessment, group_codes)


def _plan_reminders(assessment: Assessment, group_codes: Iterable[str] | None) -> ReminderPlan:
    check_not_confirmed(assessment)
    now = timezone.now()
    pending = mailing.remindable(Invitation.objects.filter(
        questionnaire__assessment=assessment, questionnaire__opens_at__lte=now, questionnaire__closes_at__gt=now,
    ))
    if group_codes:
        pending = pending.filter(group__code__in=list(group_codes))
    since = now - RECENTLY_MAILED
    recent = Q(last_reminded_at__gt=since) | Q(last_reminded_at=None, sent_at__gt=since)
    plan = ReminderPlan(skipped_recent=pending.filter(recent).count())
    pending = pending.exclude(recent)
    plan.skipped_max = pending.filter(reminder_count__gte=mailing.MAX_REMINDERS).count()
    pending = pending.filter(reminder_count__lt=mailing.MAX_REMINDERS)
    plan.previous = dict(pending.order_by("pk").select_for_update(of=("self",)).values_list("pk", "last_reminded_at"))
    ids = sorted(plan.previous)
    Invitation.objects.filter(pk__in=ids).update(last_reminded_at=now)
    plan.batches = batches_of(ids)
    return plan


def undo_reminders(plan: ReminderPlan) -> None:
    """Put back the reminder stamps of a plan that could not be queued, so nobody skips the next reminder."""
    Invitation.objects.bulk_update([Invitation(pk=pk, last_reminded_at=when) for pk, when in plan.previous.items()],
                                   ["last_reminded_at"], batch_size=1000)


def send_reminders(assessment: Assessment, *, group_codes: Iterable[str] | None = None) -> ReminderPlan:
    """Queue reminders to everyone invited who has not submitted and was not mailed recently; return the plan."""
    with transaction.atomic():
        plan = reminder_batches(assessment, group_codes=group_codes)
        check = queue_sending(plan.batches, reminder=True, undo=lambda: undo_reminders(plan))
    check()
    return plan


def resend_invitation(invitation: Invitation) -> None:
    """Queue a fresh copy of one person's invitation (a new link; earlier links keep working)."""
    if invitation.contact is None or invitation.is_open_link:
        raise SurveyError(_("Open links are not e-mailed."))
    if invitation.status == Invitation.Status.SUBMITTED:
        raise SurveyError(_("%(name)s has already answered.") % {"name": invitation.contact.name})
    if not invitation.contact.email or invitation.contact.is_anonymised:
        raise SurveyError(_("%(name)s has no e-mail address.") % {"name": invitation.contact.name})
    check_not_confirmed(invitation.questionnaire.assessment)
    if timezone.now() >= invitation.questionnaire.closes_at:
        raise SurveyError(_("The questionnaire is closed."))
    enqueue.publish_or_undo(lambda: publish_batches([[invitation.pk]]), lambda: None)  # nothing written yet


@transaction.atomic
def open_link(questionnaire: Questionnaire, group: StakeholderGroup) -> str:
    """Return a token for the group's anonymous open link, creating the link if it has none.

    Only hashes are stored, so each call issues another token for the same link; all of them stay valid.
    """
    check_not_confirmed(questionnaire.assessment)
    if not questionnaire.groups.filter(pk=group.pk).exists():
        raise SurveyError(_("%(group)s is not an audience group of this questionnaire.")
                          % {"group": group.name_for(get_language())})
    token = tokens.make_token()
    invitation = Invitation.objects.filter(questionnaire=questionnaire, group=group, is_open_link=True).first()
    if invitation is None:
        invitation = Invitation.objects.create(
            questionnaire=questionnaire, group=group, is_open_link=True, token_hash=tokens.hash_token(token),
            status=Invitation.Status.SENT, sent_at=timezone.now(),
        )
    InvitationToken.objects.create(invitation=invitation, token_hash=tokens.hash_token(token))
    return token


def questionnaire_for_group(assessment: Assessment, group: StakeholderGroup) -> Questionnaire:
    questionnaire = assessment.questionnaires.filter(groups=group).first()
    if questionnaire is None:
        raise SurveyError(_("No questionnaire of %(slug)s is meant for %(group)s.")
                          % {"slug": assessment.slug, "group": group.code})
    return questionnaire


# --- the respondent -------------------------------------------------------------------------------

class LinkClosed(Exception):
    """The link cannot be used; `reason` is one of the REASONS keys, shown by surveys/link_closed.html."""

    UNKNOWN, NOT_OPEN, CLOSED, SUBMITTED, CONFIRMED = "unknown", "not_open", "closed", "submitted", "confirmed"

    def __init__(self, reason: str, questionnaire: Questionnaire | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.questionnaire = questionnaire


def one_or_none(rows: QuerySet) -> Model | None:
    """Return the row a unique look-up finds, or None (without first()'s ORDER BY, which a unique key needs not)."""
    return next(iter(rows.order_by()[:1]), None)


def find_invitation(token: str) -> Invitation:
    """Return the usable invitation a token opens, or raise LinkClosed saying why not."""
    invitation = None
    if tokens.looks_like_token(token):
        # Not the contact: only a first visit needs it (its language), and each join costs planning time.
        row = one_or_none(InvitationToken.objects.select_related("invitation__questionnaire__assessment__library")
                          .filter(token_hash=tokens.hash_token(token)))
        invitation = row.invitation if row else None
    if invitation is None:
        raise LinkClosed(LinkClosed.UNKNOWN)
    questionnaire = invitation.questionnaire
    now = timezone.now()
    if invitation.status == Invitation.Status.SUBMITTED:
        raise LinkClosed(LinkClosed.SUBMITTED, questionnaire)
    if now < questionnaire.opens_at:
        raise LinkClosed(LinkClosed.NOT_OPEN, questionnaire)
    if questionnaire.assessment.is_confirmed:
        raise LinkClosed(LinkClosed.CONFIRMED, questionnaire)
    if now >= questionnaire.closes_at:
        raise LinkClosed(LinkClosed.CLOSED, questionnaire)
    return invitation


def mark_opened(invitation: Invitation) -> None:
    """Record the first visit of a personal link (sent -> opened); later visits write nothing."""
    if invitation.is_open_link or invitation.opened_at is not None:
        return
    now = timezone.now()
    unopened = [Invitation.Status.CREATED, Invitation.Status.SENT, Invitation.Status.FAILED]
    Invitation.objects.filter(pk=invitation.pk, opened_at=None).update(
        opened_at=now, status=Case(When(status__in=unopened, then=Value(Invitation.Status.OPENED)), default=F("status")),
    )
    invitation.opened_at = now
    if invitation.status in unopened:
        invitation.status = Invitation.Status.OPENED


def open_link_key(browser_secret: str) -> str:
    """Return the respondent id of an open-link browser: derived from its cookie secret, which is not stored."""
    return "open-" + tokens.hash_token(browser_secret)[:40]


def respondent_key(invitation: Invitation, browser_secret: str | None) -> str:
    if invitation.is_open_link:
        if not browser_secret:
            raise ValueError("an open link needs the browser's secret")
        return open_link_key(browser_secret)
    return invitation.respondent_key


def find_response(invitation: Invitation, browser_secret: str | None) -> Response | None:
    """Return this respondent's response, if they have started one."""
    if invitation.is_open_link and not browser_secret:
        return None
    return one_or_none(Response.objects.filter(
        assessment_id=invitation.questionnaire.assessment_id, respondent_key=respondent_key(invitation, browser_secret)
    ))


def refuse_if_confirmed(assessment_id: int) -> None:
    """Raise AssessmentFrozen when the assessment was confirmed, even since the page was loaded (one query)."""
    check_not_frozen(Assessment(pk=assessment_id))


def start_response(invitation: Invitation, *, browser_secret: str | None, language: str,
                   started_at: dt.datetime | None = None) -> Response:
    """Return the respondent's response, creating the draft at the first save (twice at once still makes one).

    `started_at` is when the page was opened (a GET writes nothing), so "too fast" still counts from there.
    """
    refuse_if_confirmed(invitation.questionnaire.assessment_id)
    mark_opened(invitation)
    key = respondent_key(invitation, browser_secret)
    questionnaire = invitation.questionnaire
    mine = Response.objects.filter(assessment_id=questionnaire.assessment_id, respondent_key=key)
    response = one_or_none(mine)  # usually there: one query, no transaction
    if response is None:
        try:
            with transaction.atomic():
                response = Response.objects.create(
                    assessment_id=questionnaire.assessment_id, respondent_key=key, questionnaire=questionnaire,
                    group_id=invitation.group_id, invitation=invitation, language=language,
                    **({"started_at": started_at} if started_at else {}),
                )
        except IntegrityError:  # the other tab created it between our look-up and our insert
            response = mine.get()
    if response.status == Response.Status.SUBMITTED:
        raise LinkClosed(LinkClosed.SUBMITTED, questionnaire)
    return response


@dataclass(frozen=True)
class Answer:
    """What a respondent gave for one topic; None is unanswered or "Don't know" (then named in dont_know)."""

    severity: int | None = None
    likelihood: int | None = None
    magnitude: int | None = None
    financial_likelihood: int | None = None
    horizon: str = ""
    comment: str = ""
    dont_know: tuple[str, ...] = ()


class AlreadySubmitted(Exception):
    """The response was submitted already (another tab, a double click): nothing was changed."""


def claim_draft(response: Response, **changes: object) -> None:
    """Update a draft (in the caller's transaction), refusing a submitted one with AlreadySubmitted.

    The conditional UPDATE both refuses a submitted response and locks the row against a concurrent submit.
    """
    changes["updated_at"] = timezone.now()
    if not Response.objects.filter(pk=response.pk, status=Response.Status.DRAFT).update(**changes):
        raise AlreadySubmitted


def upsert_ratings(response: Response, answers: dict[Topic, Answer]) -> None:
    """Write the given topics' ratings in one INSERT .. ON CONFLICT UPDATE; every item is overwritten."""
    if answers:
        Rating.objects.bulk_create(
            [Rating(response=response, topic=topic, severity=a.severity, likelihood=a.likelihood,
                    magnitude=a.magnitude, financial_likelihood=a.financial_likelihood, horizon=a.horizon,
                    comment=a.comment, dont_know=list(a.dont_know)) for topic, a in answers.items()],
            update_conflicts=True, unique_fields=["response", "topic"],
            update_fields=[*RATED_NAMES, "horizon", "comment", "dont_know"],
        )


def save_answers(response: Response, answers: dict[Topic, Answer], *, language: str | None = None) -> int:
    """Upsert the given topics' ratings in one statement; refuse once the response is submitted. Return the count."""
    refuse_if_confirmed(response.assessment_id)
    with transaction.atomic():
        claim_draft(response, **({"language": language} if language else {}))
        upsert_ratings(response, answers)
    return len(answers)


def is_complete(rating: Rating | Answer, required: list[str]) -> bool:
    """Tell whether every required item of a topic (a stored rating or a posted answer) has a value or "Don't know"."""
    return all(getattr(rating, item) not in (None, "") or item in rating.dont_know for item in required)


def answered_topic_ids(response: Response, ratings: Iterable[Rating] | None = None) -> set[int]:
    """Return the ids of the topics whose required items are all answered (from `ratings` when already loaded)."""
    required = response.questionnaire.required_items()
    return {r.topic_id for r in (response.ratings.all() if ratings is None else ratings) if is_complete(r, required)}


class Incomplete(Exception):
    """Some topics still miss an answer; `topics` lists them in questionnaire order."""

    def __init__(self, topics: list[Topic]) -> None:
        super().__init__(", ".join(t.code for t in topics))
        self.topics = topics


PUBLISHED_TOPICS_CACHE = 32  # libraries whose topic lists one process keeps


@functools.lru_cache(maxsize=PUBLISHED_TOPICS_CACHE)
def published_topics(library_id: int, published_at: dt.datetime) -> tuple[Topic, ...]:
    """Return a published library's asked topics, E then S then G; cached per process (published is read-only)."""
    return tuple(library_topics(library_id))


def library_topics(library_id: int) -> list[Topic]:
    order = {"E": 0, "S": 1, "G": 2}
    topics = Topic.objects.filter(library_id=library_id).exclude(change_kind=Topic.Change.RETIRED)
    return sorted(topics, key=lambda t: (order.get(t.pillar, 9), t.position, t.code))


def questionnaire_topics(questionnaire: Questionnaire) -> list[Topic]:
    """Return the topics a questionnaire asks about: the library's current topics, E then S then G.

    Every respondent page needs them, so a published library's list is kept per process, keyed by the library and
    its publication time: publishing makes a library read-only, so the key can never point at stale topics.
    """
    library = questionnaire.assessment.library
    if library.published_at is None:
        return library_topics(library.pk)
    return list(published_topics(library.pk, library.published_at))


def _submit_now(response: Response, values: list[int | None], topic_count: int, *, language: str | None) -> None:
    """Mark a complete draft submitted (and its personal invitation), inside the caller's transaction."""
    questionnaire = response.questionnaire
    now = timezone.now()
    flags = quality.quality_flags(values, seconds=(now - response.started_at).total_seconds(),
                                  item_count=topic_count * len(questionnaire.rated_items()))
    claim_draft(response, status=Response.Status.SUBMITTED, submitted_at=now, quality_flags=flags,
                **({"language": language} if language else {}))
    if response.invitation_id and not response.invitation.is_open_link:
        Invitation.objects.filter(pk=response.invitation_id).update(status=Invitation.Status.SUBMITTED, submitted_at=now)


def submit_response(response: Response, topics: list[Topic]) -> bool:
    """Submit a complete draft once; return False when it was already submitted (two tabs, double click)."""
    refuse_if_confirmed(response.assessment_id)
    questionnaire = response.questionnaire
    required = questionnaire.required_items()
    ratings = {r.topic_id: r for r in Rating.objects.filter(response=response)}
    missing = [t for t in topics if t.pk not in ratings or not is_complete(ratings[t.pk], required)]
    if missing:
        raise Incomplete(missing)
    values = [getattr(r, item) for r in ratings.values() for item in questionnaire.rated_items()]
    try:
        with transaction.atomic():
            _submit_now(response, values, len(topics), language=None)
    except AlreadySubmitted:
        return False
    return True


def submit_answers(response: Response, answers: dict[Topic, Answer], topics: list[Topic], *,
                   language: str | None = None) -> None:
    """Save the posted answers and submit the response once, in one transaction when the post answers everything.

    Raise Incomplete (the answers are saved) when a topic still lacks an answer, AlreadySubmitted (nothing saved)
    when another tab or a double click got there first. The page posts every topic, so its answers alone tell
    whether the response is complete: the upsert overwrites every item of every posted topic. A post naming only
    some topics falls back to saving, then checking what is stored.
    """
    if any(t not in answers for t in topics):
        save_answers(response, answers, language=language)
        if not submit_response(response, topics):
            raise AlreadySubmitted
        return
    questionnaire = response.questionnaire
    required = questionnaire.required_items()
    missing = [t for t in topics if not is_complete(answers[t], required)]
    if missing:
        save_answers(response, answers, language=language)
        raise Incomplete(missing)
    values = [getattr(a, item) for a in answers.values() for item in questionnaire.rated_items()]
    refuse_if_confirmed(response.assessment_id)
    with transaction.atomic():
        # Claim first: the UPDATE locks the row, so a second tab waits here and then finds it submitted.
        _submit_now(response, values, len(topics), language=language)
        upsert_ratings(response, answers)
