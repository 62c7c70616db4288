"""The audit trail: an append-only log whose entries are chained by SHA-256, so a later edit is detectable.

Each entry's hash covers every field of the entry and the previous entry's hash; `verify()` recomputes the chain.
A chain cut at its end (the last entries, or all of them, deleted) still links up, so the chain's head is also
kept outside the table: every verification stores the head it saw (AuditCheck), other records keep heads of
their own (anchor sources, below), and `verify()` reports a chain that no longer reaches one of them.

Hash versions: 1 is the first formula (entries written before version 2 keep it and are never re-hashed);
2 adds the entry's sequence number, the actor's id, the assessment's name then and the version itself. An entry
hashed the old way after one hashed the new way is refused (a downgrade to the weaker formula).
"""

from __future__ import annotations

import getpass
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from materiality.models import Assessment, AuditCheck, AuditEntry

GENESIS = "0" * 64
HASH_VERSION = 2
# The incremental check of the audit page walks at most this many new entries per view (about 0.1 s).
PAGE_LIMIT = 2000


def _canonical(value: Any) -> Any:
    """Round-trip through JSON so that what is hashed is exactly what the database stores and returns."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """Return the SHA-256 of the previous hash and the entry's fields in canonical JSON."""
    payload = json.dumps({"prev": prev_hash, **fields}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _fields_v1(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "created_at": row["created_at"].isoformat(), "actor_name": row["actor_name"], "action": row["action"],
        "object_type": row["object_type"], "object_id": row["object_id"], "object_repr": row["object_repr"],
        "assessment_id": row["assessment_id"], "before": row["before"], "after": row["after"],
    }


def _fields_v2(row: dict[str, Any]) -> dict[str, Any]:
    return {**_fields_v1(row), "v": 2, "seq": row["id"], "actor_id": row["actor_id"],
            "assessment_name": row["assessment_name"]}


FORMULAS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _fields_v1, 2: _fields_v2}
# Every column a formula reads, plus the link and the hash: what a walk fetches.
COLUMNS = ["id", "created_at", "actor_id", "actor_name", "action", "object_type", "object_id", "object_repr",
           "assessment_id", "assessment_name", "before", "after", "hash_version", "prev_hash", "hash"]


def computed_hash(row: dict[str, Any]) -> str | None:
    """Return the hash an entry (a dict of COLUMNS) should carry under its own version; None for an unknown one."""
    formula = FORMULAS.get(row["hash_version"])
    return entry_hash(row["prev_hash"], formula(row)) if formula else None


def _row(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in COLUMNS}


def record(
    actor: AbstractBaseUser | AnonymousUser | None, action: str, obj: object | None = None, *,
    before: Any = None, after: Any = None, assessment: Assessment | None = None, object_type: str = "",
) -> AuditEntry:
    """Append one entry to the chain; callers run it inside the transaction that makes the change.

    The entry's number is the last one's plus one (only this function writes entries): the number is part of
    the hash, and a gap in the numbers shows a removed entry.
    """
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    for attempt in range(5):
        try:
            with transaction.atomic():
                last = AuditEntry.objects.select_for_update().order_by("-pk").values("pk", "hash").first()
                entry = AuditEntry(
                    pk=last["pk"] + 1 if last else 1, created_at=timezone.now(), actor=user,
                    actor_name=user.get_username() if user else "system",
                    action=action,
                    object_type=object_type or (type(obj).__name__ if obj is not None else ""),
                    object_id=str(getattr(obj, "pk", "") or ""), object_repr=str(obj)[:300] if obj is not None else "",
                    assessment=assessment, assessment_name=assessment.name[:200] if assessment else "",
                    before=_canonical(before), after=_canonical(after),
                    hash_version=HASH_VERSION, prev_hash=last["hash"] if last else GENESIS,
                )
                entry.hash = computed_hash(_row(entry))  # type: ignore[assignment]
                entry.save(force_insert=True)
                return entry
        except IntegrityError:  # another writer extended the chain first: link to its entry instead
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Head:
    """The chain's last entry (its number and hash): kept outside the table, it reveals a truncated chain.

    Written and read as "SEQ:HASH" (str() and Head.parse). `source` says who kept it, for messages only.
    """

    seq: int
    hash: str
    source: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str, source: str = "") -> Head:
        """Read "SEQ:HASH"; raise ValueError with a plain message otherwise."""
        seq, sep, digest = text.strip().partition(":")
        digest = digest.lower()
        if not sep or not seq.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"{text!r} is not a head: write it as SEQ:HASH, e.g. 42:{'ab' * 32}")
        return cls(int(seq), digest, source)


EMPTY = Head(0, GENESIS)


def head() -> Head:
    """Return the chain's head now (seq 0 and the genesis hash for an empty chain)."""
    last = AuditEntry.objects.order_by("-pk").values_list("pk", "hash").first()
    return Head(*last) if last else EMPTY


