"""CSRF_FAILURE_VIEW: a refused CSRF check loses nothing a respondent typed and explains itself everywhere else.

The token goes missing or stale when cookies are cleared or another tab logs in (which rotates it). On the
questionnaire the posted answers come straight back on the page; autosave gets JSON it knows how to retry on.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from surveys.views import respond


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        match = None
    if match is not None and request.method == "POST":
        if match.view_name == "surveys:respond_form":
            return respond.after_csrf_failure(request, match.kwargs["token"])
        if match.view_name == "surveys:respond_draft":
            return JsonResponse({"error": "csrf"}, status=403)
    return render(request, "csrf_failure.html", status=403)
