"""The upload page for offline answers (the work team)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy, ngettext

from materiality.models import Assessment, AssessmentFrozen
from materiality.services import ImportRefused
from surveys import imports

UPLOAD_LIMIT_MB = 25  # about 700,000 rating lines; the import runs inside the request, so bigger files go by CLI


class ResponseFileForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Response file (.csv or .xlsx)"), help_text=gettext_lazy(
        "Up to %(size)s MB. Import bigger files with manage.py import_responses.") % {"size": UPLOAD_LIMIT_MB})

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_LIMIT_MB * 1024 * 1024:
            raise forms.ValidationError(gettext_lazy(
                "The file is larger than %(size)s MB. Import bigger files with manage.py import_responses.")
                % {"size": UPLOAD_LIMIT_MB})
        return upload


@permission_required("surveys.add_response", raise_exception=True)
def import_responses(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment, slug=slug)
    form = ResponseFileForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            with upload.open("rb") as stream:
                summary = imports.import_responses(assessment, stream, upload.name, acting_user=request.user)
        except ImportRefused as exc:
            errors = exc.errors
        except AssessmentFrozen as exc:
            messages.error(request, str(exc))
        else:
            ratings = ngettext("%(count)d rating", "%(count)d ratings", summary.ratings) % {"count": summary.ratings}
            messages.success(request, ngettext(
                "Imported %(respondents)d respondent (%(replaced)d replaced) with %(ratings)s.",
                "Imported %(respondents)d respondents (%(replaced)d replaced) with %(ratings)s.",
                summary.respondents) % {
                "respondents": summary.respondents, "replaced": summary.replaced, "ratings": ratings})
            return redirect("materiality:import_responses", slug=slug)
    return render(request, "materiality/import_responses.html", {"assessment": assessment, "form": form,
                                                                  "errors": errors})
