"""Response headers and session rules for staff (issue 11.8).

Respondents have no account: their pages are untouched here (their own cookie rules live in surveys).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

REFRESH_SECONDS = 60  # a session's expiry moves at most once a minute: not one session write per request


class StaffSessionIdleMiddleware:
    """End a logged-in session after STAFF_SESSION_IDLE_MINUTES without a request.

    The expiry is stored with the session (database and cookie alike), so an idle session is refused by the session
    store itself; each request moves it forward again. Without this, a session lasted 14 days, idle or not.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # After the view: the log-in request itself sets the first expiry, and a log-out leaves nothing to refresh.
        # A session log-in only: a token client has no session to keep (nor should it get one).
        if hasattr(request, "session") and request.session.get(SESSION_KEY):
            now = int(time.time())
            if now - request.session.get("_idle_refreshed", 0) >= REFRESH_SECONDS:
                request.session["_idle_refreshed"] = now
                request.session.set_expiry(settings.STAFF_SESSION_IDLE_MINUTES * 60)
        return response


class NoStoreMiddleware:
    """Send `Cache-Control: no-store` with every page and download for a logged-in user, and with every attachment.

    Staff pages show contacts, answers and results; no browser or proxy cache should keep them after log-out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)  # a token client's user, once DRF has authenticated it
        is_download = response.get("Content-Disposition", "").startswith("attachment")
        if (user is not None and user.is_authenticated) or is_download:
            patch_cache_control(response, no_store=True, private=True)
        return response
