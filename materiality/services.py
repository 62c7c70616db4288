"""User actions on the core domain. Views, commands and tasks call these; nothing else saves these models."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from materiality import audit, crosswalk, iros, library_csv, register_prefill
from materiality.models import IssueLibrary, Topic
from materiality.tables import Table
from stakeholders.models import StakeholderGroup

LIBRARY_DATA = Path(__file__).resolve().parent / "library_data"
TOPIC_FIELDS = ["code", "pillar", "name_en", "name_zh", "description_en", "description_zh", "position",
                "change_kind", "change_note", "change_note_zh"]

Actor = AbstractBaseUser | AnonymousUser | None


def topic_snapshot(topic: Topic, predecessors: Iterable[Topic] | None = None) -> dict:
    """Return a topic's audited fields, with its lineage as last year's codes."""
    if predecessors is None:
        predecessors = topic.predecessors.all() if topic.pk else []
    return {**audit.snapshot(topic, TOPIC_FIELDS), "predecessors": sorted(p.code for p in predecessors)}


class LibraryLocked(Exception):
    """A published library is read-only: the change was refused."""


class ImportRefused(Exception):
    """An import found errors; nothing was written. `errors` lists them, each naming its line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def check_editable(library: IssueLibrary) -> None:
    """Refuse any change to a published library."""
    if library.is_published:
        raise LibraryLocked(_("The %(year)s library is published and read-only. Clone it to change it.")
                            % {"year": library.year})


# --- shipped templates --------------------------------------------------------------------------

def shipped_templates() -> list[str]:
    """Return the names of the library templates shipped with the app."""
    return sorted(p.stem for p in LIBRARY_DATA.glob("*.json"))


def read_template(name: str) -> dict:
    path = LIBRARY_DATA / f"{name}.json"
    if name not in shipped_templates():
        raise ValueError(_("Unknown template %(name)r. Shipped: %(names)s.")
                         % {"name": name, "names": ", ".join(shipped_templates())})
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class LoadSummary:
    libraries: list[str] = field(default_factory=list)
    topics_created: int = 0
    groups_created: int = 0


def template_year(name: str, data: dict, year: int | None) -> int:
    """Return the reporting year to load a template as: the one asked for, else the template's own.

    A taxonomy template (no year of its own, like esrs-2023) is loaded as the year after the newest library (the
    current year on an empty database), or as the year its library already has. A year already taken by another
    library is refused, never merged into it.
    """
    if year is None:
        if data.get("year"):
            year = int(data["year"])
        else:
            existing = IssueLibrary.objects.filter(template=name).order_by("-year").first()
            newest = IssueLibrary.objects.order_by("-year").first()
            year = existing.year if existing else newest.year + 1 if newest else timezone.localdate().year
    if not 2000 <= year <= 2100:
        raise ValueError(_("The reporting year must be between 2000 and 2100."))
    taken = IssueLibrary.objects.filter(year=year).exclude(template=name).first()
    if taken is not None:
        raise ValueError(_("The %(year)s library already exists (%(name)s); load %(template)s for another year with "
                           "--year.") % {"year": year, "name": taken.name, "template": name})
    return year


@transaction.atomic
def load_library(name: str, summary: LoadSummary | None = None, *, year: int | None = None) -> LoadSummary:
    """Load a shipped template and the templates it follows, with lineage; loading twice changes nothing."""
    summary = summary or LoadSummary()
    data = read_template(name)
    previous_library = None
    if data.get("previous"):
        load_library(data["previous"], summary)
        previous_library = IssueLibrary.objects.get(year=read_template(data["previous"])["year"])
    year = template_year(name, data, year)
    for position, group in enumerate(data.get("groups", []), start=1):
        _, created = StakeholderGroup.objects.get_or_create(
            code=group["code"],
            defaults={
                "name_en": group["name_en"], "name_zh": group["name_zh"], "kind": group["kind"],
                "needs_topics": group["needs_topics"], "channels": group["channels"],
                "default_weight": group["default_weight"], "is_rater": group["is_rater"],
                "position": group.get("position", position),
            },
        )
        summary.groups_created += created
    library, created = IssueLibrary.objects.get_or_create(
        year=year, defaults={"name": data["name"], "template": data["template"]}
    )
    if created:
        library.cloned_from = previous_library
        library.save(update_fields=["cloned_from"])
        for position, row in enumerate(data["topics"], start=1):
            topic = Topic.objects.create(
                library=library, code=row["code"], pillar=row["pillar"], name_en=row["name_en"],
                name_zh=row["name_zh"], description_en=row["description_en"],
                description_zh=row["description_zh"], position=position,
                change_kind=row["change_kind"], change_note=row["change_note"],
                change_note_zh=row.get("change_note_zh", ""),
            )
            if previous_library and row["predecessors"]:
                topic.predecessors.set(previous_library.topics.filter(code__in=row["predecessors"]))
            summary.topics_created += 1
        library.published_at = timezone.now()
        library.save(update_fields=["published_at"])
        audit.record(None, "library.load_template", library, after={"template": name, "topics": len(data["topics"])})
    summary.libraries.append(f"{library.year} ({library.topics.count()} topics)")
    return summary


