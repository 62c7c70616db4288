"""Log-in throttling on top of django-axes (issue 11.4): a tight limit per user name and address, a looser one per address.

Axes counts failures per lockout parameter set (settings.AXES_LOCKOUT_PARAMETERS: the pair first, then the address)
but compares them all with one AXES_FAILURE_LIMIT. Locking on the pair alone keeps colleagues behind the same
office address able to log in while one of them is locked; the address's own, higher limit stops one address from
trying a few passwords on each of many accounts.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _failures(attempts: QuerySet[Any]) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class PairAndAddressHandler(AxesDatabaseHandler):
    """Locked when the (user name, address) pair reaches AXES_FAILURE_LIMIT, or the address LOGIN_ADDRESS_FAILURE_LIMIT."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        pair, address = self.get_user_attempts(request, credentials)
        failures = _failures(pair)
        if _failures(address) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            # Axes compares with the pair's limit: report at least that, so the address counts as locked.
            return max(failures, get_failure_limit(request, credentials))
        return failures


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """The lock-out page (429), in the visitor's language, saying how long the wait is."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/lockout.html", {"minutes": minutes}, status=settings.AXES_HTTP_RESPONSE_CODE)
