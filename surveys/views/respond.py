"""The respondent's pages: no account, the link is the key. Every failure ends on link_closed.html, never a 500."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from materiality.models import AssessmentFrozen, Topic
from surveys import services
from surveys.forms import AnswerField, AnswerForm
from surveys.items import COMMENT_LABEL, HORIZON_LABEL
from surveys.models import Invitation, Questionnaire, Response
from surveys.services import AlreadySubmitted, Answer, Incomplete, LinkClosed

COOKIE_PREFIX = "dma_r"
CLOSED_STATUS = {LinkClosed.UNKNOWN: 404, LinkClosed.CLOSED: 410, LinkClosed.NOT_OPEN: 403, LinkClosed.SUBMITTED: 200,
                 LinkClosed.CONFIRMED: 410}
PILLARS = ["E", "S", "G"]
# An open link's browser cookie outlives the close date by this much, and every visit moves it to the current
# close date: a deadline extended after the first visit (even after the old date) still finds the draft.
OPEN_LINK_COOKIE_GRACE = dt.timedelta(days=90)
OPENED_SALT = "surveys.respond.opened"


def link_closed(request: HttpRequest, exc: LinkClosed) -> HttpResponse:
    """Say plainly why the link cannot be used, and show nothing else."""
    return render(request, "surveys/link_closed.html", {"reason": exc.reason, "questionnaire": exc.questionnaire},
                  status=CLOSED_STATUS[exc.reason])


def browser_cookie(invitation: Invitation) -> str:
    return f"{COOKIE_PREFIX}{invitation.pk}"


def use_contact_language(request: HttpRequest, invitation: Invitation) -> str | None:
    """Show a personal link in the contact's preferred language until they pick one; return it to remember."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES or invitation.contact_id is None:
        return None
    translation.activate(invitation.contact.language)
    request.LANGUAGE_CODE = translation.get_language()
    return invitation.contact.language


def remember(page: HttpResponse, invitation: Invitation, *, secret: str | None, language: str | None) -> HttpResponse:
    """Set (or refresh, to the questionnaire's current close date) the open link's cookie and the language."""
    if secret and invitation.is_open_link:
        page.set_cookie(browser_cookie(invitation), secret,
                        expires=invitation.questionnaire.closes_at + OPEN_LINK_COOKIE_GRACE, httponly=True,
                        samesite="Lax", secure=not settings.DEBUG)
    if language:
        page.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return page


def opened_stamp() -> str:
    """The signed time the questionnaire page was shown; the first save dates the response from it."""
    return signing.dumps(int(time.time()), salt=OPENED_SALT)


