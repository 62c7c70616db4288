"""Words for people reading the audit trail: what each action was, and what changed, field by field.

Entries keep machine codes (`run.succeed`, `name_en`) and raw JSON; this module turns them into labels in the
reader's language. Every action the code records has a label here (tests/materiality/test_audit_labels.py
finds them in the code); one recorded without a label still reads sensibly (the object type and the code).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from materiality.models import Approval, AuditEntry, TopicScore

# %(run)s: the scoring run's number; %(type)s: the kind of object (a model's name); %(object)s: the object as
# it was named when the entry was written.
ACTIONS = {
    "library.load_template": gettext_lazy("Issue library loaded from a shipped template"),
    "library.clone": gettext_lazy("Issue library copied to a new reporting year"),
    "library.publish": gettext_lazy("Issue library published"),
    "library.import": gettext_lazy("Topics imported into the issue library"),
    "topic.create": gettext_lazy("Topic added"),
    "topic.edit": gettext_lazy("Topic edited"),
    "topic.retire": gettext_lazy("Topic retired"),
    "topic.restore": gettext_lazy("Retired topic restored"),
    "topic.delete": gettext_lazy("Topic deleted"),
    "topic.move": gettext_lazy("Topic moved in the list"),
    "assessment.create": gettext_lazy("Assessment created"),
    "organisation.change": gettext_lazy("Organisation profile changed"),
    "response.exclude": gettext_lazy("Response excluded from scoring"),
    "response.include": gettext_lazy("Excluded response counted again"),
    "invitation.link_issue": gettext_lazy("Personal link issued again for copying (earlier links retired)"),
    "invitation.links_download": gettext_lazy("Personal links of a group downloaded (earlier links retired)"),
    "assessment.edit": gettext_lazy("Assessment settings changed"),
    "assessment.confirm": gettext_lazy("Chair confirmed the assessment"),
    "assessment.reopen": gettext_lazy("Assessment reopened as a new cycle"),
    "pack.store": gettext_lazy("Report pack stored at confirmation"),
    "questionnaire.create": gettext_lazy("Questionnaire created"),
    "questionnaire.edit": gettext_lazy("Questionnaire edited"),
    "responses.import": gettext_lazy("Offline answers imported"),
    "run.start": gettext_lazy("Scoring run %(run)s started"),
    "run.succeed": gettext_lazy("Scoring run %(run)s finished"),
    "run.fail": gettext_lazy("Scoring run %(run)s failed"),
    "comment.add": gettext_lazy("Committee comment added"),
    "override.set": gettext_lazy("Change of class proposed"),
    "override.withdraw": gettext_lazy("Proposed change of class withdrawn"),
    "approval.record": gettext_lazy("Committee member's decision on scoring run %(run)s"),
    "register.save": gettext_lazy("Step-3 register entry saved"),
    "iro.create": gettext_lazy("Impact, risk or opportunity added"),
    "iro.edit": gettext_lazy("Impact, risk or opportunity edited"),
    "iro.delete": gettext_lazy("Impact, risk or opportunity deleted"),
    "iro.import": gettext_lazy("Impacts, risks and opportunities imported"),
    "iro.carry_forward": gettext_lazy("Impacts, risks and opportunities carried forward from the last cycle"),
    "rating.import": gettext_lazy("IRO ratings imported"),
    "rating.submit": gettext_lazy("Rater submitted IRO ratings"),
    "rater.assign": gettext_lazy("Rater assigned to topics"),
    "rater.remove": gettext_lazy("Rater assignment removed"),
    "evidence.add": gettext_lazy("Evidence added"),
    "evidence.edit": gettext_lazy("Evidence edited"),
    "evidence.delete": gettext_lazy("Evidence deleted"),
    "admin.add": gettext_lazy("%(type)s added in the admin"),
    "admin.change": gettext_lazy("%(type)s changed in the admin"),
    "admin.delete": gettext_lazy("%(type)s deleted in the admin"),
}
# A more precise label when one field of `after` has a given value.
VARIANTS = {
    ("approval.record", "decision", Approval.Decision.APPROVE): gettext_lazy(
        "Committee member approved scoring run %(run)s"),
    ("approval.record", "decision", Approval.Decision.REQUEST_CHANGES): gettext_lazy(
        "Committee member asked for changes to scoring run %(run)s"),
}
# The groups of the action filter, by the code's first part.
FAMILIES = {
    "library": gettext_lazy("Issue library"), "topic": gettext_lazy("Topics"),
    "assessment": gettext_lazy("Assessment"), "questionnaire": gettext_lazy("Questionnaires"),
    "responses": gettext_lazy("Answers"), "run": gettext_lazy("Scoring runs"),
    "comment": gettext_lazy("Comments"), "override": gettext_lazy("Changes of class"),
    "approval": gettext_lazy("Approvals"), "register": gettext_lazy("Step-3 register"),
    "rating": gettext_lazy("IRO ratings"), "rater": gettext_lazy("Raters"),
    "admin": gettext_lazy("Admin"), "pack": gettext_lazy("Report pack"),
}

# Fields of before/after that are not a field of the entry's model (those take the model's verbose name).
FIELDS = {
    "topics": gettext_lazy("topics"),
    "from": gettext_lazy("copied from"),
    "published": gettext_lazy("published"),
    "created": gettext_lazy("topics added"),
    "updated": gettext_lazy("topics changed"),
    "order": gettext_lazy("order of the topics"),
    "predecessors": gettext_lazy("last year's topics"),
    "run": gettext_lazy("scoring run"),
    "error": gettext_lazy("error"),
    "checksum": gettext_lazy("input checksum (SHA-256)"),
    "input_checksum": gettext_lazy("input checksum (SHA-256)"),
    "respondents": gettext_lazy("respondents"),
    "replaced": gettext_lazy("respondents whose answers were replaced"),
    "ratings": gettext_lazy("ratings"),
    "file": gettext_lazy("file"),
    "classes": gettext_lazy("topics per class"),
    "topic": gettext_lazy("topic"),
    "text": gettext_lazy("text"),
    "class": gettext_lazy("class"),
    "reason": gettext_lazy("reason"),
    "reason_zh": gettext_lazy("reason (Chinese)"),
    "note": gettext_lazy("note"),
    "decision": gettext_lazy("decision"),
    "confirmed": gettext_lazy("confirmed"),
    "approvals": gettext_lazy("approvals"),
    "overrides": gettext_lazy("changes of class"),
    "weights": gettext_lazy("group weights"),
    "groups": gettext_lazy("respondent groups"),
    "previous": gettext_lazy("previous assessment"),
    "major": gettext_lazy("major threshold"),
    "important": gettext_lazy("important threshold"),
    "method": gettext_lazy("method"),
    "params": gettext_lazy("parameters"),
    "template": gettext_lazy("shipped template"),
    "year": gettext_lazy("reporting year"),
    "name": gettext_lazy("name"),
    "scale": gettext_lazy("rating scale (points)"),
    "checks": gettext_lazy("confirmation checks"),
    "waivers": gettext_lazy("checks waived by the chair, with the reason"),
    "sha256": gettext_lazy("SHA-256 of the report pack"),
    "size": gettext_lazy("size (bytes)"),
    "audit_head": gettext_lazy("audit chain head at confirmation"),
}
CLASS_FIELDS = {"class", "classification", "computed_class", "new_class", "previous_classification"}
# Fields whose values are codes of a model's choices, wherever they are recorded.
CHOICES = {**{key: TopicScore.Classification.choices for key in CLASS_FIELDS}, "decision": Approval.Decision.choices}
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")
LIMIT = 300  # characters of one value on the page; the export keeps everything


@cache
def model_for(object_type: str) -> type[models.Model] | None:
    """Return the model an entry's object_type names (its class name), if there is one."""
    for model in apps.get_models():
        if model.__name__ == object_type:
            return model
    return None


