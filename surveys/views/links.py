"""Links where people are (issue 14.5): copy one person's link, download a group's links, an open link's QR code
and poster. Work team only; every page that shows a secret is never cached."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from materiality import organisation
from materiality.models import Assessment
from surveys import links, links_export, qr
from surveys.forms import OpenLinkForm
from surveys.models import Invitation
from surveys.services import SurveyError


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@require_POST
@permission_required("surveys.change_invitation", raise_exception=True)
def personal_link(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("contact"), questionnaire__assessment__slug=slug,
                                   pk=pk, is_open_link=False)
    try:
        url = links.issue_personal_link(invitation, acting_user=request.user)
    except SurveyError as exc:
        messages.error(request, str(exc))
        return redirect("surveys:invitation_list", slug=slug)
    return render(request, "surveys/personal_link.html", {
        "assessment": invitation.questionnaire.assessment, "invitation": invitation, "url": url,
    })


@never_cache
@permission_required("surveys.change_invitation", raise_exception=True)
def links_download(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the form; POST: issue the group's links and send them as a CSV or XLSX file."""
    assessment = get_object_or_404(Assessment, slug=slug)
    form = OpenLinkForm(request.POST or None, assessment=assessment)
    if request.method == "POST":
        file_format = request.POST.get("format", "")
        if form.is_valid() and file_format in links_export.FORMATS:
            group = form.cleaned_data["group"]
            try:
                rows = links.group_links(assessment, group, file_format=file_format, acting_user=request.user)
            except SurveyError as exc:
                messages.error(request, str(exc))
                return redirect("surveys:links_download", slug=slug)
            content_type, extension = links_export.FORMATS[file_format]
            return attachment(links_export.export(rows, file_format), content_type,
                              f"{assessment.slug}-{group.code}-links.{extension}")
        messages.error(request, _("Choose a group that has a questionnaire, and CSV or XLSX."))
    return render(request, "surveys/links_download.html", {"assessment": assessment, "form": form})


def posted_open_link(request: HttpRequest, assessment: Assessment) -> tuple[Invitation, str] | None:
    """The open link posted back from the open-link page, when it is one of this assessment's: (invitation, URL)."""
    url = request.POST.get("link", "")
    prefix = settings.SITE_URL + "/r/"
    secret = url[len(prefix):].rstrip("/") if url.startswith(prefix) else ""
    invitation = links.find_open_link(assessment, secret)
    return (invitation, url) if invitation else None


OpenLinkView = Callable[[HttpRequest, Assessment, Invitation, str], HttpResponse]


def for_open_link(view: OpenLinkView) -> Callable[..., HttpResponse]:
    """Serve `view` to the work team for an open link posted back from the open-link page (a QR code or poster is
    only ever made of one of our own links: anything else is a 400)."""
    @never_cache
    @require_POST
    @permission_required("surveys.add_invitation", raise_exception=True)
    @functools.wraps(view)
    def wrapped(request: HttpRequest, slug: str) -> HttpResponse:
        assessment = get_object_or_404(Assessment, slug=slug)
        found = posted_open_link(request, assessment)
        if found is None:
            return HttpResponseBadRequest(_("This is not an open link of this assessment."), content_type="text/plain")
        return view(request, assessment, *found)
    return wrapped


@for_open_link
def open_link_qr(request: HttpRequest, assessment: Assessment, invitation: Invitation, url: str) -> HttpResponse:
    file_format = request.POST.get("format", "")
    if file_format not in qr.FORMATS:
        return HttpResponseBadRequest(_("Choose PNG or SVG."), content_type="text/plain")
    return attachment(qr.image(url, file_format), qr.FORMATS[file_format],
                      f"{assessment.slug}-{invitation.group.code}-qr.{file_format}")


@for_open_link
def open_link_poster(request: HttpRequest, assessment: Assessment, invitation: Invitation, url: str) -> HttpResponse:
    language = get_language() or "en"
    other = "en" if language.startswith("zh") else "zh-hans"
    profile = organisation.current()
    return render(request, "surveys/open_link_poster.html", {
        "assessment": assessment, "questionnaire": invitation.questionnaire, "group": invitation.group, "url": url,
        "short_url": url.split("://", 1)[-1], "profile": profile,
        "has_org": bool(profile.name_en or profile.name_zh), "languages": [language, other],
    })