def opened_at(request: HttpRequest, invitation: Invitation) -> dt.datetime | None:
    """When the posting page was opened, from its signed stamp; else a personal link's first opening; else None."""
    try:
        seconds = int(signing.loads(request.POST.get("opened", ""), salt=OPENED_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return invitation.opened_at
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC) if seconds <= time.time() else invitation.opened_at


def browser_secret(request: HttpRequest, invitation: Invitation) -> str | None:
    """The open link's secret from this browser's cookie, or a new one (set by remember) when it has none."""
    secret = request.COOKIES.get(browser_cookie(invitation))
    if invitation.is_open_link and not secret:
        return secrets.token_urlsafe(32)
    return secret


def asked_topics(questionnaire: Questionnaire, group_id: int) -> list[Topic]:
    """The topics the questionnaire asks this group (all of the library's unless it asks a subset), in page order."""
    return questionnaire.topics_for(group_id, services.questionnaire_topics(questionnaire))


def topic_counts(questionnaire: Questionnaire, topics: list[Topic]) -> dict[object, int]:
    """How many topics the questionnaire asks each of its groups (the library's count unless it asks a subset)."""
    return {g: len(questionnaire.topics_for(g.pk, topics)) for g in questionnaire.groups.all()}


CARD_TEMPLATE = "surveys/_topic_card.html"
BLANK_CARDS: dict[tuple, str] = {}  # unanswered topic cards, the same for every respondent; per process
BLANK_CARDS_MAX = 2000


def topic_card(entry: dict[str, object], shared: dict[str, object], *, done: bool, missing: bool,
               published_at: dt.datetime | None) -> str:
    """Render one topic's card. An unanswered card of a published library is the same for every respondent (its
    text is read-only), so it is kept per process, keyed by everything it shows; answered cards render each time.
    """
    fields: list[AnswerField] = entry["fields"]
    key = None
    if published_at is not None and not done and not missing and not any(f.value for f in fields):
        key = (translation.get_language(), shared["language"], published_at, entry["topic"].pk,
               tuple(shared["scale_choices"]), tuple((f.name, f.kind) for f in fields))
        if (html := BLANK_CARDS.get(key)) is not None:
            return html
    html = get_template(CARD_TEMPLATE).render({**shared, "t": entry, "done": done, "missing": missing})
    if key is not None:
        if len(BLANK_CARDS) >= BLANK_CARDS_MAX:
            BLANK_CARDS.clear()
        BLANK_CARDS[key] = html
    return html


def page_context(questionnaire: Questionnaire, form: AnswerForm, language: str,
                 answered_ids: set[int] = frozenset(), missing_ids: set[int] = frozenset()) -> dict[str, object]:
    """The questionnaire page's context; each topic's `card` renders when the template asks for it."""
    shared = {"scale_choices": form.scale_choices(), "horizon_choices": form.horizon_choices(),
              "horizon_label": HORIZON_LABEL, "comment_label": COMMENT_LABEL, "language": language}
    published_at = questionnaire.assessment.library.published_at
    pillars = []
    labels = dict(Topic.Pillar.choices)
    for code in PILLARS:
        topics = [t for t in form.topics if t.pillar == code]
        if topics:
            entries = [{"topic": t, "name": t.name_for(language), "description": t.description_for(language),
                        "fields": form.fields_for(t)} for t in topics]
            for entry in entries:
                entry["card"] = functools.partial(topic_card, entry, shared, published_at=published_at,
                                                  done=entry["topic"].pk in answered_ids,
                                                  missing=entry["topic"].pk in missing_ids)
            pillars.append({"code": code, "label": labels[code], "topics": entries})
    return {"questionnaire": questionnaire, "title": questionnaire.title_for(language),
            "intro": questionnaire.intro_for(language), "pillars": pillars, "form": form,
            "scale_choices": shared["scale_choices"], "horizon_choices": shared["horizon_choices"],
            "total": len(form.topics), "horizon_label": HORIZON_LABEL, "comment_label": COMMENT_LABEL,
            "items": form.items, "one_topic_per_screen": questionnaire.one_topic_per_screen}


@login_not_required
@never_cache
def respond(request: HttpRequest, token: str) -> HttpResponse:
    """The landing page: purpose, time needed, privacy, and where the respondent left off."""
    try:
        invitation = services.find_invitation(token)
        language = use_contact_language(request, invitation)
        services.mark_opened(invitation)
        response = services.find_response(invitation, request.COOKIES.get(browser_cookie(invitation)))
        if response and response.status == Response.Status.SUBMITTED:
            raise LinkClosed(LinkClosed.SUBMITTED, invitation.questionnaire)
    except LinkClosed as exc:
        return link_closed(request, exc)
    questionnaire = invitation.questionnaire
    current = translation.get_language()
    topics = asked_topics(questionnaire, invitation.group_id)
    page = render(request, "surveys/respond_landing.html", {
        "token": token, "invitation": invitation, "questionnaire": questionnaire,
        "title": questionnaire.title_for(current), "intro": questionnaire.intro_for(current),
        "minutes": questionnaire.estimated_minutes(len(topics)), "total": len(topics),
        "answered": len(services.answered_topic_ids(response)) if response else 0, "has_draft": response is not None,
    })
    return remember(page, invitation, secret=request.COOKIES.get(browser_cookie(invitation)), language=language)


@login_not_required
@never_cache
def respond_form(request: HttpRequest, token: str) -> HttpResponse:
    """The questionnaire: GET shows the saved answers and writes nothing; POST saves, switches language, or submits."""
    try:
        invitation = services.find_invitation(token)
        language = use_contact_language(request, invitation)
        secret = browser_secret(request, invitation)
        if request.method == "POST":
            response = services.start_response(invitation, browser_secret=secret, language=translation.get_language(),
                                               started_at=opened_at(request, invitation))
        else:
            services.mark_opened(invitation)
            response = services.find_response(invitation, secret)  # None until the first save: a crawler adds no row
            if response and response.status == Response.Status.SUBMITTED:
                raise LinkClosed(LinkClosed.SUBMITTED, invitation.questionnaire)
    except LinkClosed as exc:
        return link_closed(request, exc)
    except AssessmentFrozen:
        return link_closed(request, LinkClosed(LinkClosed.CONFIRMED, invitation.questionnaire))
    questionnaire = invitation.questionnaire
    if response is not None:
        response.invitation, response.questionnaire = invitation, questionnaire
    topics = asked_topics(questionnaire, invitation.group_id)
    errors: list[str] = []
    missing: list[Topic] = []
    if request.method == "POST":
        form = AnswerForm(questionnaire, topics, questionnaire.assessment.scale, data=request.POST)
        if form.is_valid():
            switch = request.POST.get("switch_language")
            if switch in dict(settings.LANGUAGES):
                translation.activate(switch)
                language = switch
            try:
                if request.POST.get("action") == "submit":
                    services.submit_answers(response, form.answers(), topics, language=translation.get_language())
                    return remember(redirect("surveys:respond_thanks", token=token), invitation, secret=secret,
                                    language=language)
                services.save_answers(response, form.answers(), language=translation.get_language())
            except AlreadySubmitted:
                return link_closed(request, LinkClosed(LinkClosed.SUBMITTED, questionnaire))
            except LinkClosed as exc:
                return link_closed(request, exc)
            except AssessmentFrozen:
                return link_closed(request, LinkClosed(LinkClosed.CONFIRMED, questionnaire))
            except Incomplete as exc:
                missing = exc.topics
            else:
                target = reverse("surveys:respond_form", kwargs={"token": token})
                target += "#top" if switch else "?saved=1"
                return remember(redirect(target), invitation, secret=secret, language=language)
        errors = form.errors
    ratings = {r.topic_id: r for r in response.ratings.all()} if response is not None else {}
    answered = services.answered_topic_ids(response, ratings.values()) if response is not None else set()
    page = questionnaire_page(request, token, questionnaire, topics, ratings, answered, errors=errors, missing=missing,
                              status=400 if errors or missing else 200)
    return remember(page, invitation, secret=secret, language=language)


def questionnaire_page(request: HttpRequest, token: str, questionnaire: Questionnaire, topics: list[Topic],
                       ratings: dict[int, object], answered: set[int], *, errors: list[str] = (),
                       missing: list[Topic] = (), notice: str = "", status: int = 200) -> HttpResponse:
    """Render the questionnaire with the given answers (stored ratings, or posted answers kept after a refusal)."""
    current = translation.get_language()
    form = AnswerForm(questionnaire, topics, questionnaire.assessment.scale, ratings=ratings)
    context = page_context(questionnaire, form, current, answered, {t.pk for t in missing})
    context.update({
        "token": token, "errors": errors, "missing": [(t.pk, t.code, t.name_for(current)) for t in missing],
        "answered": len(answered), "answered_ids": answered, "saved": request.GET.get("saved") == "1",
        "draft_url": reverse("surveys:respond_draft", kwargs={"token": token}),
        "session_url": reverse("surveys:respond_session", kwargs={"token": token}),
        "opened": request.POST.get("opened") or opened_stamp(), "notice": notice,
    })
    return render(request, "surveys/respond_form.html", context, status=status)


def after_csrf_failure(request: HttpRequest, token: str) -> HttpResponse:
    """The questionnaire again after a refused CSRF check (cookie gone or rotated), with every typed answer.

    Nothing posted is trusted or saved: the page only shows the answers back, with a fresh token, so pressing
    the button again goes through. The page's own language (posted with the form) is kept even without a cookie.
    """
    language = request.POST.get("switch_language") or request.POST.get("page_language")
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language
    else:
        language = None
    try:
        invitation = services.find_invitation(token)
    except LinkClosed as exc:
        return link_closed(request, exc)
    questionnaire = invitation.questionnaire
    topics = asked_topics(questionnaire, invitation.group_id)
    form = AnswerForm(questionnaire, topics, questionnaire.assessment.scale, data=request.POST)
    form.is_valid()  # keep what parses; a tampered value is simply not shown back
    posted: dict[int, Answer] = {t.pk: a for t, a in form.answers().items()}
    required = questionnaire.required_items()
    answered = {pk for pk, a in posted.items() if services.is_complete(a, required)}
    page = questionnaire_page(
        request, token, questionnaire, topics, posted, answered, status=403,
        notice=_("Your answers are still here, but the page had to be refreshed for security. Please check them "
                 "and press the button again."))
    return remember(page, invitation, secret=browser_secret(request, invitation), language=language)


def closed_json(exc: LinkClosed) -> JsonResponse:
    """Why a link cannot be used, for the page's script; a submitted response is a conflict."""
    status = 409 if exc.reason == LinkClosed.SUBMITTED else CLOSED_STATUS[exc.reason]
    return JsonResponse({"error": exc.reason}, status=status)


@login_not_required
@never_cache
@require_GET
def respond_session(request: HttpRequest, token: str) -> JsonResponse:
    """A fresh CSRF token (and, for an open link, this browser's cookie) for autosave to retry with."""
    try:
        invitation = services.find_invitation(token)
    except LinkClosed as exc:
        return closed_json(exc)
    page = JsonResponse({"csrf": get_token(request)})
    return remember(page, invitation, secret=browser_secret(request, invitation), language=None)


@login_not_required
@require_POST
def respond_draft(request: HttpRequest, token: str) -> JsonResponse:
    """Autosave: store the topics the page sends and return the progress, as JSON."""
    try:
        invitation = services.find_invitation(token)
        secret = request.COOKIES.get(browser_cookie(invitation))
        if invitation.is_open_link and not secret:
            return JsonResponse({"error": "no-session"}, status=400)
        response = services.find_response(invitation, secret)
        if response is None:
            response = services.start_response(invitation, browser_secret=secret,
                                               language=translation.get_language(),
                                               started_at=opened_at(request, invitation))
        if response.status == Response.Status.SUBMITTED:
            raise LinkClosed(LinkClosed.SUBMITTED, invitation.questionnaire)
    except LinkClosed as exc:
        return closed_json(exc)
    except AssessmentFrozen:
        return JsonResponse({"error": LinkClosed.CONFIRMED}, status=CLOSED_STATUS[LinkClosed.CONFIRMED])
    response.questionnaire = invitation.questionnaire
    topics = asked_topics(invitation.questionnaire, invitation.group_id)
    form = AnswerForm(invitation.questionnaire, topics, invitation.questionnaire.assessment.scale, data=request.POST)
    if not form.is_valid():
        return JsonResponse({"error": "invalid", "messages": [str(m) for m in form.errors]}, status=400)
    try:
        saved = services.save_answers(response, form.answers())
    except AlreadySubmitted:
        return JsonResponse({"error": "submitted"}, status=409)
    except AssessmentFrozen:
        return JsonResponse({"error": LinkClosed.CONFIRMED}, status=CLOSED_STATUS[LinkClosed.CONFIRMED])
    answered = services.answered_topic_ids(response)
    return JsonResponse({"saved": saved, "answered": len(answered), "total": len(topics),
                         "answered_ids": sorted(answered)})


@login_not_required
@never_cache
def respond_thanks(request: HttpRequest, token: str) -> HttpResponse:
    """Thank the respondent once the answers are in; otherwise send them back to the questionnaire."""
    try:
        invitation = services.find_invitation(token)
    except LinkClosed as exc:
        if exc.reason != LinkClosed.SUBMITTED:
            return link_closed(request, exc)
        return render(request, "surveys/respond_thanks.html", {"questionnaire": exc.questionnaire})
    response = services.find_response(invitation, request.COOKIES.get(browser_cookie(invitation)))
    if response and response.status == Response.Status.SUBMITTED:
        return render(request, "surveys/respond_thanks.html", {"questionnaire": invitation.questionnaire})
    return redirect("surveys:respond", token=token)
