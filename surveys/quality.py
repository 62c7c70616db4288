"""Quality flags for a submitted response (pure): straight-lining and implausibly fast completion.

Flags are advice for the work team. A flagged response still counts; nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable

STRAIGHT_LINING = "straight_lining"
TOO_FAST = "too_fast"

# Fewer answers than this can be the same by honest coincidence, so they are never called straight-lining.
MIN_ANSWERS_FOR_STRAIGHT_LINING = 8
# Reading a topic and choosing a value takes a person at least about this long per rated item.
MIN_SECONDS_PER_ITEM = 1.5


def is_straight_lining(values: Iterable[int | None], minimum: int = MIN_ANSWERS_FOR_STRAIGHT_LINING) -> bool:
    """Return True when at least `minimum` values were given and all of them are the same."""
    given = [v for v in values if v is not None]
    return len(given) >= minimum and len(set(given)) == 1


def is_too_fast(seconds: float, item_count: int, seconds_per_item: float = MIN_SECONDS_PER_ITEM) -> bool:
    """Return True when the time from start to submit is below seconds_per_item for every item asked."""
    return item_count > 0 and seconds < item_count * seconds_per_item


def quality_flags(values: Iterable[int | None], *, seconds: float | None, item_count: int) -> list[str]:
    """Return the flag names that apply, in a fixed order; an unknown duration (imports) never flags speed."""
    flags = []
    if is_straight_lining(values):
        flags.append(STRAIGHT_LINING)
    if seconds is not None and is_too_fast(seconds, item_count):
        flags.append(TOO_FAST)
    return flags
