"""`{% state_badge assessment %}`: the Confirmed / Closed / Open / Not open yet badge, the same on every page."""

from __future__ import annotations

from django import template
from django.utils import timezone

from surveys import states

register = template.Library()


@register.inclusion_tag("surveys/_state_badge.html")
def state_badge(assessment: object) -> dict[str, str]:
    """Render the assessment's state from its dates and confirmation, as of now."""
    state = states.cycle_state(confirmed=assessment.is_confirmed, opens_at=assessment.opens_at,  # type: ignore[attr-defined]
                               closes_at=assessment.closes_at, now=timezone.now())  # type: ignore[attr-defined]
    return {"state": state}
