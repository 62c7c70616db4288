"""Invitation pages for the work team: who is invited, sending, reminders, resends and open links."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from materiality import enqueue
from materiality.models import Assessment
from surveys import mailing, services
from surveys.forms import GroupChoiceForm, OpenLinkForm
from surveys.models import Invitation
from surveys.services import SurveyError

PAGE_SIZE = 100


@permission_required("surveys.view_invitation", raise_exception=True)
def invitation_list(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment, slug=slug)
    invitations = (Invitation.objects.filter(questionnaire__assessment=assessment, is_open_link=False)
                   .select_related("contact", "group", "questionnaire").order_by("group__position", "contact__name"))
    status = request.GET.get("status", "")
    if status in Invitation.Status.values:
        invitations = invitations.filter(status=status)
    page = Paginator(invitations, PAGE_SIZE).get_page(request.GET.get("page"))
    open_links = (Invitation.objects.filter(questionnaire__assessment=assessment, is_open_link=True)
                  .select_related("group", "questionnaire"))
    return render(request, "surveys/invitation_list.html", {
        "assessment": assessment, "page": page, "status": status, "statuses": Invitation.Status.choices,
        "open_links": open_links, "group_form": GroupChoiceForm(assessment=assessment),
        "open_link_form": OpenLinkForm(assessment=assessment),
        "can_send": request.user.has_perm("surveys.add_invitation"),
        "can_remind": request.user.has_perm("surveys.change_invitation"),
    })


def chosen_groups(request: HttpRequest, assessment: Assessment) -> list[str] | None:
    form = GroupChoiceForm(request.POST, assessment=assessment)
    if not form.is_valid():
        return None
    return [g.code for g in form.cleaned_data["groups"]]


@require_POST
@permission_required("surveys.add_invitation", raise_exception=True)
def invitation_send(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment, slug=slug)
    codes = chosen_groups(request, assessment)
    if codes is None:
        messages.error(request, _("Choose groups of this assessment only."))
        return redirect("surveys:invitation_list", slug=slug)
    try:
        summary = services.invite_contacts(assessment, group_codes=codes)
    except (SurveyError, enqueue.BrokerUnavailable) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(created)s invitations created; %(queued)s e-mails are being sent in the "
                                    "background. Refresh to see each status.")
                         % {"created": summary.created, "queued": summary.queued})
        if summary.skipped_without_email:
            messages.warning(request, _("%(n)s contacts have no e-mail address and were not invited.")
                             % {"n": summary.skipped_without_email})
    return redirect("surveys:invitation_list", slug=slug)


@require_POST
@permission_required("surveys.change_invitation", raise_exception=True)
def invitation_remind(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment, slug=slug)
    codes = chosen_groups(request, assessment)
    if codes is None:
        messages.error(request, _("Choose groups of this assessment only."))
        return redirect("surveys:invitation_list", slug=slug)
    try:
        plan = services.send_reminders(assessment, group_codes=codes)
    except (SurveyError, enqueue.BrokerUnavailable) as exc:
        messages.error(request, str(exc))
        return redirect("surveys:invitation_list", slug=slug)
    if plan.queued:
        messages.success(request, _("Reminders are being sent to %(n)s people who have not answered yet.")
                         % {"n": plan.queued})
    elif not (plan.skipped_recent or plan.skipped_max):
        messages.info(request, _("Nobody to remind: everyone invited has answered, or nobody was sent an invitation."))
    if plan.skipped_recent:
        messages.info(request, _("%(n)s people were skipped because they were invited or reminded less than "
                                 "%(hours)s hours ago.")
                      % {"n": plan.skipped_recent, "hours": int(services.RECENTLY_MAILED.total_seconds() // 3600)})
    if plan.skipped_max:
        messages.info(request, _("%(n)s people were skipped because they already had %(max)s reminders.")
                      % {"n": plan.skipped_max, "max": mailing.MAX_REMINDERS})
    return redirect("surveys:invitation_list", slug=slug)


@require_POST
@permission_required("surveys.change_invitation", raise_exception=True)
def invitation_resend(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("contact", "questionnaire"),
                                   questionnaire__assessment__slug=slug, pk=pk)
    try:
        services.resend_invitation(invitation)
    except (SurveyError, enqueue.BrokerUnavailable) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("A new invitation is on its way to %(name)s. Earlier links keep working.")
                         % {"name": invitation.contact.name})
    return redirect("surveys:invitation_list", slug=slug)


@require_POST
@permission_required("surveys.add_invitation", raise_exception=True)
def open_link_create(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment, slug=slug)
    form = OpenLinkForm(request.POST, assessment=assessment)
    if not form.is_valid():
        messages.error(request, _("Choose a group that has a questionnaire."))
        return redirect("surveys:invitation_list", slug=slug)
    group = form.cleaned_data["group"]
    try:
        token = services.open_link(services.questionnaire_for_group(assessment, group), group)
    except SurveyError as exc:
        messages.error(request, str(exc))
        return redirect("surveys:invitation_list", slug=slug)
    return render(request, "surveys/open_link.html", {
        "assessment": assessment, "group": group, "url": mailing.link_url(token),
    })