# --- library actions ----------------------------------------------------------------------------

@transaction.atomic
def clone_library(
    source: IssueLibrary, *, year: int | None = None, name: str = "", acting_user: Actor = None
) -> IssueLibrary:
    """Copy a library into a new year; every topic points back at its source, retired ones stay behind."""
    year = year or source.year + 1
    if IssueLibrary.objects.filter(year=year).exists():
        raise ValueError(_("A library for %(year)s already exists.") % {"year": year})
    library = IssueLibrary.objects.create(
        year=year, name=name or _("Issue library %(year)s") % {"year": year}, cloned_from=source
    )
    for topic in source.topics.exclude(change_kind=Topic.Change.RETIRED).order_by("position", "code"):
        copy = Topic.objects.create(
            library=library, code=topic.code, pillar=topic.pillar, name_en=topic.name_en,
            name_zh=topic.name_zh, description_en=topic.description_en,
            description_zh=topic.description_zh, position=topic.position,
            change_kind=Topic.Change.UNCHANGED,
        )
        copy.predecessors.add(topic)
    audit.record(acting_user, "library.clone", library, after={"year": year, "from": source.year,
                                                                 "topics": library.topics.count()})
    return library


class EmptyLibrary(Exception):
    """A library without active topics cannot be published: no questionnaire could ask anything."""


@transaction.atomic
def publish_library(library: IssueLibrary, *, acting_user: Actor = None) -> bool:
    """Make a library read-only; return False when it already was."""
    if not library.is_published and not library.topics.exclude(change_kind=Topic.Change.RETIRED).exists():
        raise EmptyLibrary(_("The %(year)s library has no active topics; add or import topics before publishing.")
                           % {"year": library.year})
    updated = IssueLibrary.objects.filter(pk=library.pk, published_at=None).update(published_at=timezone.now())
    library.refresh_from_db(fields=["published_at"])
    if updated:
        audit.record(acting_user, "library.publish", library, before={"published": False}, after={"published": True})
    return bool(updated)


def infer_change_kind(topic: Topic, predecessors: list[Topic]) -> str:
    """Call a cloned topic whose name changed 'renamed' when the user left its kind as 'unchanged'."""
    if topic.change_kind != Topic.Change.UNCHANGED or len(predecessors) != 1:
        return topic.change_kind
    before = predecessors[0]
    if (before.name_en, before.name_zh) != (topic.name_en, topic.name_zh):
        return Topic.Change.RENAMED
    return topic.change_kind


@transaction.atomic
def save_topic(topic: Topic, *, predecessors: Iterable[Topic], acting_user: Actor = None) -> Topic:
    """Save a new or edited topic of an editable library with its lineage to last year's topics."""
    check_editable(topic.library)
    predecessors = list(predecessors)
    before = topic_snapshot(Topic.objects.get(pk=topic.pk)) if topic.pk else None
    if topic.pk is None:
        topic.position = (topic.library.topics.aggregate(m=Max("position"))["m"] or 0) + 1
    topic.change_kind = infer_change_kind(topic, predecessors)
    after = topic_snapshot(topic, predecessors)
    if before == after:
        return topic
    topic.save()
    topic.predecessors.set(predecessors)
    audit.record(acting_user, "topic.create" if before is None else "topic.edit", topic, before=before, after=after)
    return topic