def type_label(object_type: str) -> str:
    model = model_for(object_type)
    return capfirst(str(model._meta.verbose_name)) if model else object_type


def _model_field(object_type: str, key: str) -> models.Field | None:
    model = model_for(object_type)
    if model is None:
        return None
    try:
        found = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def has_label(object_type: str, key: str) -> bool:
    """Tell whether a before/after field has a label of its own (not the fallback made from its code)."""
    return key in FIELDS or _model_field(object_type, key) is not None or model_for(key) is not None


def field_label(object_type: str, key: str) -> str:
    """A field's label: ours, else the model's verbose name, else (the admin's inline rows) the model's plural."""
    if key in FIELDS:
        return capfirst(str(FIELDS[key]))
    found = _model_field(object_type, key)
    if found is not None and found.verbose_name:
        return capfirst(str(found.verbose_name))
    if (model := model_for(key)) is not None:
        return capfirst(str(model._meta.verbose_name_plural))
    return capfirst(key.replace("_", " "))


def run_number(entry: AuditEntry) -> str:
    if entry.object_type == "ScoreRun" and entry.object_id:
        return entry.object_id
    after = entry.after if isinstance(entry.after, dict) else {}
    return str(after.get("run", "")) or "?"


def action_label(entry: AuditEntry) -> str:
    """Return what the entry records, in the active language ("Scoring run 3 finished")."""
    after = entry.after if isinstance(entry.after, dict) else {}
    label = next((text for (action, key, value), text in VARIANTS.items()
                  if action == entry.action and after.get(key) == value), ACTIONS.get(entry.action))
    params = {"run": run_number(entry), "type": type_label(entry.object_type), "object": entry.object_repr}
    if label is None:  # an action recorded before it was given a label
        return _("%(type)s: %(code)s") % {"type": params["type"], "code": entry.action} if entry.object_type else \
            entry.action
    return str(label) % params


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Return the action filter's options: per family, "all" and then each action, by label."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, label in ACTIONS.items():
        family = code.split(".")[0]
        shown = str(label) % {"run": "…", "type": "…", "object": "…"}
        groups.setdefault(family, []).append((code, shown))
    return [(str(FAMILIES.get(family, family)), [(family, _("All: %(family)s") % {
        "family": FAMILIES.get(family, family)}), *sorted(options, key=lambda o: o[1])])
        for family, options in groups.items()]


