"""Each confirmation check blocks the service (so no API, command or crafted POST can skip it) until it passes."""

from __future__ import annotations

import pytest

from materiality import confirmation, services
from materiality.models import Assessment, AuditEntry, ConfirmedPack, ScoreRun, TopicScore
from tests.materiality.confirmable import close_questionnaires, comment_borderline, complete_register, make_confirmable
from tests.scoring_helpers import import_synthetic


def states(assessment: Assessment, waivers: dict[str, str] | None = None) -> dict[str, str]:
    return {c.key: c.state for c in confirmation.checks(assessment, waivers)}


def refused(assessment: Assessment, chair, match: str, waivers: dict[str, str] | None = None) -> None:
    with pytest.raises(confirmation.ConfirmationRefused, match=match):
        services.confirm_assessment(assessment, acting_user=chair, waivers=waivers)
    assert not Assessment.objects.get(pk=assessment.pk).is_confirmed
    assert not ConfirmedPack.objects.exists() and not AuditEntry.objects.filter(action="assessment.confirm").exists()


def test_a_ready_assessment_passes_every_check_and_confirms(scored, chair):
    make_confirmable(scored, chair)
    assert set(states(scored.assessment).values()) == {"passed"}
    assert list(states(scored.assessment)) == list(confirmation.LABELS)
    assert services.confirm_assessment(scored.assessment, acting_user=chair)
    entry = AuditEntry.objects.get(action="assessment.confirm")
    assert set(entry.after["checks"].values()) == {"passed"} and entry.after["waivers"] == {}


def test_answers_imported_after_the_run_make_it_out_of_date(scored, chair):
    make_confirmable(scored, chair)
    import_synthetic(scored.assessment, per_group=8, seed=6)  # replaces the same respondents' answers
    assert states(scored.assessment)["current"] == "failed"
    refused(scored.assessment, chair, "out of date")


def test_changed_settings_make_the_run_out_of_date(scored, chair):
    make_confirmable(scored, chair)
    Assessment.objects.filter(pk=scored.assessment_id).update(important_threshold=2.5)
    refused(Assessment.objects.get(pk=scored.assessment_id), chair, "settings changed")


def test_a_queued_run_blocks(scored, chair):
    make_confirmable(scored, chair)
    queued = ScoreRun.objects.create(assessment=scored.assessment, params=scored.params)
    assert states(scored.assessment)["idle"] == "failed"
    refused(scored.assessment, chair, f"Run {queued.pk} is")


def test_no_successful_run_blocks(assessment, chair):
    assert states(assessment)["run"] == "failed"
    refused(assessment, chair, "successful score run")


def test_requested_changes_block(scored, chair, committee_user):
    make_confirmable(scored, chair)
    services.record_approval(scored, member=committee_user, decision="changes", note="Check S07")
    assert states(scored.assessment)["approvals"] == "failed"
    refused(scored.assessment, chair, "requested changes")


def test_an_incomplete_register_blocks_naming_the_topics_and_what_they_lack(scored, chair):
    close_questionnaires(scored)
    comment_borderline(scored, chair)
    services.prefill_register(scored.assessment, acting_user=chair)  # groups and period, no value chain, no risks
    first = services.register_topics(scored.assessment)[0][0].topic.code
    check = next(c for c in confirmation.checks(scored.assessment) if c.key == "register")
    assert check.blocks and first in check.detail and "value-chain stage" in check.detail
    refused(scored.assessment, chair, "register", waivers={"register": "no time"})  # not waivable
    complete_register(scored, chair)
    assert states(scored.assessment)["register"] == "passed"


def test_an_open_questionnaire_blocks_until_the_chair_says_why(scored, chair):
    complete_register(scored, chair)
    comment_borderline(scored, chair)
    assert states(scored.assessment)["questionnaires"] == "failed"
    refused(scored.assessment, chair, "questionnaires are closed", waivers={"questionnaires": "   "})
    reason = "The last invitees declined; no answer can change a class."
    assert services.confirm_assessment(scored.assessment, acting_user=chair, waivers={"questionnaires": reason})
    entry = AuditEntry.objects.get(action="assessment.confirm")
    assert entry.after["checks"]["questionnaires"] == "waived" and entry.after["waivers"] == {"questionnaires": reason}
    pack = ConfirmedPack.objects.get()
    assert {"key": "questionnaires", "state": "waived", "detail": pack.checks[3]["detail"], "waiver": reason} \
        == pack.checks[3]


def test_a_borderline_topic_without_a_comment_blocks_until_commented_or_waived(scored, chair):
    close_questionnaires(scored)
    complete_register(scored, chair)
    borderline = scored.topic_scores.select_related("topic").order_by("rank").first()
    TopicScore.objects.filter(pk=borderline.pk).update(is_borderline=True)
    check = next(c for c in confirmation.checks(scored.assessment) if c.key == "borderline")
    assert check.blocks and check.waivable and borderline.topic.code in check.detail
    refused(scored.assessment, chair, "borderline")
    services.add_comment(scored.assessment, borderline.topic, "Close to the line; kept.", acting_user=chair)
    comment_borderline(scored, chair)
    assert states(scored.assessment)["borderline"] == "passed"