@transaction.atomic
def retire_topic(topic: Topic, *, note: str = "", acting_user: Actor = None) -> None:
    """Mark a topic retired: it stays in the library's history but leaves questionnaires and the next clone."""
    check_editable(topic.library)
    before = topic_snapshot(topic)
    topic.change_kind = Topic.Change.RETIRED
    if note:
        topic.change_note = note
    topic.save(update_fields=["change_kind", "change_note"])
    audit.record(acting_user, "topic.retire", topic, before=before, after=topic_snapshot(topic))


@transaction.atomic
def restore_topic(topic: Topic, *, acting_user: Actor = None) -> None:
    """Undo a retirement: the topic comes back as unchanged (with a predecessor) or new."""
    check_editable(topic.library)
    if not topic.is_retired:
        return
    before = topic_snapshot(topic)
    topic.change_kind = Topic.Change.UNCHANGED if topic.predecessors.exists() else Topic.Change.NEW
    topic.save(update_fields=["change_kind"])
    audit.record(acting_user, "topic.restore", topic, before=before, after=topic_snapshot(topic))


class TopicInUse(Exception):
    """A topic that later years build on cannot be deleted; retire it instead."""


@transaction.atomic
def delete_topic(topic: Topic, *, acting_user: Actor = None) -> None:
    """Delete a topic added by mistake to a draft library (one that nothing builds on yet)."""
    check_editable(topic.library)
    if topic.successors.exists():
        raise TopicInUse(_("A later library continues %(code)s; retire it instead.") % {"code": topic.code})
    before = topic_snapshot(topic)
    audit.record(acting_user, "topic.delete", topic, before=before)
    topic.delete()


@transaction.atomic
def move_topic(topic: Topic, direction: str, *, acting_user: Actor = None) -> None:
    """Swap a topic with its neighbour within its pillar ('up' or 'down')."""
    check_editable(topic.library)
    siblings = list(topic.library.topics.filter(pillar=topic.pillar).order_by("position", "code"))
    index = siblings.index(topic)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(siblings):
        return
    # Renumber the pillar densely first so that equal positions cannot make a swap a no-op.
    positions = sorted(t.position for t in siblings)
    positions = [positions[0] + i for i in range(len(siblings))] if len(set(positions)) < len(positions) else positions
    siblings[index], siblings[other_index] = siblings[other_index], siblings[index]
    before = [t.code for t in sorted(siblings, key=lambda t: t.position)]
    for sibling, position in zip(siblings, positions, strict=True):
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position"])
    audit.record(acting_user, "topic.move", topic, before={"order": before},
                 after={"order": [t.code for t in siblings]})


@transaction.atomic
def import_topics(library: IssueLibrary, table: Table, *, acting_user: Actor = None) -> tuple[int, int]:
    """Create or update topics by code from a table; all or nothing. Return (created, updated)."""
    check_editable(library)
    previous = library.previous()
    previous_codes = set(previous.topics.values_list("code", flat=True)) if previous else set()
    rows, errors = library_csv.parse(table, previous_codes=previous_codes)
    if errors:
        raise ImportRefused(errors)
    existing = {t.code: t for t in library.topics.all()}
    next_position = max((t.position for t in existing.values()), default=0)
    created = updated = 0
    previous_topics = {t.code: t for t in previous.topics.all()} if previous else {}
    changes = []
    for row in rows:
        topic = existing.get(row.code)
        before = topic_snapshot(topic) if topic else None
        if topic is None:
            next_position += 1
            topic = Topic(library=library, code=row.code, position=next_position)
        for name in ("pillar", "name_en", "name_zh", "description_en", "description_zh", "change_kind",
                     "change_note", "change_note_zh"):
            setattr(topic, name, getattr(row, name))
        predecessors = [previous_topics[code] for code in row.predecessors]
        after = topic_snapshot(topic, predecessors)
        if before == after:
            continue
        topic.save()
        topic.predecessors.set(predecessors)
        created += before is None
        updated += before is not None
        changes.append({"code": row.code, "before": before, "after": after})
    if changes:
        audit.record(acting_user, "library.import", library, after={"created": created, "updated": updated,
                                                                    "topics": changes})
    return created, updated


