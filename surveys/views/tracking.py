"""Response tracking: rates per group and questionnaire (live), who has not answered, and quality flags."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from materiality.models import Assessment
from surveys import exclusions, services, tracking
from surveys.forms import AnswerForm
from surveys.models import Response
from surveys.views.respond import asked_topics, page_context, topic_counts

PAGE_SIZE = 100


@permission_required("materiality.view_assessment", raise_exception=True)
def response_tracking(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment, slug=slug)
    # The committee sees rates only: names and e-mails are for the work team.
    sees_people = request.user.has_perm("surveys.view_invitation")
    sees_responses = request.user.has_perm("surveys.view_response")
    questionnaires = list(assessment.questionnaires.prefetch_related("groups"))
    topics = services.questionnaire_topics(questionnaires[0]) if questionnaires else []
    context = {"assessment": assessment, "rates": tracking.response_rates(assessment),
               "sees_people": sees_people, "sees_responses": sees_responses, "topic_total": len(topics),
               "topics_asked": [(q, topic_counts(q, topics)) for q in questionnaires]}
    if sees_people:
        context["waiting"] = Paginator(tracking.not_answered(assessment), PAGE_SIZE).get_page(request.GET.get("page"))
    if sees_responses:
        context["flagged"] = tracking.flagged_responses(assessment)[:200]
    return render(request, "surveys/response_tracking.html", context)


@permission_required("materiality.view_assessment", raise_exception=True)
def response_rates_live(request: HttpRequest, slug: str) -> JsonResponse:
    """The numbers of the tracking page, polled by the page to stay current."""
    assessment = get_object_or_404(Assessment, slug=slug)
    rates = tracking.response_rates(assessment)
    return JsonResponse({
        "groups": [r.as_dict() for r in rates["groups"]],
        "questionnaires": [r.as_dict() for r in rates["questionnaires"]],
        "total": rates["total"].as_dict(),
        "at": timezone.localtime().strftime("%H:%M:%S"),
    })


@permission_required("surveys.view_response", raise_exception=True)
def response_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One response as the respondent left it, with its timing and quality flags."""
    response = get_object_or_404(
        Response.objects.select_related("questionnaire__assessment__library", "group", "invitation__contact"),
        assessment__slug=slug, pk=pk,
    )
    questionnaire = response.questionnaire
    topics = asked_topics(questionnaire, response.group_id)
    ratings = {r.topic_id: r for r in response.ratings.all()}
    form = AnswerForm(questionnaire, topics, questionnaire.assessment.scale, ratings=ratings)
    duration = (response.submitted_at - response.started_at).total_seconds() if response.submitted_at else None
    return render(request, "surveys/response_detail.html", {
        "response": response, "assessment": questionnaire.assessment,
        "rows": [(t, ratings.get(t.pk)) for t in topics], "items": form.items,
        "duration": duration, "pillars": page_context(questionnaire, form, "en")["pillars"],
        "can_exclude": request.user.has_perm("surveys.change_response") and not questionnaire.assessment.is_confirmed
        and response.status == Response.Status.SUBMITTED,
        "reason_limit": exclusions.MAX_REASON_LENGTH,
    })


@require_POST
@permission_required("surveys.change_response", raise_exception=True)
def response_exclude(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Leave the response out of scoring with the reason written on the page (audited)."""
    return _act(request, slug, pk, lambda r: exclusions.exclude_response(r, request.POST.get("reason", ""),
                                                                         acting_user=request.user),
                _("Response #%(id)s is excluded from scoring; run the scoring again to update the results."))


@require_POST
@permission_required("surveys.change_response", raise_exception=True)
def response_include(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Count an excluded response in scoring again (audited)."""
    return _act(request, slug, pk, lambda r: exclusions.include_response(r, acting_user=request.user),
                _("Response #%(id)s counts in scoring again; run the scoring again to update the results."))


def _act(request: HttpRequest, slug: str, pk: int, action: Callable[[Response], bool], done: str) -> HttpResponse:
    """Run one exclusion action and say on the response's page what happened (or why not)."""
    response = get_object_or_404(Response, assessment__slug=slug, pk=pk)
    try:
        changed = action(response)
    except services.SurveyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done % {"id": pk} if changed else _("Nothing changed."))
    return redirect("surveys:response_detail", slug=slug, pk=pk)