def _choice_label(object_type: str, key: str, value: Any) -> str | None:
    if key in CHOICES:
        choices = dict(CHOICES[key])
    else:
        found = _model_field(object_type, key)
        choices = dict(found.flatchoices) if found is not None and found.choices else {}
    label = choices.get(value) if isinstance(value, str | int) else None
    return str(label) if label is not None else None


def value_text(object_type: str, key: str, value: Any) -> str:
    """Return a value of before/after as short text: yes/no, local times, choice labels, lists joined."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if (label := _choice_label(object_type, key, value)) is not None:
        return label
    if isinstance(value, str) and ISO_MOMENT.match(value):
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        shown = timezone.localtime(moment) if timezone.is_aware(moment) else moment
        return shown.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        text = ", ".join(value_text(object_type, key, v) for v in value) or "—"
    elif isinstance(value, dict) and all(not isinstance(v, dict | list) for v in value.values()):
        text = ", ".join(f"{_choice_label(object_type, 'class', k) if key == 'classes' else k}: "
                         f"{value_text(object_type, key, v)}" for k, v in value.items()) or "—"
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= LIMIT else text[:LIMIT] + "…"


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    before: str
    after: str


def changes(entry: AuditEntry) -> list[Change]:
    """Return the fields that differ between before and after, with their labels and readable values."""
    before, after, kind = entry.before, entry.after, entry.object_type
    if not isinstance(before, dict | None) or not isinstance(after, dict | None) or (before is None and after is None):
        if before == after:
            return []
        return [Change("", _("Value"), value_text(kind, "", before), value_text(kind, "", after))]
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [Change(k, field_label(kind, k), value_text(kind, k, before.get(k)), value_text(kind, k, after.get(k)))
            for k in keys if before.get(k) != after.get(k)]


def export_labels(entry: AuditEntry) -> tuple[str, str]:
    """Return the action's label in English and in Chinese, for the export's readers."""
    with translation.override("en"):
        english = action_label(entry)
    with translation.override("zh-hans"):
        chinese = action_label(entry)
    return english, chinese