def export_topics(library: IssueLibrary) -> tuple[list[str], list[list[object]]]:
    """Return the library as a header and rows, in the import format (so an export re-imports unchanged), plus
    the ESRS matters each topic covers (the import ignores that last column)."""
    rows = []
    for topic in library.topics.select_related("library").prefetch_related("predecessors").order_by("position", "code"):
        rows.append([
            topic.code, topic.pillar, topic.name_en, topic.name_zh, topic.description_en,
            topic.description_zh, topic.change_kind,
            ";".join(sorted(p.code for p in topic.predecessors.all())), topic.change_note, topic.change_note_zh,
            crosswalk.codes_text(topic),
        ])
    return [*library_csv.COLUMNS, "esrs"], rows


@dataclass
class ChangeRow:
    before: list[Topic]
    after: Topic | None
    kind: str
    note: str

    @property
    def kind_label(self) -> str:
        return Topic.Change(self.kind).label


def library_changes(library: IssueLibrary) -> list[ChangeRow]:
    """Return year N-1 → N as rows: each topic with what it came from, then last year's topics that left."""
    rows = []
    carried: set[int] = set()
    for topic in library.topics.prefetch_related("predecessors").order_by("pillar", "position", "code"):
        before = list(topic.predecessors.all())
        carried.update(p.pk for p in before)
        rows.append(ChangeRow(before=before, after=topic, kind=topic.change_kind, note=topic.change_note))
    previous = library.previous()
    if previous is not None:
        for old in previous.topics.exclude(pk__in=carried).order_by("pillar", "position", "code"):
            rows.append(ChangeRow(before=[old], after=None, kind=Topic.Change.RETIRED, note=""))
    return rows


# --- scoring runs (issue 4) -------------------------------------------------------------------------

from materiality import aggregation, enqueue, runs, tasks  # noqa: E402
from materiality.models import Assessment, IroRating, ScoreRun  # noqa: E402

latest_succeeded_run = aggregation.latest_succeeded_run
is_stale = runs.is_stale


class NothingToScore(Exception):
    """Scoring was refused because no answer has been submitted: a run of zero respondents would look like a result."""


def start_aggregation(assessment: Assessment, *, started_by: object | None = None) -> ScoreRun:
    """Queue a scoring run with a snapshot of the assessment's parameters; the job starts after the commit.

    One atomic step (materiality.runs.start): a live unfinished run is returned instead of queuing a second one.
    Raises enqueue.BrokerUnavailable, with the new run failed, when the message cannot be published.
    """
    check_not_frozen(assessment)
    if not aggregation.has_input(assessment):
        raise NothingToScore(_("There are no IRO ratings to score yet.") if assessment.method == "esrs-1"
                             else _("There are no submitted answers to score yet."))
    actor = started_by if getattr(started_by, "is_authenticated", False) else None
    method, params = aggregation.run_settings(assessment)

    def create() -> ScoreRun:
        run = ScoreRun.objects.create(assessment=assessment, method=method, params=params, started_by=actor)
        audit.record(started_by, "run.start", run, assessment=assessment,  # type: ignore[arg-type]
                     after={"method": run.method, "params": run.params})
        return run

    with transaction.atomic():
        run, created = runs.start(assessment, create)
        if created:
            check = enqueue.on_commit(lambda: tasks.run_aggregation_task.delay(run.pk),
                                      lambda: unqueue(run))
    if created:
        check()
    return run


def unqueue(run: ScoreRun) -> None:
    """Fail a run whose message never reached the broker, so no queued run waits for nothing."""
    if ScoreRun.objects.filter(pk=run.pk, status=ScoreRun.Status.QUEUED).update(
            status=ScoreRun.Status.FAILED, finished_at=timezone.now(), error=runs.default_language(enqueue.UNAVAILABLE)):
        audit.record(None, "run.fail", run, assessment=run.assessment, after={"error": "broker unavailable"})


def current_run(assessment: Assessment) -> ScoreRun | None:
    """Return the newest queued or running run, if any."""
    return (assessment.score_runs.filter(status__in=[ScoreRun.Status.QUEUED, ScoreRun.Status.RUNNING])
            .order_by("-created_at", "-pk").first())


