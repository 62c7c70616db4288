"""Results pages: the matrix, ranked table, per-group heat map, sensitivity and movement; the run button and status."""

from __future__ import annotations

import pandas as pd
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from materiality import aggregation, crosswalk, enqueue, esrs_aggregation, esrs_scoring, exports, runs, services
from materiality.models import Assessment, AssessmentFrozen, GroupScore, IroRating, IroScore, ScoreRun, TopicScore
from materiality.scoring import finite_or_none
from materiality.views.downloads import attachment
from stakeholders.models import StakeholderGroup

SCENARIO_LABELS = {
    "equal_weights": gettext_lazy("All groups weighted equally"),
    "internal_only": gettext_lazy("Internal respondents only"),
    "external_only": gettext_lazy("External respondents only"),
    "major_plus": gettext_lazy("Major threshold +0.25"),
    "major_minus": gettext_lazy("Major threshold −0.25"),
    "important_plus": gettext_lazy("Important threshold +0.25"),
    "important_minus": gettext_lazy("Important threshold −0.25"),
    # esrs-1: a rater's severity under each rule (the run's own rule changes nothing)
    "rule_mean_max": gettext_lazy("Severity rule (mean + highest) / 2"),
    "rule_mean": gettext_lazy("Severity rule: mean"),
    "rule_max": gettext_lazy("Severity rule: highest"),
}
MATERIAL = ("major", "important")
CLASS_LABELS = {**dict(TopicScore.Classification.choices), "": gettext_lazy("no answers")}
# The matrix's markers as the text description names them: shape, its word, fill colour. They follow
# materiality.matrix.PILLAR_STYLES (not imported: matplotlib belongs to the worker, not to web processes);
# tests/materiality/test_matrix_figure.py keeps the two in step.
MATRIX_MARKERS = {
    "E": ("circle", gettext_lazy("circle"), "#0072B2"),
    "S": ("square", gettext_lazy("square"), "#D55E00"),
    "G": ("triangle", gettext_lazy("triangle"), "#000000"),
    "": ("diamond", gettext_lazy("diamond"), "#6C757D"),
}
HORIZON_LABELS = {"short": gettext_lazy("Short term"), "medium": gettext_lazy("Medium term"),
                  "long": gettext_lazy("Long term"), "": "—"}


def heat_colour(value: float | None, scale: int) -> str:
    """Return a background colour from white (1) to deep green (S) for a group's mean rating."""
    if value is None:
        return "transparent"
    share = max(0.0, min(1.0, (value - 1) / max(scale - 1, 1)))
    return f"hsl(140, 55%, {int(97 - 55 * share)}%)"


def run_state(run: ScoreRun | None) -> dict[str, object] | None:
    if run is None:
        return None
    return {
        "id": run.pk, "status": run.status, "status_label": str(run.get_status_display()), "stage": run.stage,
        "stage_label": run.stage_label,
        "label": _("Run %(id)s: %(status)s") % {"id": run.pk, "status": run.get_status_display()},
        "progress": run.progress, "error": runs.error_text(run), "is_stale": services.is_stale(run),
        "is_finished": run.is_finished,
    }


def heat_map(run: ScoreRun, scale: int, language: str | None) -> dict[str, object]:
    rows = GroupScore.objects.filter(run=run).select_related("group", "topic")
    groups = sorted({r.group for r in rows}, key=lambda g: (g.position, g.code))
    cells: dict[tuple[int, int], GroupScore] = {(r.topic_id, r.group_id): r for r in rows}
    asked = run.params.get("asked") or {}  # a group asked only some topics shows "not asked" for the others
    groups = sorted({*groups, *StakeholderGroup.objects.filter(code__in=list(asked))}, key=lambda g: (g.position, g.code))
    table = []
    for score in run.topic_scores.select_related("topic").order_by("rank"):
        line = []
        for group in groups:
            cell = cells.get((score.topic_id, group.pk))
            line.append({
                "not_asked": group.code in asked and score.topic.code not in asked[group.code],
                "impact": cell.impact if cell else None, "financial": cell.financial if cell else None,
                "n": cell.n_impact if cell else 0, "colour": heat_colour(cell.impact if cell else None, scale),
            })
        table.append({"topic": score.topic, "name": score.topic.name_for(language), "cells": line})
    return {"groups": [(g, g.name_for(language)) for g in groups], "rows": table}


