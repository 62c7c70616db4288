"""The audit trail: an append-only log whose entries are chained by SHA-256, so a later edit is detectable.

Each entry's hash covers its content and the previous entry's hash; `verify()` recomputes the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from materiality.models import Assessment, AuditEntry

GENESIS = "0" * 64


def _canonical(value: Any) -> Any:
    """Round-trip through JSON so that what is hashed is exactly what the database stores and returns."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """Return the SHA-256 of the previous hash and the entry's fields in canonical JSON."""
    payload = json.dumps({"prev": prev_hash, **fields}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "created_at": entry.created_at.isoformat(), "actor_name": entry.actor_name, "action": entry.action,
        "object_type": entry.object_type, "object_id": entry.object_id, "object_repr": entry.object_repr,
        "assessment_id": entry.assessment_id, "before": entry.before, "after": entry.after,
    }


def record(
    actor: AbstractBaseUser | AnonymousUser | None, action: str, obj: object | None = None, *,
    before: Any = None, after: Any = None, assessment: Assessment | None = None, object_type: str = "",
) -> AuditEntry:
    """Append one entry to the chain; callers run it inside the transaction that makes the change."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    for attempt in range(5):
        try:
            with transaction.atomic():
                last = AuditEntry.objects.select_for_update().order_by("-pk").first()
                entry = AuditEntry(
                    created_at=timezone.now(), actor=user,
                    actor_name=user.get_username() if user else "system",
                    action=action,
                    object_type=object_type or (type(obj).__name__ if obj is not None else ""),
                    object_id=str(getattr(obj, "pk", "") or ""), object_repr=str(obj)[:300] if obj is not None else "",
                    assessment=assessment, before=_canonical(before), after=_canonical(after),
                    prev_hash=last.hash if last else GENESIS,
                )
                entry.hash = entry_hash(entry.prev_hash, _fields(entry))
                entry.save(force_insert=True)
                return entry
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Head:
    """The chain's last entry (its id and hash): kept outside the table, it reveals a truncated chain."""

    seq: int
    hash: str


def head() -> Head:
    """Return the chain's head now (seq 0 and the genesis hash for an empty chain)."""
    last = AuditEntry.objects.order_by("-pk").values_list("pk", "hash").first()
    return Head(*last) if last else Head(0, GENESIS)


@dataclass(frozen=True)
class Verification:
    checked: int
    first_bad: AuditEntry | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad is None


def _entries() -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("pk").iterator(chunk_size=2000)


def verify() -> Verification:
    """Walk the chain from the start; stop at the first entry whose link or content does not match."""
    expected_prev = GENESIS
    checked = 0
    for entry in _entries():
        if entry.prev_hash != expected_prev:
            return Verification(checked, entry, "its link to the previous entry is broken (an entry was removed)")
        if entry_hash(entry.prev_hash, _fields(entry)) != entry.hash:
            return Verification(checked, entry, "its content does not match its hash (it was edited)")
        expected_prev = entry.hash
        checked += 1
    return Verification(checked, None)


def snapshot_dict(values: dict[str, Any]) -> dict[str, Any]:
    """Return a dict of field values as JSON-ready values (model instances become their primary keys)."""
    return _canonical({k: getattr(v, "pk", v) if hasattr(v, "_meta") else
                       ([getattr(i, "pk", i) for i in v] if isinstance(v, list | tuple | set) else v)
                       for k, v in values.items()})


def snapshot(obj: object, fields: list[str]) -> dict[str, Any]:
    """Return the named fields of a model instance as JSON-ready values (for before/after)."""
    return _canonical({name: getattr(obj, name) for name in fields})


def changes(before: Any, after: Any, limit: int = 300) -> list[tuple[str, str, str]]:
    """Return (field, before, after) for the fields that differ, as short text, for people reading the trail."""
    def text(value: Any) -> str:
        shown = "—" if value is None else json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
        return shown if len(shown) <= limit else shown[:limit] + "…"

    if not isinstance(before, dict) or not isinstance(after, dict):
        if before == after:
            return []
        return [("", text(before), text(after))]
    keys = list(dict.fromkeys([*before, *after]))
    return [(k, text(before.get(k)), text(after.get(k))) for k in keys if before.get(k) != after.get(k)]