def run_outdated(run: ScoreRun) -> dict[str, bool]:
    """Tell what a finished run does not reflect: answers submitted or imported since it started, answers deleted
    since (fewer submitted responses than it counted), changed settings."""
    from surveys.models import Response  # surveys imports materiality: not at module level

    since = run.started_at or run.created_at
    settings_changed = aggregation.run_settings(run.assessment) != (run.method, run.params)
    if run.method == "esrs-1":
        ratings = IroRating.objects.filter(iro__assessment_id=run.assessment_id, submitted_at__isnull=False)
        return {"new_answers": ratings.filter(saved_at__gt=since).exists(),
                "answers_removed": ratings.values("rater").distinct().count() < run.respondents,
                "settings_changed": settings_changed}
    submitted = Response.objects.filter(assessment_id=run.assessment_id, status=Response.Status.SUBMITTED)
    return {
        "new_answers": submitted.filter(updated_at__gt=since).exists(),
        "answers_removed": submitted.count() < run.respondents,
        "settings_changed": settings_changed,
    }


# --- committee review, confirmation and the step-3 register (issue 5) --------------------------------------------

from materiality.models import (  # noqa: E402
    Approval,
    AssessmentFrozen,
    AssessmentGroup,
    ClassOverride,
    Comment,
    RegisterEntry,
    TopicScore,
)

CLASSES = [c.value for c in TopicScore.Classification]
REGISTER_FIELDS = ["upstream", "own_operations", "downstream", "stakeholder_groups", "risks", "opportunities",
                   "influence_period", "risks_zh", "opportunities_zh"]


class ReviewRefused(Exception):
    """A committee or register action was refused; the message says why and nothing was written."""


def check_not_frozen(assessment: Assessment) -> None:
    """Refuse any change to an assessment the database holds as confirmed."""
    if Assessment.objects.filter(pk=assessment.pk, confirmed_at__isnull=False).exists():
        raise AssessmentFrozen(_("This assessment is confirmed and can no longer change. "
                                 "Create a new assessment from it to reopen the analysis."))


def _name(user: Actor) -> str:
    return user.get_username() if user is not None and user.is_authenticated else "system"


def _check_reviewable(run: ScoreRun) -> None:
    check_not_frozen(run.assessment)
    latest = latest_succeeded_run(run.assessment)
    if latest is None or latest.pk != run.pk:
        raise ReviewRefused(_("Only the latest successful score run can be reviewed."))


def add_comment(assessment: Assessment, topic: Topic | None, text: str, *, acting_user: Actor) -> Comment:
    """Add a comment to a topic's thread (or the assessment's, without a topic)."""
    check_not_frozen(assessment)
    text = text.strip()
    if not text:
        raise ReviewRefused(_("Write a comment first."))
    if topic is not None and topic.library_id != assessment.library_id:
        raise ReviewRefused(_("That topic is not in this assessment's library."))
    with transaction.atomic():
        comment = Comment.objects.create(assessment=assessment, topic=topic, author=acting_user,  # type: ignore[misc]
                                         author_name=_name(acting_user), text=text)
        audit.record(acting_user, "comment.add", comment, assessment=assessment,
                     after={"topic": topic.code if topic else None, "text": text})
    return comment


def override_class(run: ScoreRun, topic: Topic, new_class: str, *, reason: str, acting_user: Actor,
                   reason_zh: str = "") -> ClassOverride | None:
    """Set the committee's class for a topic beside the computed one; the computed class is never changed.
    `reason_zh`, optional, is the reason the Chinese chapter prints.

    Choosing the computed class again withdraws the override (returns None). A call that changes nothing writes nothing.
    """
    _check_reviewable(run)
    reason, reason_zh = reason.strip(), reason_zh.strip()
    if new_class not in CLASSES:
        raise ReviewRefused(_("Choose major, important or general."))
    if not reason:
        raise ReviewRefused(_("A change of class needs a written reason."))
    score = TopicScore.objects.filter(run=run, topic=topic).first()
    if score is None:
        raise ReviewRefused(_("That topic has no score in this run."))
    existing = ClassOverride.objects.filter(run=run, topic=topic).first()
    before = ({"class": existing.new_class, "reason": existing.reason, "reason_zh": existing.reason_zh} if existing
              else {"class": score.classification, "reason": "", "reason_zh": ""})
    with transaction.atomic():
        if new_class == score.classification:
            if existing is None:
                raise ReviewRefused(_("That is already the computed class; there is nothing to change."))
            existing.delete()
            audit.record(acting_user, "override.withdraw", topic, assessment=run.assessment, before=before,
                         after={"class": score.classification, "reason": reason, "reason_zh": reason_zh,
                                "run": run.pk})
            return None
        if existing is not None and (existing.new_class, existing.reason, existing.reason_zh) == (
                new_class, reason, reason_zh):
            return existing
        override = existing or ClassOverride(assessment=run.assessment, run=run, topic=topic,
                                             computed_class=score.classification)
        override.new_class, override.reason, override.reason_zh = new_class, reason, reason_zh
        override.created_by, override.created_by_name = acting_user, _name(acting_user)  # type: ignore[assignment]
        override.save()
        audit.record(acting_user, "override.set", topic, assessment=run.assessment, before=before,
                     after={"class": new_class, "reason": reason, "reason_zh": reason_zh, "run": run.pk})
    return override


