"""Assessment cycle and questionnaire pages: the work team edits, the committee may look."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from materiality.models import Assessment
from surveys import services, tracking
from surveys.forms import AnswerForm, AssessmentForm, QuestionnaireForm
from surveys.models import Questionnaire
from surveys.services import SurveyError
from surveys.views.respond import asked_topics, page_context, topic_counts


@permission_required("materiality.view_assessment", raise_exception=True)
def assessment_list(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/assessment_list.html", {"assessments": tracking.assessments_with_submitted()})


@permission_required("materiality.add_assessment", raise_exception=True)
def assessment_create(request: HttpRequest) -> HttpResponse:
    form = AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = services.create_assessment(
                slug=data["slug"], name=data["name"], name_zh=data["name_zh"], library=data["library"],
                weights=form.weights(),
                scale=data["scale"], major=data["major_threshold"], important=data["important_threshold"],
                opens_at=data["opens_at"], closes_at=data["closes_at"], previous=data["previous"],
                created_by=request.user, default_questionnaires=data["default_questionnaires"],
                acting_user=request.user, method=data["method"], severity_rule=data["severity_rule"],
            )
        except SurveyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Assessment %(name)s created.") % {"name": assessment.name})
            return redirect("surveys:assessment_detail", slug=assessment.slug)
    return render(request, "surveys/assessment_form.html", {"form": form, "title": _("New assessment")})


@permission_required("materiality.view_assessment", raise_exception=True)
def assessment_detail(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment.objects.select_related("library", "previous"), slug=slug)
    questionnaires = assessment.questionnaires.prefetch_related("groups")
    topics = services.questionnaire_topics(questionnaires[0]) if questionnaires else []
    return render(request, "surveys/assessment_detail.html", {
        "assessment": assessment,
        "weights": assessment.group_weights.select_related("group"),
        "questionnaires": [(q, q.estimated_minutes(max(asked.values(), default=len(topics))), asked)
                           for q in questionnaires for asked in [topic_counts(q, topics)]],
        "topic_total": len(topics),
        "can_edit": request.user.has_perm("materiality.change_assessment") and not assessment.is_confirmed,
        "other_language": "en" if translation.get_language().startswith("zh") else "zh-hans",
    })


@permission_required("materiality.change_assessment", raise_exception=True)
def assessment_edit(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment, slug=slug)
    if assessment.is_confirmed:
        messages.error(request, _("This assessment is confirmed and can no longer be changed."))
        return redirect("surveys:assessment_detail", slug=slug)
    form = AssessmentForm(request.POST or None, instance=assessment)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_assessment(form.instance, weights=form.weights(), acting_user=request.user)
        except SurveyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Changes saved."))
            return redirect("surveys:assessment_detail", slug=slug)
    return render(request, "surveys/assessment_form.html", {
        "form": form, "title": _("Edit %(name)s") % {"name": assessment.name}, "assessment": assessment,
    })


@permission_required("surveys.add_questionnaire", raise_exception=True)
def questionnaire_create(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment, slug=slug)
    return questionnaire_form(request, assessment, Questionnaire(assessment=assessment))


@permission_required("surveys.change_questionnaire", raise_exception=True)
def questionnaire_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    questionnaire = get_object_or_404(Questionnaire, assessment__slug=slug, pk=pk)
    return questionnaire_form(request, questionnaire.assessment, questionnaire)


def questionnaire_form(request: HttpRequest, assessment: Assessment, questionnaire: Questionnaire) -> HttpResponse:
    if assessment.is_confirmed:
        messages.error(request, _("This assessment is confirmed and can no longer be changed."))
        return redirect("surveys:assessment_detail", slug=assessment.slug)
    form = QuestionnaireForm(request.POST or None, instance=questionnaire, assessment=assessment)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_questionnaire(form.instance, groups=form.cleaned_data["groups"],
                                        acting_user=request.user)
        except SurveyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Questionnaire saved."))
            return redirect("surveys:assessment_detail", slug=assessment.slug)
    title = _("Edit questionnaire") if questionnaire.pk else _("New questionnaire")
    return render(request, "surveys/assessment_form.html", {"form": form, "title": title, "assessment": assessment})


@permission_required("surveys.view_questionnaire", raise_exception=True)
def questionnaire_preview(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Show the questionnaire exactly as a respondent sees it, in the chosen language; nothing can be saved."""
    questionnaire = get_object_or_404(Questionnaire.objects.select_related("assessment__library"),
                                      assessment__slug=slug, pk=pk)
    language = request.GET.get("lang") or translation.get_language()
    if language not in ("en", "zh-hans"):
        language = "en"
    # A questionnaire asking some groups only some topics shows one group's questionnaire (?group=id, else the first).
    groups = list(questionnaire.groups.order_by("position", "code"))
    group = next((g for g in groups if str(g.pk) == request.GET.get("group")), groups[0] if groups else None)
    topics = asked_topics(questionnaire, group.pk) if group else services.questionnaire_topics(questionnaire)
    with translation.override(language):
        form = AnswerForm(questionnaire, topics, questionnaire.assessment.scale)
        context = page_context(questionnaire, form, language)
        context.update({
            "preview": True, "answered": 0, "answered_ids": set(), "errors": [], "missing": [],
            "preview_language": language, "back_url": reverse("surveys:assessment_detail", kwargs={"slug": slug}),
            "minutes": questionnaire.estimated_minutes(len(topics)),
        })
        html = render_to_string("surveys/respond_form.html", context, request=request)
    return HttpResponse(html)
