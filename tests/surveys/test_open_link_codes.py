"""open_link with a group code the assessment does not ask names the codes that would work."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from stakeholders.models import StakeholderGroup
from surveys.models import Invitation


def test_an_unknown_code_lists_every_group_asked_and_creates_nothing(cycle):
    with pytest.raises(CommandError) as refused:
        call_command("open_link", cycle.slug, "--group", "martians")
    message = str(refused.value)
    asked = sorted(StakeholderGroup.objects.filter(questionnaires__assessment=cycle).values_list("code", flat=True))
    assert "Valid codes: " + ", ".join(asked) + "." in message
    assert not Invitation.objects.exists()


def test_a_group_not_asked_by_this_assessment_is_refused_the_same_way(assessment):
    """No questionnaire yet: no code is valid, and the message says what to do."""
    with pytest.raises(CommandError, match="none yet: add a questionnaire first"):
        call_command("open_link", assessment.slug, "--group", "community")