def record_approval(run: ScoreRun, *, member: Actor, decision: str, note: str = "") -> Approval:
    """Record (or change) a member's decision on the latest run; request-changes needs a note."""
    _check_reviewable(run)
    note = note.strip()
    if decision not in Approval.Decision.values:
        raise ReviewRefused(_("Choose approve or request changes."))
    if decision == Approval.Decision.REQUEST_CHANGES and not note:
        raise ReviewRefused(_("Say which changes you request."))
    existing = Approval.objects.filter(run=run, member=member).first()  # type: ignore[misc]
    if existing is not None and existing.decision == decision and existing.note == note:
        return existing
    with transaction.atomic():
        approval = existing or Approval(assessment=run.assessment, run=run, member=member)
        before = {"decision": existing.decision, "note": existing.note} if existing else None
        approval.decision, approval.note = decision, note
        approval.save()
        audit.record(member, "approval.record", run, assessment=run.assessment, before=before,
                     after={"decision": decision, "note": note, "run": run.pk})
    return approval


@dataclass
class ConfirmationState:
    """Where an assessment stands on the way to confirmation."""

    run: ScoreRun | None
    required: int
    approvals: list[Approval]
    requests: list[Approval]
    problems: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.problems


def confirmation_state(assessment: Assessment) -> ConfirmationState:
    """Return the latest run, the members' decisions on it and what still stands in the way of confirming."""
    run = latest_succeeded_run(assessment)
    decisions = list(Approval.objects.filter(run=run).select_related("member")) if run else []
    approvals = [a for a in decisions if a.decision == Approval.Decision.APPROVE]
    requests = [a for a in decisions if a.decision == Approval.Decision.REQUEST_CHANGES]
    state = ConfirmationState(run, assessment.required_approvals, approvals, requests)
    if assessment.is_confirmed:
        state.problems.append(_("The assessment is already confirmed."))
    if run is None:
        state.problems.append(_("There is no successful score run to confirm."))
    if requests:
        state.problems.append(_("%(n)d member(s) requested changes.") % {"n": len(requests)})
    if len(approvals) < assessment.required_approvals:
        state.problems.append(_("%(have)d of the %(need)d required approvals are recorded.")
                              % {"have": len(approvals), "need": assessment.required_approvals})
    return state


def may_confirm(assessment: Assessment, user: Actor) -> bool:
    """Tell whether the user is the chair of this assessment (its named chair, else anyone with the chair role)."""
    if user is None or not user.has_perm("materiality.confirm_assessment"):
        return False
    return assessment.chair_id is None or assessment.chair_id == user.pk


def confirm_assessment(assessment: Assessment, *, acting_user: Actor, waivers: dict[str, str] | None = None) -> bool:
    """Confirm (freeze) the assessment once every confirmation check passes or is waived (materiality.confirmation
    holds the checks, the claim and the stored pack); returns False when it was already confirmed."""
    return confirmation.confirm_assessment(assessment, acting_user=acting_user, waivers=waivers)


