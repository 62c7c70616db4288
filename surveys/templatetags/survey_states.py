"""`{% state_badge assessment %}`: the Confirmed / Closed / Open / Not open yet badge, the same on every page."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from surveys import states

register = template.Library()

# state -> (Bootstrap badge colour, label). A plain tag rather than an included template: the list of assessments
# draws one badge a row, and rendering a template per row was a third of the row's cost (issue 16.3).
BADGES = {
    "confirmed": ("text-bg-success", _("Confirmed")),
    "closed": ("text-bg-dark", _("Closed")),
    "open": ("text-bg-primary", _("Open")),
}
NOT_OPEN = ("text-bg-secondary", _("Not open yet"))


@register.simple_tag
def state_badge(assessment: object) -> SafeString:
    """Render the assessment's state from its dates and confirmation, as of now."""
    state = states.cycle_state(confirmed=assessment.is_confirmed, opens_at=assessment.opens_at,  # type: ignore[attr-defined]
                               closes_at=assessment.closes_at, now=timezone.now())  # type: ignore[attr-defined]
    colour, label = BADGES.get(state, NOT_OPEN)
    return format_html('<span class="badge {}">{}</span>', colour, label)