# What went wrong, by code: stored in AuditCheck.problem and shown in the reader's language.
PROBLEMS = {
    "link": gettext_lazy("its link to the previous entry is broken (an entry was removed)"),
    "edited": gettext_lazy("its content does not match its hash (it was edited)"),
    "gap": gettext_lazy("the entries numbered %(first)s to %(last)s are missing (they were removed)"),
    "downgrade": gettext_lazy("it is hashed the old way after entries hashed the new way (it was rewritten)"),
    "version": gettext_lazy("its hash version %(version)s is unknown"),
    "rewritten": gettext_lazy("it is not the entry %(source)s saw, whose hash was %(hash)s (the chain was rewritten)"),
    "cut": gettext_lazy("the chain ends at entry %(end)s, before entry %(seq)s that %(source)s saw "
                        "(entries were deleted from its end)"),
    "emptied": gettext_lazy("the chain is empty, but %(source)s saw it reach entry %(seq)s "
                            "(all entries were deleted)"),
    "absent": gettext_lazy("entry %(seq)s, which %(source)s saw, is missing"),
}


def problem_text(code: str, params: dict[str, Any]) -> str:
    return str(PROBLEMS[code]) % params if code else ""


@dataclass(frozen=True)
class Verification:
    """A walk's result. `head` is the last entry it reached; `start` the verified head it began after."""

    checked: int
    first_bad: AuditEntry | None = None
    problem: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    head: Head = EMPTY
    start: Head = EMPTY
    remaining: int = 0  # entries left unchecked by a walk that stopped at its limit
    anchors: int = 0  # distinct expected heads compared (the start included)

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def reason(self) -> str:
        return problem_text(self.problem, self.params)

    @property
    def failed_seq(self) -> int | None:
        return self.first_bad.pk if self.first_bad is not None else self.params.get("seq") if self.problem else None


def _source(anchor: Head) -> str:
    return anchor.source or _("an earlier record")


def _rows(after_seq: int, limit: int | None) -> Iterator[dict[str, Any]]:
    rows = AuditEntry.objects.filter(pk__gt=after_seq).order_by("pk").values(*COLUMNS)
    return (rows[:limit] if limit else rows).iterator(chunk_size=2000)


def _failure(checked: int, seq: int, problem: str, start: Head, **params: Any) -> Verification:
    """A fault at entry `seq`; the result's head is the chain's last entry, as the table holds it now."""
    return Verification(checked, AuditEntry.objects.filter(pk=seq).first(), problem, {"seq": seq, **params},
                        head(), start)


def verify(expected_heads: Iterable[Head] = (), *, start: Head = EMPTY, limit: int | None = None) -> Verification:
    """Walk the chain after `start` (a head verified before, or the genesis), stopping at the first fault.

    Every expected head must be an entry of the chain with that hash: one the chain ends before means entries
    were deleted from its end, one whose hash differs means the chain was rewritten. With `limit`, the walk
    stops after that many entries and counts the rest in `remaining` (the expected heads past it are not judged).
    """
    anchors: dict[tuple[int, str], Head] = {}
    for anchor in [start, *expected_heads]:
        if anchor.seq:
            anchors.setdefault((anchor.seq, anchor.hash), anchor)
    behind = sorted((h for h in anchors.values() if h.seq <= start.seq), key=lambda h: h.seq)
    # Heads at or before the start: the walk will not see them, so look them up in one query.
    found = {pk: (digest, version) for pk, digest, version in AuditEntry.objects.filter(
        pk__in={h.seq for h in behind}).values_list("pk", "hash", "hash_version")} if behind else {}
    for anchor in behind:
        if anchor.seq not in found:
            end = head()
            params = {"seq": anchor.seq, "end": end.seq, "source": _source(anchor)}
            return Verification(0, None, "absent" if end.seq > anchor.seq else "cut" if end.seq else "emptied",
                                params, end, start)
        if found[anchor.seq][0] != anchor.hash:
            return _failure(0, anchor.seq, "rewritten", start, source=_source(anchor), hash=anchor.hash)
    ahead: dict[int, list[Head]] = {}
    for anchor in sorted(anchors.values(), key=lambda h: h.seq):
        if anchor.seq > start.seq:
            ahead.setdefault(anchor.seq, []).append(anchor)
    start_version = found[start.seq][1] if start.seq else 1

    walked, version, checked = start, start_version, 0
    for row in _rows(start.seq, limit):
        seq = row["id"]
        if row["hash_version"] >= 2 and seq != walked.seq + 1:
            return _failure(checked, seq, "gap", start, first=walked.seq + 1, last=seq - 1)
        if row["prev_hash"] != walked.hash:
            return _failure(checked, seq, "link", start)
        if row["hash_version"] < version:
            return _failure(checked, seq, "downgrade", start)
        actual = computed_hash(row)
        if actual is None:
            return _failure(checked, seq, "version", start, version=row["hash_version"])
        if actual != row["hash"]:
            return _failure(checked, seq, "edited", start)
        for anchor in ahead.pop(seq, []):
            if anchor.hash != row["hash"]:
                return _failure(checked, seq, "rewritten", start, source=_source(anchor), hash=anchor.hash)
        walked, version, checked = Head(seq, row["hash"]), row["hash_version"], checked + 1
    if limit and checked == limit:
        remaining = AuditEntry.objects.filter(pk__gt=walked.seq).count()
        if remaining:
            return Verification(checked, None, head=walked, start=start, remaining=remaining, anchors=len(anchors))
    if ahead:  # an expected head the walk never met
        seq = min(ahead)
        problem = "absent" if seq < walked.seq else "cut" if walked.seq else "emptied"
        return Verification(checked, None, problem, {"seq": seq, "end": walked.seq, "source": _source(ahead[seq][0])},
                            walked, start)
    return Verification(checked, None, head=walked, start=start, anchors=len(anchors))