def reopen_as_new_assessment(source: Assessment, *, slug: str, name: str, opens_at: object, closes_at: object,
                             acting_user: Actor) -> Assessment:
    """Start a new assessment from a confirmed one: same library, scale, thresholds and weights; previous=source."""
    if not source.is_confirmed:
        raise ReviewRefused(_("Only a confirmed assessment is reopened this way; this one can still be changed."))
    if Assessment.objects.filter(slug=slug).exists():
        raise ReviewRefused(_("An assessment with the slug %(slug)s already exists.") % {"slug": slug})
    with transaction.atomic():
        new = Assessment(slug=slug, name=name, library=source.library, scale=source.scale,
                         major_threshold=source.major_threshold, important_threshold=source.important_threshold,
                         opens_at=opens_at, closes_at=closes_at, previous=source, chair=source.chair,
                         required_approvals=source.required_approvals, method=source.method,
                         severity_rule=source.severity_rule, created_by=acting_user)
        new.full_clean()
        new.save()
        weights = list(source.group_weights.all())
        AssessmentGroup.objects.bulk_create([AssessmentGroup(assessment=new, group_id=w.group_id, weight=w.weight)
                                             for w in weights])
        audit.record(acting_user, "assessment.reopen", new, assessment=new, after={
            "from": source.slug, "scale": new.scale, "major": new.major_threshold,
            "important": new.important_threshold, "method": new.method, "severity_rule": new.severity_rule,
            "weights": {w.group.code: w.weight for w in weights}})
        iros.carry_forward(source, new, acting_user=acting_user)
    return new


def class_counts(scores: Iterable[TopicScore], classes: dict[int, str] | None = None) -> dict[str, int]:
    """Count topics per class (by topic id from `classes` where given, e.g. after overrides); unscored apart."""
    chosen = classes or {}
    counts = dict.fromkeys(("major", "important", "general", "unanswered"), 0)
    for score in scores:
        counts[chosen.get(score.topic_id, score.classification) if score.has_answers else "unanswered"] += 1
    return counts


def final_classes(run: ScoreRun) -> dict[int, tuple[str, ClassOverride | None]]:
    """Return {topic id: (class after the committee's overrides, the override or None)} for a run."""
    overrides = {o.topic_id: o for o in ClassOverride.objects.filter(run=run)}
    return {tid: (overrides[tid].new_class if tid in overrides else cls, overrides.get(tid))
            for tid, cls in run.topic_scores.values_list("topic_id", "classification")}


def register_snapshot(entry: RegisterEntry) -> dict:
    return audit.snapshot(entry, REGISTER_FIELDS)


def save_register_entry(assessment: Assessment, topic: Topic, *, values: dict, acting_user: Actor) -> RegisterEntry:
    """Create or update a topic's step-3 entry; a save that changes nothing writes nothing."""
    check_not_frozen(assessment)
    if topic.library_id != assessment.library_id:
        raise ReviewRefused(_("That topic is not in this assessment's library."))
    entry = RegisterEntry.objects.filter(assessment=assessment, topic=topic).first()
    before = register_snapshot(entry) if entry else None
    entry = entry or RegisterEntry(assessment=assessment, topic=topic)
    for name in REGISTER_FIELDS:
        if name in values:
            setattr(entry, name, values[name])
    after = register_snapshot(entry)
    if before == after:
        return entry
    with transaction.atomic():
        entry.updated_by = acting_user if acting_user is not None and acting_user.is_authenticated else None  # type: ignore[assignment]
        entry.save()
        audit.record(acting_user, "register.save", entry, assessment=assessment, before=before, after=after,
                     object_type="RegisterEntry")
    return entry


def register_topics(assessment: Assessment) -> list[tuple[TopicScore, str]]:
    """Return the latest run's scores of the topics that need a step-3 entry (major or important after overrides)."""
    run = latest_succeeded_run(assessment)
    if run is None:
        return []
    classes = final_classes(run)
    return [(s, classes[s.topic_id][0]) for s in run.topic_scores.select_related("topic").order_by("rank")
            if classes[s.topic_id][0] in ("major", "important")]


def prefill_values(assessment: Assessment, score: TopicScore) -> dict:
    """Suggest a topic's step-3 entry (materiality.register_prefill says what from)."""
    return register_prefill.suggest(assessment, score).values


def prefill_register(assessment: Assessment, *, acting_user: Actor) -> int:
    """Create the missing step-3 entries with suggested values; existing entries are left as they are."""
    check_not_frozen(assessment)
    existing = set(RegisterEntry.objects.filter(assessment=assessment).values_list("topic_id", flat=True))
    created = 0
    for score, _cls in register_topics(assessment):
        if score.topic_id not in existing:
            save_register_entry(assessment, score.topic, values=prefill_values(assessment, score),
                                acting_user=acting_user)
            created += 1
    return created


# The confirmation checks and the stored pack read through this module; imported last, as they import it.
from materiality import confirmation  # noqa: E402
