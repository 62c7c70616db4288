"""The rater's secret-link page (issue 12.2): no account, the link is the key. Every failure ends on
rate_closed.html, never a 500. A few queries whatever the number of IROs: the link, the IROs, the saved ratings."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from materiality import iro_ratings, rater_forms, raters
from materiality.models import AssessmentFrozen, Iro, IroRating, RaterAssignment
from materiality.raters import LinkClosed

CLOSED_STATUS = {LinkClosed.UNKNOWN: 404, LinkClosed.SUBMITTED: 200, LinkClosed.CONFIRMED: 410}


def closed(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "materiality/rate_closed.html", {"reason": reason}, status=CLOSED_STATUS[reason])


def use_rater_language(request: HttpRequest, assignment: RaterAssignment) -> str | None:
    """Show the page in a contact's preferred language until they pick one; return it to remember."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES or assignment.contact_id is None:
        return None
    translation.activate(assignment.contact.language)
    request.LANGUAGE_CODE = translation.get_language()
    return assignment.contact.language


def remember_language(page: HttpResponse, language: str | None) -> HttpResponse:
    if language:
        page.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return page


def saved_ratings(assignment: RaterAssignment) -> dict[int, IroRating]:
    return {r.iro_id: r for r in IroRating.objects.filter(assignment=assignment, rater=assignment.rater_key)}


def page_context(assignment: RaterAssignment, iros: list[Iro], ratings: dict[int, IroRating]) -> dict:
    """Cards grouped by topic, each IRO with exactly its criteria and the rater's saved choices."""
    language = translation.get_language()
    scale = assignment.assessment.scale
    topics: dict[int, dict] = {}
    done = 0
    for iro in iros:
        rating = ratings.get(iro.pk)
        finished = rater_forms.is_done(iro, rating)
        done += finished
        entry = topics.setdefault(iro.topic_id, {"topic": iro.topic, "name": iro.topic.name_for(language),
                                                 "iros": []})
        entry["iros"].append({"iro": iro, "title": iro.title_for(language),
                              "description": iro.description_for(language),
                              "fields": rater_forms.fields_for(iro, rating, scale), "done": finished,
                              "rationale_name": rater_forms.rationale_name(iro),
                              "rationale": rating.rationale if rating else ""})
    return {"assignment": assignment, "assessment": assignment.assessment,
            "assessment_name": assignment.assessment.name_for(language), "topics": list(topics.values()),
            "scale_choices": [str(v) for v in range(1, scale + 1)], "total": len(iros), "answered": done,
            "rater_name": raters.rater_mailing.rater_name(assignment)}


@login_not_required
@never_cache
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """The rating page: GET shows the saved ratings; POST saves them, switches language, or submits."""
    try:
        assignment = raters.find_assignment(token)
    except LinkClosed as exc:
        return closed(request, exc.reason)
    language = use_rater_language(request, assignment)
    raters.mark_opened(assignment)
    iros = raters.iros_to_rate(assignment)
    errors: list[str] = []
    missing: list[Iro] = []
    if request.method == "POST":
        answers, errors = rater_forms.answers(request.POST, {i.pk: i for i in iros}, assignment.assessment.scale)
        if not errors:
            switch = request.POST.get("switch_language")
            if switch in dict(settings.LANGUAGES):
                translation.activate(switch)
                language = switch
            try:
                if request.POST.get("action") == "submit":
                    iro_ratings.submit_ratings(assignment, answers, iros)
                    return redirect("materiality:rate_thanks", token=token)
                iro_ratings.save_ratings(assignment, answers)
            except iro_ratings.AlreadySubmitted:
                return closed(request, LinkClosed.SUBMITTED)
            except AssessmentFrozen:
                return closed(request, LinkClosed.CONFIRMED)
            except iro_ratings.Incomplete as exc:
                missing = exc.missing
            else:
                target = reverse("materiality:rate", kwargs={"token": token}) + ("#top" if switch else "?saved=1")
                return remember_language(redirect(target), language)
    context = page_context(assignment, iros, saved_ratings(assignment))
    context.update({"token": token, "errors": errors, "saved": request.GET.get("saved") == "1",
                    "missing": [(i.pk, i.code, i.title_for(translation.get_language())) for i in missing],
                    "draft_url": reverse("materiality:rate_draft", kwargs={"token": token})})
    page = render(request, "materiality/rate_page.html", context, status=400 if errors or missing else 200)
    return remember_language(page, language)


@login_not_required
@require_POST
def rate_draft(request: HttpRequest, token: str) -> JsonResponse:
    """Autosave: store the IROs the page sends (static/js/autosave.js) and say how many are done, as JSON."""
    try:
        assignment = raters.find_assignment(token)
    except LinkClosed as exc:
        return JsonResponse({"error": exc.reason}, status=409 if exc.reason == LinkClosed.SUBMITTED else
                            CLOSED_STATUS[exc.reason])
    iros = raters.iros_to_rate(assignment)
    answers, errors = rater_forms.answers(request.POST, {i.pk: i for i in iros}, assignment.assessment.scale)
    if errors:
        return JsonResponse({"error": "invalid", "messages": errors}, status=400)
    try:
        saved = iro_ratings.save_ratings(assignment, answers)
    except iro_ratings.AlreadySubmitted:
        return JsonResponse({"error": LinkClosed.SUBMITTED}, status=409)
    except AssessmentFrozen:
        return JsonResponse({"error": LinkClosed.CONFIRMED}, status=410)
    return JsonResponse({"saved": saved})


@login_not_required
@never_cache
def rate_thanks(request: HttpRequest, token: str) -> HttpResponse:
    """Thank the rater once the ratings are in; otherwise send them back to the page."""
    try:
        raters.find_assignment(token)
    except LinkClosed as exc:
        if exc.reason == LinkClosed.SUBMITTED:
            return render(request, "materiality/rate_thanks.html")
        return closed(request, exc.reason)
    return redirect("materiality:rate", token=token)