# --- anchors: heads kept outside the table -----------------------------------------------------------------------

# Dotted paths of functions that return the heads other records keep (an iterable of Head, each with a
# `source` naming the record in the reader's language). verify_audit and the full check compare the chain
# with all of them. Extend with register_anchor_source("app.module.function").
ANCHOR_SOURCES: list[str] = []


def register_anchor_source(path: str) -> None:
    """Add a source of expected heads (a dotted path, imported when heads are collected); idempotent."""
    if path not in ANCHOR_SOURCES:
        ANCHOR_SOURCES.append(path)


def anchored_heads() -> list[Head]:
    """Return the heads every registered source keeps."""
    return [h for path in ANCHOR_SOURCES for h in import_string(path)()]


def _check_source(check: AuditCheck) -> str:
    return _("the check of %(when)s by %(who)s") % {
        "when": timezone.localtime(check.checked_at).strftime("%Y-%m-%d %H:%M:%S"), "who": check.checked_by_name}


def checked_heads() -> list[Head]:
    """Return the heads of the successful checks (one per distinct head, the earliest check that saw it)."""
    seen: dict[tuple[int, str], Head] = {}
    for check in AuditCheck.objects.filter(is_ok=True, head_seq__gt=0).order_by("pk").only(
            "checked_at", "checked_by_name", "head_seq", "head_hash"):
        key = (check.head_seq, check.head_hash)
        if key not in seen:
            seen[key] = Head(check.head_seq, check.head_hash, _check_source(check))
    return list(seen.values())


def last_verified() -> AuditCheck | None:
    """Return the successful check that reached furthest: the incremental check starts after its head."""
    return AuditCheck.objects.filter(is_ok=True).order_by("-head_seq", "-pk").first()


def last_full_check() -> AuditCheck | None:
    return AuditCheck.objects.filter(is_full=True).order_by("-pk").first()


def _who(user: object | None, name: str) -> tuple[object | None, str]:
    if user is not None and getattr(user, "is_authenticated", False):
        return user, user.get_username()  # type: ignore[attr-defined]
    return None, name or f"verify_audit ({getpass.getuser()})"


def check_chain(*, full: bool, by: object | None = None, by_name: str = "", expected: Iterable[Head] = (),
                limit: int | None = None) -> tuple[Verification, AuditCheck | None]:
    """Verify and record the result and the head seen in AuditCheck, the anchor a later check compares with.

    Full: walk the whole chain against every earlier check's head, the anchor sources and `expected`.
    Incremental: walk only the entries after the furthest verified head (which must still be in the chain),
    against the anchor sources. A check that learns nothing new (same result, same head) is not stored again.
    """
    started = time.monotonic()
    if full:
        result = verify([*expected, *anchored_heads(), *checked_heads()])  # a head's first source names it
    else:
        base = last_verified()
        start = Head(base.head_seq, base.head_hash, _check_source(base)) if base else EMPTY
        result = verify([*anchored_heads(), *expected], start=start, limit=limit)
    user, name = _who(by, by_name)
    latest = AuditCheck.objects.order_by("-pk").first()
    if not full and latest is not None and (latest.is_ok, latest.head_seq, latest.head_hash, latest.problem) == (
            result.ok, result.head.seq, result.head.hash, result.problem):
        return result, None
    check = AuditCheck.objects.create(
        checked_at=timezone.now(), checked_by=user, checked_by_name=name, is_full=full, is_ok=result.ok,
        from_seq=result.start.seq, head_seq=result.head.seq, head_hash=result.head.hash,
        entries_checked=result.checked, failed_seq=result.failed_seq, problem=result.problem,
        problem_params={k: str(v) for k, v in result.params.items()}, seconds=time.monotonic() - started,
    )
    return result, check


def snapshot_dict(values: dict[str, Any]) -> dict[str, Any]:
    """Return a dict of field values as JSON-ready values (model instances become their primary keys)."""
    return _canonical({k: getattr(v, "pk", v) if hasattr(v, "_meta") else
                       ([getattr(i, "pk", i) for i in v] if isinstance(v, list | tuple | set) else v)
                       for k, v in values.items()})


def snapshot(obj: object, fields: list[str]) -> dict[str, Any]:
    """Return the named fields of a model instance as JSON-ready values (for before/after)."""
    return _canonical({name: getattr(obj, name) for name in fields})
