"""The organisation profile page (work team) and its logo, which respondents' pages show without logging in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import http_date
from django.utils.translation import gettext as _

from materiality import organisation
from materiality.organisation_forms import OrganisationForm


@permission_required("materiality.change_organisationprofile", raise_exception=True)
def organisation_edit(request: HttpRequest) -> HttpResponse:
    profile = organisation.current()
    form = OrganisationForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        changed = organisation.save_profile(form.instance, logo=form.cleaned_data["logo_file"],
                                            remove_logo=form.cleaned_data["remove_logo"], acting_user=request.user)
        messages.success(request, _("Organisation profile saved.") if changed else _("Nothing changed."))
        return redirect("materiality:organisation")
    return render(request, "materiality/organisation.html", {"form": form, "profile": profile})


@login_not_required
def organisation_logo(request: HttpRequest) -> HttpResponse:
    """The logo's bytes as stored (PNG or JPEG only, checked on upload); 404 without one."""
    profile = organisation.current()
    if not profile.has_logo:
        raise Http404
    response = HttpResponse(bytes(profile.logo), content_type=profile.logo_type)
    response["Last-Modified"] = http_date(profile.updated_at.timestamp())
    response["Cache-Control"] = "public, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response
