"""Publishing tasks after the commit, and telling the user plainly when the broker cannot take them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.db import transaction
from django.utils.translation import gettext_lazy
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)
T = TypeVar("T")

UNAVAILABLE = gettext_lazy("The task queue (Redis) cannot be reached, so nothing was queued and nothing was "
                           "changed. Try again when it is back; if it stays down, ask the administrator to "
                           "start Redis.")


class BrokerUnavailable(Exception):
    """The broker refused or could not take a message; what the action wrote has been undone."""

    def __init__(self) -> None:
        super().__init__(str(UNAVAILABLE))


def publish_or_undo(publish: Callable[[], T], undo: Callable[[], object]) -> T:
    """Publish now; if the broker is down, run `undo` (what the action wrote) and raise BrokerUnavailable."""
    try:
        return publish()
    except (OperationalError, ConnectionError, OSError) as exc:
        log.warning("broker unavailable, undoing: %s", exc)
        undo()
        raise BrokerUnavailable() from None


def on_commit(publish: Callable[[], object], undo: Callable[[], object]) -> Callable[[], None]:
    """Publish once the transaction commits; if the broker is down, run `undo` and raise BrokerUnavailable.

    Call inside the action's atomic block; call the returned check after the block, so the error reaches
    the caller (the on_commit hook runs at the block's end when it is the outermost one).
    """
    failed: list[BrokerUnavailable] = []

    def hook() -> None:
        try:
            publish_or_undo(publish, undo)
        except BrokerUnavailable as exc:
            failed.append(exc)

    transaction.on_commit(hook)

    def check() -> None:
        if failed:
            raise failed[0]

    return check
