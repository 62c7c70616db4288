"""The step-3 register: one entry per major or important topic, edited by the work team until confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from materiality import confirmation, services
from materiality import register_prefill as prefill
from materiality.forms import RegisterEntryForm
from materiality.models import Assessment, AssessmentFrozen, RegisterEntry, TopicScore


def group_choices(assessment: Assessment, language: str | None) -> list[tuple[str, str]]:
    return [(ag.group.code, ag.group.name_for(language)) for ag in assessment.group_weights.select_related("group")]


@permission_required("materiality.view_registerentry", raise_exception=True)
def register(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment, slug=slug)
    language = get_language()
    names = dict(group_choices(assessment, language))
    entries = {e.topic_id: e for e in RegisterEntry.objects.filter(assessment=assessment)}
    iro_counts = prefill.topics_with_iros(assessment)
    labels = dict(TopicScore.Classification.choices)
    rows = []
    for score, cls in services.register_topics(assessment):
        entry = entries.get(score.topic_id)
        rows.append({"score": score, "class": cls, "class_label": labels[cls], "name": score.topic.name_for(language),
                     "entry": entry, "iros": iro_counts.get(score.topic_id, 0),
                     "missing": [confirmation.REGISTER_PARTS[p] for p in confirmation.missing_register_parts(entry)],
                     "groups": [names.get(c, c) for c in (entry.stakeholder_groups if entry else [])]})
    esrs = assessment.method == Assessment.Method.ESRS_1
    return render(request, "materiality/register.html", {
        "assessment": assessment, "rows": rows, "important_threshold": assessment.important_threshold,
        "groups_source": prefill.SOURCES["iro_groups" if esrs else "group_scores"], "esrs": esrs,
        "can_edit": request.user.has_perm("materiality.change_registerentry") and not assessment.is_confirmed,
    })


@require_POST
@permission_required("materiality.add_registerentry", raise_exception=True)
def register_prefill(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment, slug=slug)
    try:
        created = services.prefill_register(assessment, acting_user=request.user)
    except AssessmentFrozen as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(n)d entries pre-filled; existing entries were kept.") % {"n": created})
    return redirect("materiality:register", slug=slug)


@permission_required("materiality.change_registerentry", raise_exception=True)
def register_edit(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment, slug=slug)
    topic = get_object_or_404(assessment.library.topics, code=code)
    if assessment.is_confirmed:
        messages.error(request, _("This assessment is confirmed and can no longer change. "
                                  "Create a new assessment from it to reopen the analysis."))
        return redirect("materiality:register", slug=slug)
    entry = RegisterEntry.objects.filter(assessment=assessment, topic=topic).first()
    form = RegisterEntryForm(request.POST or None, instance=entry,
                             group_choices=group_choices(assessment, get_language()))
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in services.REGISTER_FIELDS}
        try:
            services.save_register_entry(assessment, topic, values=values, acting_user=request.user)
        except (AssessmentFrozen, services.ReviewRefused) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Register entry for %(code)s saved.") % {"code": code})
        return redirect("materiality:register", slug=slug)
    return render(request, "materiality/form_page.html", {
        "form": form, "title": _("Step-3 register · %(code)s %(name)s") % {
            "code": topic.code, "name": topic.name_for(get_language())}})
