"""The audit trail as a table for machines and auditors: every hashed field, raw JSON, and the labels beside.

With these columns a reader can recompute every entry's hash (audit.FORMULAS) from the file alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from materiality import audit_labels
from materiality.models import AuditEntry

HEADER = ["id", "when", "who", "actor_id", "action", "action_en", "action_zh", "object_type", "object_id", "object",
          "assessment_id", "assessment", "before", "after", "hash_version", "prev_hash", "hash"]


def rows(entries: Iterable[AuditEntry]) -> Iterator[list[object]]:
    """Yield one row per entry; `when` is the exact ISO time that was hashed, before/after the stored JSON."""
    for e in entries:
        english, chinese = audit_labels.export_labels(e)
        yield [e.pk, e.created_at.isoformat(), e.actor_name, e.actor_id, e.action, english, chinese, e.object_type,
               e.object_id, e.object_repr, e.assessment_id, e.assessment_name, json.dumps(e.before, ensure_ascii=False),
               json.dumps(e.after, ensure_ascii=False), e.hash_version, e.prev_hash, e.hash]
