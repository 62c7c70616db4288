"""The committee workspace: review the latest run, comment, propose classes, approve, confirm; the report pack."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from materiality import committee as reads
from materiality import confirmation, pack_store, services
from materiality.confirm_form import ConfirmForm
from materiality.forms import ApprovalForm, CommentForm, OverrideForm, ReopenForm
from materiality.models import Approval, AssessmentFrozen, Comment, ConfirmedPack, ScoreRun, TopicScore
from materiality.views.downloads import attachment
from materiality.views.results import matrix_layer, overview_context

REFUSALS = (services.ReviewRefused, AssessmentFrozen)


def _assessment(slug: str) -> services.Assessment:
    return get_object_or_404(services.Assessment, slug=slug)


def _first_error(form: object) -> str:
    return next(iter(e for errors in form.errors.values() for e in errors), _("Check the form."))  # type: ignore[attr-defined]


@permission_required("materiality.review_assessment", raise_exception=True)
def committee(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = _assessment(slug)
    language = get_language()
    state = services.confirmation_state(assessment)
    run = state.run
    checks = confirmation.checks(assessment) if not assessment.is_confirmed else []
    confirm_form = ConfirmForm(assessment)
    context: dict[str, object] = {
        "assessment": assessment, "run": run, "state": state, "checks": checks,
        "blocked": [c for c in checks if c.blocks and not c.waivable],
        "waivable": [c for c in checks if c.blocks and c.waivable],
        "confirm_form": confirm_form, "waiver_fields": [confirm_form[f"waive_{c.key}"] for c in checks
                                                        if c.blocks and c.waivable],
        "pack": ConfirmedPack.objects.filter(assessment=assessment)
        .only("sha256", "size", "created_at").first(),
        "may_confirm": services.may_confirm(assessment, request.user),  # type: ignore[arg-type]
        "general_comments": Comment.objects.filter(assessment=assessment, topic=None),
        "approval_form": ApprovalForm(initial=_my_decision(run, request.user)),
        "decisions": Approval.objects.filter(run=run).select_related("member") if run else [],
        "class_choices": TopicScore.Classification.choices,
    }
    if run is not None:
        context.update(overview_context(run, assessment, language, matrix_layer(request)))
        comments: dict[int, list[Comment]] = {}
        for c in Comment.objects.filter(assessment=assessment, topic__isnull=False):
            comments.setdefault(c.topic_id, []).append(c)  # type: ignore[arg-type]
        iros = reads.topic_iros(run, language)
        context["has_iros"] = bool(iros)
        for s in context["scores"]:  # type: ignore[attr-defined]
            s.comments = comments.get(s.topic_id, [])
            s.iros = iros.get(s.topic_id, [])
    return render(request, "materiality/committee.html", context)


def _my_decision(run: ScoreRun | None, user: object) -> dict[str, str]:
    mine = Approval.objects.filter(run=run, member=user).first() if run else None
    return {"decision": mine.decision, "note": mine.note} if mine else {}


@require_POST
@permission_required("materiality.review_assessment", raise_exception=True)
def comment_add(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = _assessment(slug)
    form = CommentForm(request.POST)
    code = request.POST.get("topic", "")
    topic = assessment.library.topics.filter(code=code).first() if code else None
    if code and topic is None:
        messages.error(request, _("That topic is not in this assessment's library."))
    elif not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            services.add_comment(assessment, topic, form.cleaned_data["text"], acting_user=request.user)
        except REFUSALS as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Comment added."))
    return redirect(f"{_committee_url(slug)}#topic-{code}" if code else _committee_url(slug))


def _committee_url(slug: str) -> str:
    return reverse("materiality:committee", kwargs={"slug": slug})


@require_POST
@permission_required("materiality.review_assessment", raise_exception=True)
def override_set(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    assessment = _assessment(slug)
    topic = get_object_or_404(assessment.library.topics, code=code)
    run = services.latest_succeeded_run(assessment)
    form = OverrideForm(request.POST)
    if run is None:
        messages.error(request, _("There is no successful score run to review."))
    elif not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            result = services.override_class(run, topic, form.cleaned_data["new_class"],
                                             reason=form.cleaned_data["reason"],
                                             reason_zh=form.cleaned_data["reason_zh"], acting_user=request.user)
        except REFUSALS as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Class of %(code)s set by the committee.") % {"code": code} if result else
                             _("Override of %(code)s withdrawn: the computed class applies.") % {"code": code})
    return redirect(f"{_committee_url(slug)}#topic-{code}")


@require_POST
@permission_required("materiality.review_assessment", raise_exception=True)
def approval_record(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = _assessment(slug)
    run = services.latest_succeeded_run(assessment)
    form = ApprovalForm(request.POST)
    if run is None:
        messages.error(request, _("There is no successful score run to review."))
    elif not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            services.record_approval(run, member=request.user, decision=form.cleaned_data["decision"],
                                     note=form.cleaned_data["note"])
        except REFUSALS as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your decision is recorded."))
    return redirect("materiality:committee", slug=slug)


@require_POST
@permission_required("materiality.confirm_assessment", raise_exception=True)
def confirm(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = _assessment(slug)
    form = ConfirmForm(assessment, request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("materiality:committee", slug=slug)
    try:
        confirmed = services.confirm_assessment(assessment, acting_user=request.user, waivers=form.waivers())
    except REFUSALS as exc:
        messages.error(request, str(exc))
    else:
        if confirmed:
            messages.success(request, _("The assessment is confirmed and frozen. The report pack is ready."))
        else:
            messages.info(request, _("The assessment was already confirmed."))
    return redirect("materiality:committee", slug=slug)


@permission_required("materiality.add_assessment", raise_exception=True)
def reopen(request: HttpRequest, slug: str) -> HttpResponse:
    source = _assessment(slug)
    if not source.is_confirmed:
        messages.error(request, _("Only a confirmed assessment is reopened this way; this one can still be changed."))
        return redirect("materiality:committee", slug=slug)
    now = timezone.now()
    form = ReopenForm(request.POST or None, initial={
        "slug": f"{slug}-reopened", "name": _("%(name)s (reopened)") % {"name": source.name},
        "opens_at": now, "closes_at": now + dt.timedelta(days=30)})
    if request.method == "POST" and form.is_valid():
        try:
            new = services.reopen_as_new_assessment(source, acting_user=request.user, **form.cleaned_data)
        except (services.ReviewRefused, ValidationError) as exc:
            form.add_error(None, exc.messages if hasattr(exc, "messages") else str(exc))
        else:
            messages.success(request, _("New assessment %(name)s created from the confirmed one.") % {"name": new.name})
            return redirect("materiality:results", slug=new.slug)
    return render(request, "materiality/form_page.html", {
        "form": form, "title": _("Reopen as a new assessment"),
        "intro": _("A confirmed assessment stays frozen. The new one starts with its library, scale, thresholds "
                   "and group weights, and compares with it as last cycle.")})


@permission_required("materiality.view_results", raise_exception=True)
def pack(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = _assessment(slug)
    stored = pack_store.stored_pack(assessment)
    if stored is None:
        messages.error(request, _("The report pack is available once the committee has confirmed the assessment."))
        return redirect("materiality:results", slug=slug)
    return attachment(bytes(stored.content), f"report-pack-{slug}.zip", "application/zip")