def overview_context(run: ScoreRun, assessment: Assessment, language: str | None,
                     layer: str = "") -> dict[str, object]:
    """Return what the results overview and ranked table show of a run (shared with the committee workspace).

    `layer` is the page's ?matrix=: "iros" shows an esrs-1 run's matrix with its IROs as points.
    """
    classes = services.final_classes(run)
    scores = list(run.topic_scores.select_related("topic").order_by("rank"))
    for s in scores:
        s.name = s.topic.name_for(language)  # type: ignore[attr-defined]
        s.period_label = HORIZON_LABELS.get(s.influence_period, s.influence_period)  # type: ignore[attr-defined]
        s.override = classes[s.topic_id][1]  # type: ignore[attr-defined]
        s.marker = MATRIX_MARKERS.get(s.topic.pillar, MATRIX_MARKERS[""])  # type: ignore[attr-defined]
    names = {s.topic.code: s.name for s in scores}  # type: ignore[attr-defined]
    overridden = any(s.override for s in scores)  # type: ignore[attr-defined]
    equal_weights = len(set(run.params.get("weights", {}).values())) <= 1
    return {
        "scores": scores,
        "has_previous": any(s.previous_topics or s.is_new for s in scores),
        "counts": services.class_counts(scores),
        # What the committee's overrides make of the counts (what a confirmation publishes).
        "final_counts": services.class_counts(scores, {tid: c for tid, (c, _o) in classes.items()})
        if overridden else None,
        "borderline": [s for s in scores if s.is_borderline],
        "sensitivity": [
            {"label": SCENARIO_LABELS[key],
             "note": _("the weights are already equal") if key == "equal_weights" and equal_weights else "",
             "changes": [{"code": c, "name": names.get(c, c), "before": CLASS_LABELS.get(b, b),
                          "after": CLASS_LABELS.get(a, a)} for c, b, a in changes]}
            for key, changes in run.sensitivity.items() if key in SCENARIO_LABELS
        ],
        "params": run.params,
        "matrix_iros": iro_points(run, scores, language) if layer == "iros" and run.matrix_iros_svg else None,
    }


def matrix_layer(request: HttpRequest) -> str:
    """The matrix the page asked for (?matrix=iros: with the IROs as points); the topics alone otherwise."""
    return "iros" if request.GET.get("matrix") == "iros" else ""


def iro_points(run: ScoreRun, scores: list[TopicScore], language: str | None) -> list[dict[str, object]]:
    """Return where the matrix with IROs places each IRO (its long description), topic by topic in rank order."""
    rows = list(IroScore.objects.filter(run=run, score__isnull=False).select_related("iro", "iro__topic"))
    if not rows:
        return []
    scored = pd.DataFrame([(r.iro.code, r.iro.topic.code, r.iro.kind, r.score, r.material) for r in rows],
                          columns=["iro", "topic", "kind", "score", "material"]).set_index("iro")
    topics = pd.DataFrame([(s.topic.code, s.impact, s.financial) for s in scores],
                          columns=["topic", "impact", "financial"]).set_index("topic")
    placed = esrs_scoring.iro_positions(scored, topics)
    order = {s.topic.code: i for i, s in enumerate(scores)}
    by_code = {r.iro.code: r for r in rows}
    points = []
    for code, point in placed.iterrows():
        row = by_code[str(code)]
        points.append({
            "code": code, "title": row.iro.title_for(language), "topic": row.iro.topic.code,
            "kind": row.iro.get_kind_display(), "score": row.score, "material": row.material,
            "financial": point["financial"], "impact": point["impact"],
            # the IRO that gives its topic the score on its axis sits under the topic's marker
            "at_topic": point["financial"] == point["topic_financial"] and point["impact"] == point["topic_impact"],
        })
    return sorted(points, key=lambda p: (order.get(str(p["topic"]), len(order)), -float(p["score"]), str(p["code"])))


def iro_context(run: ScoreRun, assessment: Assessment, scores: list[TopicScore],
                language: str | None) -> dict[str, object]:
    """Return the esrs-1 parts of the results page: ranked IROs with their rationales, the stakeholder view."""
    rationales: dict[int, list[tuple[str, str]]] = {}
    for iro_id, rater, text in (IroRating.objects.filter(iro__assessment=assessment).exclude(rationale="")
                                .order_by("rater").values_list("iro_id", "rater", "rationale")):
        rationales.setdefault(iro_id, []).append((rater, text))
    iro_rows = list(IroScore.objects.filter(run=run).select_related("iro", "iro__topic").order_by("rank"))
    for row in iro_rows:
        row.title = row.iro.title_for(language)  # type: ignore[attr-defined]
        row.rationales = rationales.get(row.iro_id, [])  # type: ignore[attr-defined]
    survey = esrs_aggregation.stakeholder_view(assessment)
    comparison = []
    for s in scores:
        code = s.topic.code
        answered = code in survey.index and bool(survey.at[code, "answered"])
        survey_class = str(survey.at[code, "classification"]) if answered else ""
        iro_material = s.has_answers and s.classification in MATERIAL
        comparison.append({
            "topic": s.topic, "name": s.name,  # type: ignore[attr-defined]
            "iro_class": s.classification if s.has_answers else "", "survey_class": survey_class,
            "iro_label": CLASS_LABELS[s.classification if s.has_answers else ""],
            "survey_label": CLASS_LABELS[survey_class],
            "survey_impact": finite_or_none(survey.at[code, "impact"]) if answered else None,
            "survey_financial": finite_or_none(survey.at[code, "financial"]) if answered else None,
            "disagree": s.has_answers and answered and iro_material != (survey_class in MATERIAL),
        })
    return {"iro_scores": iro_rows, "comparison": comparison, "has_survey": any(c["survey_class"] for c in comparison),
            "disagreements": [c for c in comparison if c["disagree"]]}


