"""The start page after log-in: what each role can do next."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static

from materiality.models import Assessment, IssueLibrary


def home(request: HttpRequest) -> HttpResponse:
    # Any logged-in user may see this page; each panel shows only what the user's role allows.
    user = request.user
    context = {
        "libraries": IssueLibrary.objects.order_by("-year")[:3] if user.has_perm("materiality.view_issuelibrary") else [],
        "assessments": Assessment.objects.select_related("library").order_by("-opens_at")[:10]
        if user.has_perm("materiality.view_assessment") else [],
        "has_role": user.has_perm("materiality.view_issuelibrary"),
    }
    return render(request, "materiality/home.html", context)


@login_not_required
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: point them at the static icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
