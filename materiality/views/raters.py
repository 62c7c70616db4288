"""The work team's rater pages (issue 12.2): assign internal raters per topic, send links and reminders, and follow
progress per rater and per topic. Only the work team (who hold the rater permissions) sees them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from materiality import raters
from materiality.models import Assessment, AssessmentFrozen, RaterAssignment
from materiality.rater_forms import AssignForm


def _assessment(slug: str) -> Assessment:
    return get_object_or_404(Assessment.objects.select_related("library"), slug=slug)


@permission_required("materiality.view_raterassignment", raise_exception=True)
def rater_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Progress per rater and per topic; POST (work team) assigns a rater to topics."""
    assessment = _assessment(slug)
    can_edit = request.user.has_perm("materiality.add_raterassignment") and not assessment.is_confirmed
    form = AssignForm(request.POST if request.method == "POST" and can_edit else None, assessment=assessment)
    if request.method == "POST":
        if not can_edit:
            messages.error(request, str(AssessmentFrozen.MESSAGE) if assessment.is_confirmed else
                           _("You may not assign raters."))
            return redirect("materiality:rater_list", slug=slug)
        if form.is_valid():
            contact, user = form.cleaned_data["rater"]
            try:
                raters.assign_rater(assessment, form.chosen_topics(), contact=contact, user=user,
                                    acting_user=request.user)
            except (raters.RaterRefused, AssessmentFrozen) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved the rater's topics. A new rater's link is on its way."))
                return redirect("materiality:rater_list", slug=slug)
    per_rater, per_topic = raters.progress(assessment)
    return render(request, "materiality/rater_list.html", {
        "assessment": assessment, "form": form, "raters": per_rater, "topics": per_topic, "can_edit": can_edit,
    }, status=400 if form.is_bound and form.errors else 200)


def _assignment(slug: str, pk: int) -> RaterAssignment:
    return get_object_or_404(RaterAssignment.objects.select_related("assessment", "contact", "user"),
                             assessment__slug=slug, pk=pk)


def _act(request: HttpRequest, slug: str, action: object, done: str) -> HttpResponse:
    try:
        action()  # type: ignore[operator]
    except (raters.RaterRefused, AssessmentFrozen) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("materiality:rater_list", slug=slug)


@require_POST
@permission_required("materiality.change_raterassignment", raise_exception=True)
def rater_resend(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    assignment = _assignment(slug, pk)
    return _act(request, slug, lambda: raters.resend_link(assignment), _("A fresh link is on its way."))


@require_POST
@permission_required("materiality.delete_raterassignment", raise_exception=True)
def rater_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    assignment = _assignment(slug, pk)
    return _act(request, slug, lambda: raters.remove_assignment(assignment, acting_user=request.user),
                _("Removed the rater."))


@require_POST
@permission_required("materiality.change_raterassignment", raise_exception=True)
def rater_reminders(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = _assessment(slug)
    try:
        count = raters.send_reminders(assessment)
    except AssessmentFrozen as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Reminders queued: %(count)s.") % {"count": count})
    return redirect("materiality:rater_list", slug=slug)
