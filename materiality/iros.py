"""User actions on the IRO register (issue 12): save, delete, import, export and carry forward IROs, their links
and evidence. Views, commands and the admin call these; every change is written to the audit trail."""

from __future__ import annotations

from materiality.models import Iro, IroEvidence, IroRating

IRO_TEXT_FIELDS = ["code", "kind", "sign", "status", "human_rights", "title_en", "title_zh", "description_en",
                   "description_zh", "horizon", "dependencies", "to_reassess", "position"]


def iro_snapshot(iro: Iro) -> dict:
    """Return what the audit trail keeps of an IRO: its fields, with topic, groups, links and predecessor as codes."""
    saved = iro.pk is not None
    return {
        **{name: getattr(iro, name) for name in IRO_TEXT_FIELDS},
        "topic": iro.topic.code if iro.topic_id else None,
        "value_chain": iro.value_chain,
        "effect": iro.effects,
        "groups": sorted(g.code for g in iro.groups.all()) if saved else [],
        "arises_from": sorted(i.code for i in iro.arises_from.all()) if saved else [],
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
