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

from materiality import audit, library_csv
from materiality.models import IssueLibrary, Topic
from materiality.tables import Table
from stakeholders.models import StakeholderGroup

LIBRARY_DATA = Path(__file__).resolve().parent / "library_data"
TOPIC_FIELDS = ["code", "pillar", "name_en", "name_zh", "description_en", "description_zh", "position",
                "change_kind", "change_note"]

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


@transaction.atomic
def load_library(name: str, summary: LoadSummary | None = None) -> LoadSummary:
    """Load a shipped template and the templates it follows, with lineage; loading twice changes nothing."""
    summary = summary or LoadSummary()
    data = read_template(name)
    previous_library = None
    if data.get("previous"):
        load_library(data["previous"], summary)
        previous_library = IssueLibrary.objects.get(year=read_template(data["previous"])["year"])
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
        year=data["year"], defaults={"name": data["name"], "template": data["template"]}
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
                     "change_note"):
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
    """Return the library as a header and rows, in the import format (so an export re-imports unchanged)."""
    rows = []
    for topic in library.topics.prefetch_related("predecessors").order_by("position", "code"):
        rows.append([
            topic.code, topic.pillar, topic.name_en, topic.name_zh, topic.description_en,
            topic.description_zh, topic.change_kind,
            ";".join(sorted(p.code for p in topic.predecessors.all())), topic.change_note,
        ])
    return list(library_csv.COLUMNS), rows


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

from materiality import aggregation, tasks  # noqa: E402
from materiality.models import Assessment, ScoreRun  # noqa: E402

STALE_AFTER_SECONDS = 300
latest_succeeded_run = aggregation.latest_succeeded_run


def start_aggregation(assessment: Assessment, *, started_by: object | None = None) -> ScoreRun:
    """Queue a scoring run with a snapshot of the assessment's parameters; the job starts after the commit.

    An unfinished run that still shows signs of life is returned instead of queuing a second one.
    """
    active = current_run(assessment)
    if active is not None:
        if not is_stale(active):
            return active
        ScoreRun.objects.filter(pk=active.pk, status=active.status).update(
            status=ScoreRun.Status.FAILED, finished_at=timezone.now(),
            error=_("No sign of life for %(minutes)d minutes: the worker was probably stopped.")
            % {"minutes": STALE_AFTER_SECONDS // 60},
        )
    with transaction.atomic():
        run = ScoreRun.objects.create(
            assessment=assessment, method=aggregation.scoring.METHOD,
            params=aggregation.scoring_params(assessment).to_json(),
            started_by=started_by if getattr(started_by, "is_authenticated", False) else None,  # type: ignore[misc]
        )
        tasks.run_aggregation_task.delay_on_commit(run.pk)
    return run


def current_run(assessment: Assessment) -> ScoreRun | None:
    """Return the newest queued or running run, if any."""
    return (assessment.score_runs.filter(status__in=[ScoreRun.Status.QUEUED, ScoreRun.Status.RUNNING])
            .order_by("-created_at", "-pk").first())


def is_stale(run: ScoreRun) -> bool:
    """Tell whether an unfinished run has shown no sign of life for a while (its worker was probably killed)."""
    if run.is_finished:
        return False
    last = run.heartbeat_at or run.created_at
    return (timezone.now() - last).total_seconds() > STALE_AFTER_SECONDS
