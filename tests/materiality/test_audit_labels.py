"""Every action the code records has a label in both languages, and every field it records has a label too."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation

from materiality import audit, audit_labels, services
from materiality.models import AuditEntry
from tests.materiality.confirmable import make_confirmable

ROOT = Path(settings.BASE_DIR)
SKIP = {".venv", "tests", "migrations", "bench", "node_modules"}
RECORDERS = {"record", "record_change"}  # audit.record, surveys' record_change, the admin's self.record


def source_files() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if not SKIP & set(p.relative_to(ROOT).parts)]


def recorded_actions() -> tuple[set[str], list[str]]:
    """Return the action codes the code can record, and the calls whose action this scan cannot read.

    An action is the second argument of a recorder: a literal, either branch of `a if c else b`, or an f-string
    such as f"admin.{action}" whose placeholder is filled by literals passed to a recorder in the same module.
    A name that is not a parameter of the calling function cannot be read: use a literal there.
    """
    actions: set[str] = set()
    unreadable: list[str] = []
    for path in source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        prefixes: list[str] = []
        bare: set[str] = set()
        for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
            parameters = {a.arg for a in [*function.args.args, *function.args.kwonlyargs]}
            for call in [n for n in ast.walk(function) if isinstance(n, ast.Call)]:
                name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
                if name not in RECORDERS or len(call.args) < 2:
                    continue
                arg = call.args[1]
                options = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
                for option in options:
                    if isinstance(option, ast.Constant) and isinstance(option.value, str):
                        (actions if "." in option.value else bare).add(option.value)
                    elif isinstance(option, ast.JoinedStr) and isinstance(option.values[0], ast.Constant):
                        prefixes.append(option.values[0].value)
                    elif not (isinstance(option, ast.Name) and option.id in parameters):
                        unreadable.append(f"{path.relative_to(ROOT)}:{call.lineno}")
        actions |= {prefix + word for prefix in prefixes for word in bare}
    return actions, unreadable


def test_every_action_recorded_in_the_code_has_a_label():
    actions, unreadable = recorded_actions()
    assert not unreadable, f"use a literal action code in these audit calls: {unreadable}"
    assert {"run.succeed", "assessment.confirm", "topic.create", "topic.edit", "admin.delete",
            "questionnaire.create", "responses.import"} <= actions  # the scan finds them (it could miss none)
    missing = sorted(actions - set(audit_labels.ACTIONS))
    assert not missing, f"add a label to materiality/audit_labels.py ACTIONS for: {missing}"


def test_every_label_is_translated_into_chinese():
    texts = [*audit_labels.ACTIONS.values(), *audit_labels.VARIANTS.values(), *audit_labels.FIELDS.values(),
             *audit_labels.FAMILIES.values(), *audit.PROBLEMS.values()]
    with translation.override("en"):
        english = [str(t) for t in texts]
    with translation.override("zh-hans"):
        chinese = [str(t) for t in texts]
    assert not [e for e, z in zip(english, chinese, strict=True) if e == z]


def entry(action: str, **fields: object) -> AuditEntry:
    return AuditEntry(pk=3, action=action, object_type=fields.pop("object_type", "ScoreRun"), object_id="3",
                      object_repr="DMA 2024 #3 (Queued)", created_at=timezone.now(), actor_name="chen", **fields)


def test_labels_read_as_sentences_in_both_languages():
    assert audit_labels.action_label(entry("run.succeed")) == "Scoring run 3 finished"
    confirm = entry("assessment.confirm", object_type="Assessment")
    assert audit_labels.action_label(confirm) == "Chair confirmed the assessment"
    approval = entry("approval.record", after={"decision": "approve", "run": 3})
    assert audit_labels.action_label(approval) == "Committee member approved scoring run 3"
    failed = entry("run.fail", object_type="ScoreRun", after={"run": 7})
    failed.object_id = ""
    assert audit_labels.action_label(failed) == "Scoring run 7 failed"
    assert audit_labels.action_label(entry("admin.change", object_type="Topic")) == "Topic changed in the admin"
    with translation.override("zh-hans"):
        assert audit_labels.action_label(entry("run.succeed")) == "评分运行 3 已完成"
        assert audit_labels.action_label(confirm) == "主席已确认本评估"


def test_an_action_without_a_label_still_reads_sensibly():
    assert audit_labels.action_label(entry("pack.build")) == "Score run: pack.build"
    assert audit_labels.action_label(entry("pack.build", object_type="")) == "pack.build"


def test_what_changed_is_a_table_of_labelled_fields_with_readable_values():
    edit = entry("topic.edit", object_type="Topic", before={"name_en": "Old", "pillar": "S", "position": 3},
                 after={"name_en": "New", "pillar": "G", "position": 3})
    assert [(c.label, c.before, c.after) for c in audit_labels.changes(edit)] == [
        ("Name (English)", "Old", "New"), ("Pillar", "Social", "Governance")]
    moment = dt.datetime(2026, 3, 1, 12, 30, tzinfo=dt.UTC)
    settings_edit = entry("assessment.edit", object_type="Assessment",
                          before={"closes_at": moment.isoformat(), "weights": {"customers": 1.0}, "previous": None},
                          after={"closes_at": (moment + dt.timedelta(days=2)).isoformat(),
                                 "weights": {"customers": 2.0}, "previous": "dma-2023"})
    rows = {c.key: c for c in audit_labels.changes(settings_edit)}
    assert rows["closes_at"].label == "Closes at"
    assert rows["closes_at"].before == timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    assert (rows["weights"].label, rows["weights"].after) == ("Group weights", "customers: 2.0")
    assert (rows["previous"].before, rows["previous"].after) == ("—", "dma-2023")
    confirm = entry("assessment.confirm", object_type="Assessment", before={"confirmed": False},
                    after={"confirmed": True, "approvals": ["colin", "chen"]})
    assert [(c.label, c.before, c.after) for c in audit_labels.changes(confirm)] == [
        ("Confirmed", "no", "yes"), ("Approvals", "—", "colin, chen")]
    succeeded = entry("run.succeed", after={"classes": {"major": 3, "general": 20}})
    assert audit_labels.changes(succeeded)[0].after == "Major: 3, General: 20"
    with translation.override("zh-hans"):
        assert audit_labels.changes(edit)[1].after == "管治"


@pytest.fixture
def lived_in_trail(scored, chair, committee_user, work_team_user, superuser):
    """One of each action the services record: a library, an assessment scored, reviewed, confirmed, reopened."""
    from tests.conftest import client_for

    run = scored
    assessment = run.assessment
    topics = list(run.topic_scores.order_by("rank").select_related("topic"))
    services.add_comment(assessment, topics[0].topic, "Check the supplier data", acting_user=committee_user)
    other = "general" if topics[0].classification != "general" else "major"
    services.override_class(run, topics[0].topic, other, reason="Committee view", acting_user=committee_user)
    services.override_class(run, topics[0].topic, topics[0].classification, reason="Back", acting_user=committee_user)
    services.record_approval(run, member=committee_user, decision="approve", note="Fine")
    services.prefill_register(assessment, acting_user=None)
    make_confirmable(run, chair)
    assert services.confirm_assessment(assessment, acting_user=chair)
    now = timezone.now()
    services.reopen_as_new_assessment(assessment, slug="dma-2025", name="DMA 2025", opens_at=now,
                                      closes_at=now + dt.timedelta(days=9), acting_user=chair)
    draft = services.clone_library(assessment.library, year=2031, acting_user=work_team_user)
    topic = draft.topics.order_by("position").first()
    services.move_topic(topic, "down", acting_user=work_team_user)
    services.retire_topic(topic, acting_user=work_team_user)
    services.restore_topic(topic, acting_user=work_team_user)
    client_for(superuser).post(f"/admin/materiality/topic/{topic.pk}/delete/", {"post": "yes"})
    return AuditEntry.objects.order_by("pk")


def test_every_field_the_services_record_has_a_label(lived_in_trail):
    actions = set(lived_in_trail.values_list("action", flat=True))
    assert {"run.succeed", "override.set", "override.withdraw", "approval.record", "register.save",
            "assessment.confirm", "assessment.reopen", "topic.move", "admin.delete"} <= actions
    assert actions <= set(audit_labels.ACTIONS)
    def keys(value: object) -> list[str]:
        return list(value) if isinstance(value, dict) else []

    unlabelled = sorted({(e.action, key) for e in lived_in_trail for key in [*keys(e.before), *keys(e.after)]
                         if not audit_labels.has_label(e.object_type, key)})
    assert not unlabelled, f"add these fields to audit_labels.FIELDS: {unlabelled}"
