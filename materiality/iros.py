"""User actions on the IRO register (issue 12): save, delete, import, export and carry forward IROs, their links
and evidence. Views, commands and the admin call these; every change is written to the audit trail."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.utils.translation import gettext as _

from materiality import audit, evidence_files, iro_csv
from materiality.models import (
    Assessment,
    Iro,
    IroEvidence,
    IroRating,
    IssueLibrary,
    Topic,
    refuse_if_frozen,
)
from materiality.tables import Table
from stakeholders.contacts_csv import LineError
from stakeholders.models import StakeholderGroup

Actor = AbstractBaseUser | AnonymousUser | None

IRO_TEXT_FIELDS = ["code", "kind", "sign", "status", "human_rights", "title_en", "title_zh", "description_en",
                   "description_zh", "horizon", "dependencies", "to_reassess", "position"]


def iro_snapshot(iro: Iro, *, groups: Iterable[StakeholderGroup] | None = None,
                 arises_from: Iterable[Iro] | None = None) -> dict:
    """Return what the audit trail keeps of an IRO: its fields, with topic, groups, links and predecessor as codes
    (`groups` and `arises_from`, when given, stand for the stored ones: what a save is about to write)."""
    saved = iro.pk is not None
    if groups is None:
        groups = iro.groups.all() if saved else []
    if arises_from is None:
        arises_from = iro.arises_from.all() if saved else []
    return {
        **{name: getattr(iro, name) for name in IRO_TEXT_FIELDS},
        "topic": iro.topic.code if iro.topic_id else None,
        "value_chain": iro.value_chain,
        "effect": iro.effects,
        "groups": sorted(g.code for g in groups),
        "arises_from": sorted(i.code for i in arises_from),
        "predecessor": (f"{iro.predecessor.assessment.slug}/{iro.predecessor.code}" if iro.predecessor_id else None),
    }


def evidence_snapshot(evidence: IroEvidence) -> dict:
    """Return what the audit trail keeps of one piece of evidence (never the stored file's random name)."""
    return {"iro": evidence.iro.code, "kind": evidence.kind, "original_name": evidence.original_name,
            "size": evidence.size, "content_type": evidence.content_type, "sha256": evidence.sha256,
            "url": evidence.url, "note": evidence.note}


def rating_snapshot(rating: IroRating) -> dict:
    """Return what the audit trail keeps of one rating: who, the values, the rationale, where it came from."""
    return {"iro": rating.iro.code, "rater": rating.rater, **rating.values(), "dont_know": list(rating.dont_know),
            "rationale": rating.rationale, "source": rating.source,
            "submitted": rating.submitted_at.isoformat() if rating.submitted_at else None}


class IroRefused(Exception):
    """A register action was refused; the message says why (in the user's language) and nothing was written."""


class IroImportRefused(Exception):
    """An import found errors; nothing was written. `errors` lists them, each naming its line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def check_open(assessment: Assessment) -> None:
    """Refuse any change to the register of an assessment the database holds as confirmed."""
    refuse_if_frozen(assessment)


def _name(user: Actor) -> str:
    return user.get_username() if user is not None and user.is_authenticated else "system"


def _user(user: Actor) -> object:
    return user if user is not None and user.is_authenticated else None


# --- reads ----------------------------------------------------------------------------------------------------

def register(assessment: Assessment) -> QuerySet[Iro]:
    """Return the assessment's IROs in register order, with what the list and exports show."""
    return (assessment.iros.select_related("topic", "predecessor__assessment")
            .prefetch_related("groups", "arises_from")
            .annotate(rating_count=Count("ratings", distinct=True), evidence_count=Count("evidence", distinct=True))
            .order_by("topic__pillar", "topic__position", "topic__code", "position", "code"))


def iro_counts(library: IssueLibrary) -> tuple[Assessment | None, dict[int, int]]:
    """Return the latest assessment using the library and {topic id: its number of IROs} in it."""
    latest = library.assessments.order_by("-opens_at", "-pk").first()
    if latest is None:
        return None, {}
    counts = latest.iros.values("topic_id").annotate(n=Count("pk")).values_list("topic_id", "n")
    return latest, dict(counts)


def topic_iros(topic: Topic) -> list[tuple[Assessment, list[Iro]]]:
    """Return the topic's IROs per assessment using its library, the latest assessment first."""
    iros = list(topic.iros.select_related("assessment").order_by("-assessment__opens_at", "position", "code"))
    grouped: dict[int, tuple[Assessment, list[Iro]]] = {}
    for iro in iros:
        grouped.setdefault(iro.assessment_id, (iro.assessment, []))[1].append(iro)
    return list(grouped.values())


def has_ratings(iro: Iro) -> bool:
    return iro.pk is not None and IroRating.objects.filter(iro=iro).exists()


# --- add, edit, delete ----------------------------------------------------------------------------------------

def _check_links(iro: Iro, arises_from: list[Iro]) -> None:
    if not arises_from:
        return
    if iro.is_impact:
        raise IroRefused(_("Only a risk or an opportunity arises from impacts."))
    for other in arises_from:
        if other.assessment_id != iro.assessment_id or other.kind != Iro.Kind.IMPACT or other.pk == iro.pk:
            raise IroRefused(_("%(code)s is not an impact of this assessment.") % {"code": other.code})


def _check_kind_change(iro: Iro, stored: Iro | None) -> None:
    """An IRO with ratings keeps the kind, sign and status its ratings were given for; an impact that risks or
    opportunities arise from stays an impact."""
    if stored is None:
        return
    changed = (stored.kind, stored.sign, stored.status) != (iro.kind, iro.sign, iro.status)
    if changed and has_ratings(stored):
        raise IroRefused(_("%(code)s already has ratings: its kind, sign and status can no longer change.")
                         % {"code": stored.code})
    if stored.is_impact and not iro.is_impact and stored.gives_rise_to.exists():
        raise IroRefused(_("%(codes)s arise(s) from %(code)s: it must stay an impact.")
                         % {"code": stored.code, "codes": ", ".join(i.code for i in stored.gives_rise_to.all())})


def _validate(iro: Iro) -> None:
    try:
        iro.full_clean(exclude=["assessment", "predecessor"])
    except ValidationError as exc:
        raise IroRefused(" ".join(" ".join(messages) for messages in exc.message_dict.values())) from None


@transaction.atomic
def save_iro(iro: Iro, *, groups: Iterable[StakeholderGroup], arises_from: Iterable[Iro] | None = None,
             acting_user: Actor = None) -> Iro:
    """Create or update an IRO with its affected groups and the impacts it arises from (None: keep the stored
    links); a save that changes nothing writes nothing. Fields another kind uses are cleared (a risk has no sign,
    an impact no financial effect, dependencies or links)."""
    check_open(iro.assessment)
    stored = Iro.objects.select_for_update().filter(pk=iro.pk).first() if iro.pk else None
    if arises_from is None:
        arises_from = stored.arises_from.all() if stored is not None and not iro.is_impact else []
    groups, arises_from = list(groups), list(arises_from)
    clear_other_kinds_fields(iro)
    _validate(iro)
    _check_kind_change(iro, stored)
    _check_links(iro, arises_from)
    before = iro_snapshot(stored) if stored else None
    if stored is None and not iro.position:
        iro.position = (iro.assessment.iros.aggregate(m=Max("position"))["m"] or 0) + 1
    after = iro_snapshot(iro, groups=groups, arises_from=arises_from)
    if before == after:
        return iro
    iro.save()
    iro.groups.set(groups)
    iro.arises_from.set(arises_from)
    audit.record(acting_user, "iro.create" if stored is None else "iro.edit", iro, before=before, after=after,
                 assessment=iro.assessment, object_type="Iro")
    return iro


def clear_other_kinds_fields(iro: Iro) -> None:
    """Empty the fields the IRO's kind does not use, so a kind changed in a form leaves no stale values."""
    if iro.is_impact:
        for name in Iro.EFFECT_FIELDS:
            setattr(iro, name, False)
        iro.dependencies = ""
    elif iro.kind:
        iro.sign, iro.status, iro.human_rights = "", "", None


def _remove_files(names: list[str]) -> None:
    """Delete stored evidence files once the rows are gone for good (after the commit)."""
    def remove() -> None:
        for name in names:
            default_storage.delete(name)
    transaction.on_commit(remove)


@transaction.atomic
def delete_iro(iro: Iro, *, acting_user: Actor = None) -> None:
    """Delete an IRO added by mistake, with its evidence; refused once it has ratings (they would be lost)."""
    check_open(iro.assessment)
    if has_ratings(iro):
        raise IroRefused(_("%(code)s has ratings and can no longer be deleted.") % {"code": iro.code})
    if iro.gives_rise_to.exists():
        raise IroRefused(_("%(codes)s arise(s) from %(code)s: remove those links first.")
                         % {"code": iro.code, "codes": ", ".join(i.code for i in iro.gives_rise_to.all())})
    evidence = list(iro.evidence.all())
    audit.record(acting_user, "iro.delete", iro, assessment=iro.assessment, object_type="Iro",
                 before={**iro_snapshot(iro), "evidence": [evidence_snapshot(e) for e in evidence]})
    files = [e.file.name for e in evidence if e.is_file]
    iro.delete()
    _remove_files(files)


# --- evidence -------------------------------------------------------------------------------------------------

EVIDENCE_LIMIT_MB = 20


def evidence_limit_bytes() -> int:
    return EVIDENCE_LIMIT_MB * 1024 * 1024


@transaction.atomic
def add_evidence_file(iro: Iro, upload: UploadedFile, *, note: str = "", acting_user: Actor = None) -> IroEvidence:
    """Store an uploaded document under a random name after checking its size and that its content is one of the
    accepted document types; record its name, size, type and SHA-256."""
    check_open(iro.assessment)
    if upload.size is None or upload.size > evidence_limit_bytes():
        raise IroRefused(_("The file is larger than %(size)s MB.") % {"size": EVIDENCE_LIMIT_MB})
    if upload.size == 0:
        raise IroRefused(_("The file is empty."))
    stream = upload.open("rb")
    kind = evidence_files.content_type(stream, upload.name or "")
    if kind is None:
        raise IroRefused(_("“%(name)s” is not an accepted document: upload a %(types)s file whose content matches "
                           "its extension.") % {"name": upload.name, "types": evidence_files.allowed_labels()})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    evidence = IroEvidence(iro=iro, kind=IroEvidence.Kind.FILE, original_name=(upload.name or "")[-255:],
                           size=upload.size, content_type=kind, sha256=digest.hexdigest(), note=note.strip(),
                           added_by=_user(acting_user), added_by_name=_name(acting_user))
    evidence.file.save(upload.name or "evidence", upload, save=False)
    try:
        evidence.save()
        audit.record(acting_user, "evidence.add", evidence, assessment=iro.assessment, after=evidence_snapshot(evidence))
    except Exception:
        default_storage.delete(evidence.file.name)  # the row is not there: neither is the file
        raise
    return evidence


@transaction.atomic
def add_evidence_link(iro: Iro, url: str, *, note: str = "", acting_user: Actor = None) -> IroEvidence:
    """Add a link (a web page, a document on the intranet) with a note to an IRO."""
    check_open(iro.assessment)
    url = url.strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise IroRefused(_("Enter a full web address starting with http:// or https://.")) from None
    evidence = IroEvidence.objects.create(iro=iro, kind=IroEvidence.Kind.LINK, url=url, note=note.strip(),
                                          added_by=_user(acting_user), added_by_name=_name(acting_user))
    audit.record(acting_user, "evidence.add", evidence, assessment=iro.assessment, after=evidence_snapshot(evidence))
    return evidence


@transaction.atomic
def save_evidence_note(evidence: IroEvidence, note: str, *, acting_user: Actor = None) -> IroEvidence:
    """Change the note of one piece of evidence; an unchanged note writes nothing."""
    check_open(evidence.iro.assessment)
    note = note.strip()
    if note == evidence.note:
        return evidence
    before = evidence_snapshot(evidence)
    evidence.note = note
    evidence.save(update_fields=["note"])
    audit.record(acting_user, "evidence.edit", evidence, assessment=evidence.iro.assessment, before=before,
                 after=evidence_snapshot(evidence))
    return evidence


@transaction.atomic
def delete_evidence(evidence: IroEvidence, *, acting_user: Actor = None) -> None:
    """Remove one piece of evidence (and its stored file, once the deletion is committed)."""
    check_open(evidence.iro.assessment)
    audit.record(acting_user, "evidence.delete", evidence, assessment=evidence.iro.assessment,
                 before=evidence_snapshot(evidence))
    name = evidence.file.name if evidence.is_file else ""
    evidence.delete()
    if name:
        _remove_files([name])


# --- import and export ----------------------------------------------------------------------------------------

def line_message(error: LineError) -> str:
    """Word one import problem in the user's language."""
    return _("line %(line)s: %(reason)s") % {"line": error.line, "reason": _(error.message) % error.params}


def known_codes(assessment: Assessment) -> iro_csv.Known:
    """Return what an IRO file of this assessment is checked against."""
    topics = list(assessment.library.topics.values_list("code", "change_kind"))
    iros = list(assessment.iros.values_list("code", "kind", "sign", "status"))
    rated = set(IroRating.objects.filter(iro__assessment=assessment).values_list("iro__code", flat=True).distinct())
    linked: dict[str, list[str]] = {}
    for impact_code, code in Iro.arises_from.through.objects.filter(to_iro__assessment=assessment).values_list(
            "to_iro__code", "from_iro__code"):
        linked.setdefault(impact_code, []).append(code)
    previous = (frozenset(Iro.objects.filter(assessment_id=assessment.previous_id).values_list("code", flat=True))
                if assessment.previous_id else frozenset())
    return iro_csv.Known(
        topics=frozenset(c for c, kind in topics if kind != Topic.Change.RETIRED),
        retired_topics=frozenset(c for c, kind in topics if kind == Topic.Change.RETIRED),
        groups=frozenset(StakeholderGroup.objects.values_list("code", flat=True)),
        kinds={code: kind for code, kind, _s, _t in iros},
        rated={code: (kind, sign, status) for code, kind, sign, status in iros if code in rated},
        previous=previous, linked_from={k: tuple(v) for k, v in linked.items()},
    )


def _apply_row(iro: Iro, row: iro_csv.IroRow, topics: dict[str, Topic], previous: dict[str, Iro]) -> None:
    iro.topic = topics[row.topic]
    iro.kind, iro.sign, iro.status, iro.human_rights = row.kind, row.sign, row.status, row.human_rights
    iro.title_en, iro.title_zh, iro.description_en = row.title_en, row.title_zh, row.description_en
    for word, name in Iro.VALUE_CHAIN_FIELDS.items():
        setattr(iro, name, word in row.value_chain)
    iro.horizon = row.horizon
    for word in iro_csv.EFFECTS:
        setattr(iro, f"effect_{word}", word in row.effect)
    if row.description_zh is not None:
        iro.description_zh = row.description_zh
    if row.dependencies is not None:
        iro.dependencies = row.dependencies
    if row.predecessor is not None:
        iro.predecessor = previous.get(row.predecessor)
    if row.to_reassess is not None:
        iro.to_reassess = row.to_reassess
    clear_other_kinds_fields(iro)


@transaction.atomic
def import_iros(assessment: Assessment, table: Table, *, acting_user: Actor = None) -> tuple[int, int]:
    """Create or replace IROs by code from a table; all or nothing. Return (created, updated).

    IROs the file does not name stay as they are; an IRO with ratings keeps its kind, sign and status.
    """
    check_open(assessment)
    rows, errors = iro_csv.parse(table, known_codes(assessment))
    if errors:
        raise IroImportRefused([line_message(e) for e in errors])
    topics = {t.code: t for t in assessment.library.topics.all()}
    groups = {g.code: g for g in StakeholderGroup.objects.all()}
    previous = ({i.code: i for i in Iro.objects.filter(assessment_id=assessment.previous_id)}
                if assessment.previous_id else {})
    existing = {i.code: i for i in assessment.iros.prefetch_related("groups", "arises_from").select_related(
        "topic", "predecessor__assessment")}
    next_position = max((i.position for i in existing.values()), default=0)
    planned = []
    for row in rows:
        iro = existing.get(row.code)
        before = iro_snapshot(iro) if iro else None
        links = list(iro.arises_from.all()) if iro else []
        if iro is None:
            next_position += 1
            iro = Iro(assessment=assessment, code=row.code, position=next_position)
            existing[row.code] = iro
        _apply_row(iro, row, topics, previous)
        if iro.is_impact:
            links = []
        elif row.arises_from is not None:
            links = row.arises_from  # codes: resolved once every IRO of the file exists
        planned.append((iro, row, before, links))
    changes = []
    for iro, row, before, links in planned:
        link_iros = [existing[c] if isinstance(c, str) else c for c in links]
        after = iro_snapshot(iro, groups=[groups[g] for g in row.groups], arises_from=link_iros)
        if before != after:
            changes.append((iro, row, link_iros, {"code": iro.code, "before": before, "after": after}))
    for iro, _row, _links, _change in changes:
        iro.save()
    for iro, row, link_iros, _change in changes:
        iro.groups.set([groups[g] for g in row.groups])
        iro.arises_from.set(link_iros)
    created = sum(c["before"] is None for *_rest, c in changes)
    updated = len(changes) - created
    if changes:
        audit.record(acting_user, "iro.import", assessment, assessment=assessment,
                     after={"created": created, "updated": updated, "iros": [c for *_rest, c in changes]})
    return created, updated


EXPORT_COLUMNS = iro_csv.COLUMNS + iro_csv.OPTIONAL


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def export_iros(assessment: Assessment) -> tuple[list[str], list[list[object]]]:
    """Return the register as a header and rows in the import format (so an export re-imports unchanged)."""
    rows = []
    for iro in register(assessment):
        rows.append([
            iro.code, iro.topic.code, iro.kind, iro.sign, iro.status, _yes_no(iro.human_rights), iro.title_en,
            iro.title_zh, iro.description_en, ";".join(iro.value_chain), iro.horizon,
            ";".join(sorted(g.code for g in iro.groups.all())), ";".join(iro.effects), iro.description_zh,
            ";".join(sorted(i.code for i in iro.arises_from.all())), iro.dependencies,
            iro.predecessor.code if iro.predecessor_id else "", _yes_no(iro.to_reassess),
        ])
    return list(EXPORT_COLUMNS), rows


# --- the next cycle -------------------------------------------------------------------------------------------

def successor_topics(source: Assessment, target: Assessment) -> dict[int, list[Topic]]:
    """Map each topic of the source's library to the target library's topics that continue it (lineage)."""
    if source.library_id == target.library_id:
        return {t.pk: [t] for t in target.library.topics.all()}
    mapping: dict[int, list[Topic]] = {}
    link = Topic.predecessors.through.objects.filter(from_topic__library=target.library,
                                                     to_topic__library=source.library)
    for row in link.select_related("from_topic").order_by("from_topic__position", "from_topic__code"):
        if not row.from_topic.is_retired:
            mapping.setdefault(row.to_topic_id, []).append(row.from_topic)
    return mapping


@dataclass
class CarryForward:
    carried: list[str] = field(default_factory=list)
    to_reassess: list[str] = field(default_factory=list)
    left_behind: list[str] = field(default_factory=list)  # their topic has no successor in the new library


@transaction.atomic
def carry_forward(source: Assessment, target: Assessment, *, acting_user: Actor = None) -> CarryForward:
    """Copy the source assessment's IROs into the target (the next cycle), following the library lineage.

    Each copy points at its predecessor; short-term IROs, and those whose topic was split, are flagged "to
    reassess". Codes the target already has are skipped, so running it twice changes nothing.
    """
    check_open(target)
    summary = CarryForward()
    successors = successor_topics(source, target)
    taken = set(target.iros.values_list("code", flat=True))
    copies: dict[int, Iro] = {}
    position = max(target.iros.values_list("position", flat=True), default=0)
    sources = list(source.iros.prefetch_related("groups", "arises_from").select_related("topic"))
    for old in sources:
        topics = successors.get(old.topic_id, [])
        if old.code in taken:
            continue
        if not topics:
            summary.left_behind.append(old.code)
            continue
        position += 1
        new = Iro(assessment=target, code=old.code, topic=topics[0], predecessor=old, position=position,
                  to_reassess=old.horizon == Iro.Horizon.SHORT or len(topics) > 1,
                  **{name: getattr(old, name) for name in COPIED_FIELDS})
        new.save()
        new.groups.set(old.groups.all())
        copies[old.pk] = new
        summary.carried.append(new.code)
        if new.to_reassess:
            summary.to_reassess.append(new.code)
    for old in sources:
        if old.pk in copies:
            copies[old.pk].arises_from.set([copies[i.pk] for i in old.arises_from.all() if i.pk in copies])
    if summary.carried:
        audit.record(acting_user, "iro.carry_forward", target, assessment=target, after={
            "from": source.slug, "iros": [iro_snapshot(c) for c in copies.values()],
            "to_reassess": summary.to_reassess, "left_behind": summary.left_behind})
    return summary


COPIED_FIELDS = ["kind", "sign", "status", "human_rights", "title_en", "title_zh", "description_en", "description_zh",
                 "upstream", "own_operations", "downstream", "horizon", *Iro.EFFECT_FIELDS, "dependencies"]
