"""The state of an assessment or questionnaire from its dates and confirmation; pure, so every page agrees."""

from __future__ import annotations

import datetime as dt

CONFIRMED, CLOSED, OPEN, NOT_OPEN = "confirmed", "closed", "open", "not_open"


def cycle_state(*, confirmed: bool, opens_at: dt.datetime, closes_at: dt.datetime, now: dt.datetime) -> str:
    """Return CONFIRMED, CLOSED (past its close, not confirmed), OPEN or NOT_OPEN (before it opens)."""
    if confirmed:
        return CONFIRMED
    if now >= closes_at:
        return CLOSED
    if now < opens_at:
        return NOT_OPEN
    return OPEN