@permission_required("materiality.view_results", raise_exception=True)
def results(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment, slug=slug)
    run = services.latest_succeeded_run(assessment)
    active = services.current_run(assessment)
    last_failed = assessment.score_runs.filter(status=ScoreRun.Status.FAILED).order_by("-pk").first()
    if last_failed is not None:
        last_failed.error = runs.error_text(last_failed)  # shown only, never saved
    language = get_language()
    context: dict[str, object] = {
        "assessment": assessment, "run": run, "active": active, "active_state": run_state(active),
        "last_failed": last_failed if last_failed and (run is None or last_failed.pk > run.pk) else None,
        "can_run": request.user.has_perm("materiality.run_aggregation") and not assessment.is_confirmed,
    }
    if run is not None:
        context["outdated"] = {} if assessment.is_confirmed else services.run_outdated(run)
        context.update(overview_context(run, assessment, language, matrix_layer(request)))
        context["heat"] = heat_map(run, assessment.scale, language)
        if run.method == "esrs-1":
            context.update(iro_context(run, assessment, context["scores"], language))  # type: ignore[arg-type]
    return render(request, "materiality/results.html", context)


@require_POST
@permission_required("materiality.run_aggregation", raise_exception=True)
def run_start(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment, slug=slug)
    try:
        run = services.start_aggregation(assessment, started_by=request.user)
    except (services.NothingToScore, AssessmentFrozen, enqueue.BrokerUnavailable) as exc:
        messages.error(request, str(exc))
    except Exception as exc:  # in-process runs (no worker configured) raise the job's error here
        messages.error(request, _("The score run failed: %(error)s") % {"error": exc})
    else:
        run.refresh_from_db()  # without a worker the job has already run, after the commit, on another copy
        if run.status == ScoreRun.Status.SUCCEEDED:
            messages.success(request, _("Scoring finished: the results below are up to date."))
        elif run.status == ScoreRun.Status.FAILED:
            messages.error(request, _("The score run failed: %(error)s") % {"error": run.error})
        else:
            messages.info(request, _("Scoring started. The results appear when the run has finished."))
    return redirect("materiality:results", slug=slug)


@permission_required("materiality.view_results", raise_exception=True)
def run_status(request: HttpRequest, slug: str, run_id: int) -> JsonResponse:
    run = get_object_or_404(ScoreRun, pk=run_id, assessment__slug=slug)
    return JsonResponse(run_state(run))


@permission_required("materiality.view_results", raise_exception=True)
def run_matrix(request: HttpRequest, slug: str, run_id: int, fmt: str) -> HttpResponse:
    run = get_object_or_404(ScoreRun, pk=run_id, assessment__slug=slug, status=ScoreRun.Status.SUCCEEDED)
    # ?lang= picks the figure (the page passes its own language); without it, the request's language.
    language = request.GET.get("lang", "")
    if language not in dict(settings.LANGUAGES):
        language = get_language() or settings.LANGUAGE_CODE
    iros = request.GET.get("layer") == "iros"  # the figure with the IROs as points (esrs-1 runs, SVG)
    content = run.matrix_image(fmt, language, iros=iros) if fmt in ("png", "svg") else b""
    if not content:
        raise Http404(_("This run has no matrix in that format."))
    filename = f"matrix{'-iros' if iros else ''}-{slug}-run{run.pk}-{language}.{fmt}"
    if fmt == "svg":
        response = attachment(content, filename, "image/svg+xml")
    else:
        response = HttpResponse(content, content_type="image/png")
        if request.GET.get("download"):
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if "lang" not in request.GET:
        patch_vary_headers(response, ["Accept-Language"])
    return response


@permission_required("materiality.view_results", raise_exception=True)
def results_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment, slug=slug)
    run = services.latest_succeeded_run(assessment)
    if fmt not in exports.FORMATS:
        messages.error(request, _("Export as csv, json or xlsx."))
        return redirect("materiality:results", slug=slug)
    if run is None:
        messages.error(request, _("There are no results to export yet."))
        return redirect("materiality:results", slug=slug)
    content_type, extension = exports.FORMATS[fmt]
    if request.GET.get("level") == "iro" and run.method == "esrs-1":
        content = exports.export_iros(esrs_aggregation.iro_results_frame(run), fmt)
        return attachment(content, f"iro-results-{slug}.{extension}", content_type)
    frame = crosswalk.with_esrs(aggregation.results_frame(run), assessment.library)  # the XLSX shows it
    return attachment(exports.export(frame, fmt), f"results-{slug}.{extension}", content_type)
