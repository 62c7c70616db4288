"""Reads for the committee pages, the report pack and the API: a run's results with the committee's classes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone, translation

from materiality import audit_table, confirmation, pack_iros, report_pack, services
from materiality.models import (
    Assessment,
    AuditEntry,
    ClassOverride,
    GroupScore,
    IroRating,
    IroScore,
    RegisterEntry,
    ScoreRun,
    TopicScore,
)
from materiality.report_pack import CLASS_LABELS, SHEET_TITLES, header
from materiality.tables import write_csv
from surveys import exclusions, tracking

AUDIT_HEADER = ["id", "when", "who", "action", "object_type", "object_id", "object", "assessment", "before", "after",
                "prev_hash", "hash"]
ITEMS = [("asks_severity", "severity"), ("asks_likelihood", "likelihood"), ("asks_magnitude", "magnitude"),
         ("asks_financial_likelihood", "financial likelihood"), ("asks_horizon", "horizon")]


def audit_csv(assessment: services.Assessment) -> bytes:
    """Return the assessment's audit entries (and the library's, which it depends on) as CSV: the raw JSON, every
    hashed field and the actions' labels in both languages (audit_table)."""
    entries = AuditEntry.objects.filter(assessment=assessment) | AuditEntry.objects.filter(
        object_type__in=["IssueLibrary", "Topic"])
    return write_csv(audit_table.HEADER, list(audit_table.rows(entries.order_by("pk"))))


def topic_iros(run: ScoreRun, language: str | None) -> dict[int, list[IroScore]]:
    """Return an esrs-1 run's IRO results per topic, in rank order, each with its raters' rationales, so the
    committee sees why a topic is material IRO by IRO. Two queries, whatever the count of IROs."""
    if run.method != Assessment.Method.ESRS_1:
        return {}
    said: dict[int, list[tuple[str, str]]] = {}
    for iro_id, rater, text in (IroRating.objects.filter(iro__scores__run=run).exclude(rationale="")
                                .order_by("iro_id", "rater").values_list("iro_id", "rater", "rationale")):
        said.setdefault(iro_id, []).append((rater, text))
    per_topic: dict[int, list[IroScore]] = {}
    for row in IroScore.objects.filter(run=run).select_related("iro").order_by("rank"):
        row.title = row.iro.title_for(language)  # type: ignore[attr-defined]
        row.rationales = said.get(row.iro_id, [])  # type: ignore[attr-defined]
        per_topic.setdefault(row.iro.topic_id, []).append(row)
    return per_topic


def topic_names(topic: object) -> list[str]:
    return [topic.code, topic.name_en, topic.name_zh]  # type: ignore[attr-defined]


def cover(assessment: services.Assessment, run: ScoreRun) -> list[tuple[str, object]]:
    """The cover sheet: what was confirmed, from which run, by whom and when (in the assessment's time zone)."""
    return [("Assessment / 评估", assessment.name), ("Issue library / 议题库", str(assessment.library)),
            ("Score run / 评分运行", run.pk), ("Method / 方法", run.method),
            ("Input checksum (SHA-256) / 输入校验值", run.input_checksum),
            ("Respondents / 受访者", run.respondents), ("Topics / 议题数", run.topic_scores.count()),
            ("Confirmed by / 确认人", confirmer(assessment)), ("Confirmed at / 确认时间", moment(assessment.confirmed_at)),
            ("Time zone / 时区", timezone.get_current_timezone_name())]


def pack_sheets(assessment: services.Assessment, run: ScoreRun) -> list[report_pack.Sheet]:
    """Return the workbook's sheets for a run: scores, counts, intervals, classes, overrides, groups, rates, register."""
    scores = list(TopicScore.objects.filter(run=run).select_related("topic").order_by("rank"))
    classes = services.final_classes(run)
    overrides = list(ClassOverride.objects.filter(run=run).select_related("topic").order_by("topic__position"))
    names = ("topic", "name_en", "name_zh")
    sheets: list[report_pack.Sheet] = [
        (SHEET_TITLES["scores"], header(*names, "pillar", "impact", "financial", "combined", "rank"),
         [[*topic_names(s.topic), s.topic.pillar, s.impact, s.financial, s.combined, s.rank] for s in scores]),
        (SHEET_TITLES["counts"], header(*names, "n_impact", "n_financial", "horizon_short", "horizon_medium",
                                        "horizon_long"),
         [[*topic_names(s.topic), s.n_impact, s.n_financial, s.horizon_short, s.horizon_medium, s.horizon_long]
          for s in scores]),
        (SHEET_TITLES["intervals"], header(*names, "impact_low", "impact_high", "financial_low", "financial_high",
                                           "borderline"),
         [[*topic_names(s.topic), s.impact_low, s.impact_high, s.financial_low, s.financial_high,
           "yes / 是" if s.is_borderline else "no / 否"] for s in scores]),
        (SHEET_TITLES["classes"], header(*names, "computed_class", "committee_class", "final_class"),
         [[*topic_names(s.topic), CLASS_LABELS[s.classification],
           CLASS_LABELS[classes[s.topic_id][1].new_class] if classes[s.topic_id][1] else None,
           CLASS_LABELS[classes[s.topic_id][0]]] for s in scores]),
        (SHEET_TITLES["overrides"], header(*names, "computed_class", "committee_class", "reason", "by", "when"),
         [[*topic_names(o.topic), CLASS_LABELS[o.computed_class], CLASS_LABELS[o.new_class], o.reason,
           o.created_by_name, moment(o.created_at)] for o in overrides]),
        (SHEET_TITLES["groups"], header("group", "group_en", "group_zh", *names, "n_impact", "impact",
                                        "variance_impact", "n_financial", "financial", "variance_financial"),
         [[g.group.code, g.group.name_en, g.group.name_zh, *topic_names(g.topic), g.n_impact, g.impact,
           g.impact_variance, g.n_financial, g.financial, g.financial_variance]
          for g in GroupScore.objects.filter(run=run).select_related("group", "topic")
          .order_by("group__position", "group__code", "topic__position", "topic__code")]),
    ]
    rates = tracking.response_rates(assessment)["groups"]
    group_names = {ag.group.code: ag.group for ag in assessment.group_weights.select_related("group")}
    sheets.append((SHEET_TITLES["rates"], header("group", "group_en", "group_zh", "invited", "submitted",
                                                  "open_submitted", "imported", "total_submitted", "rate"),
                   [[r.key, group_names[r.key].name_en, group_names[r.key].name_zh, r.invited, r.submitted,
                     r.open_submitted, r.imported, r.total_submitted, r.rate / 100 if r.rate is not None else None]
                    for r in rates]))  # type: ignore[union-attr]
    entries = {e.topic_id: e for e in RegisterEntry.objects.filter(assessment=assessment)}
    register_rows = []
    for score, cls in services.register_topics(assessment):
        e = entries.get(score.topic_id)
        register_rows.append([*topic_names(score.topic), CLASS_LABELS[cls], *(
            ["yes / 是" if e.upstream else "", "yes / 是" if e.own_operations else "",
             "yes / 是" if e.downstream else "", ", ".join(e.stakeholder_groups), e.risks, e.opportunities,
             e.influence_period] if e else ["", "", "", "", "", "", ""])])
    sheets.append((SHEET_TITLES["register"], header(*names, "final_class", "upstream", "own_operations", "downstream",
                                                     "groups", "risks", "opportunities", "influence_period"),
                   register_rows))
    return sheets


def method_input(assessment: services.Assessment, run: ScoreRun, checks: Sequence[dict] = ()
                 ) -> report_pack.MethodInput:
    groups = [(ag.group.code, ag.group.name_en, ag.group.name_zh)
              for ag in assessment.group_weights.select_related("group")]
    questionnaires = [(q.title_en, [g.code for g in q.groups.all()], [label for f, label in ITEMS if getattr(q, f)])
                      for q in assessment.questionnaires.prefetch_related("groups")]
    return report_pack.MethodInput(
        assessment=assessment.name, library=str(assessment.library), run_id=run.pk, method=run.method,
        params=run.params, input_checksum=run.input_checksum, respondents=run.respondents,
        topics=run.topic_scores.count(), groups=groups, questionnaires=questionnaires,
        confirmed=moment(assessment.confirmed_at), confirmed_by=confirmer(assessment),
        time_zone=timezone.get_current_timezone_name(), overrides=ClassOverride.objects.filter(run=run).count(),
        classes=final_class_counts(run),
        checks=[(both_languages(confirmation.LABELS.get(c["key"], c["key"])), report_pack.STATE_LABELS[c["state"]],
                 c["waiver"]) for c in checks],
    )


def moment(value: dt.datetime | None) -> str:
    """A time as the pack shows it: in the assessment's time zone, to the second, with its UTC offset."""
    return timezone.localtime(value).replace(microsecond=0).isoformat(sep=" ") if value else ""


def confirmer(assessment: services.Assessment) -> str:
    user = assessment.confirmed_by
    return (user.get_full_name() or user.get_username()) if user else ""


def final_class_counts(run: ScoreRun) -> dict[str, int]:
    """Topics per final class (after overrides), the unanswered apart, as the register and the matrix count them."""
    classes = {tid: cls for tid, (cls, _o) in services.final_classes(run).items()}
    return services.class_counts(run.topic_scores.all(), classes)


def both_languages(text: object) -> str:
    """Render a lazy translation as "English / 中文" for the bilingual pack."""
    with translation.override("en"):
        en = str(text)
    with translation.override("zh-hans"):
        zh = str(text)
    return en if en == zh else f"{en} / {zh}"


def checks_sheet(checks: Sequence[dict]) -> report_pack.Sheet:
    """The confirmation checks as the chair confirmed under them: state, detail and any waiver's reason."""
    return (SHEET_TITLES["checks"], header("check", "state", "detail", "waiver"),
            [[both_languages(confirmation.LABELS.get(c["key"], c["key"])), report_pack.STATE_LABELS[c["state"]],
              c["detail"], c["waiver"]] for c in checks])


def build_pack(assessment: services.Assessment, run: ScoreRun, checks: Sequence[dict] = ()) -> bytes:
    """Return the report pack ZIP of a run: matrix PNG and SVG (an esrs-1 run's also with its IROs), workbook,
    methodology, audit trail CSV, the IRO register with its ratings and evidence, and (once confirmed) the
    materiality chapter in both languages."""
    files = {
        "matrix.png": bytes(run.matrix_png or b""),
        "matrix.svg": (run.matrix_svg or "").encode(),
        "matrix-zh.png": bytes(run.matrix_png_zh or b""),
        "matrix-zh.svg": (run.matrix_svg_zh or "").encode(),
        **({"matrix-iros.svg": run.matrix_iros_svg.encode(), "matrix-iros-zh.svg": run.matrix_iros_svg_zh.encode()}
           if run.matrix_iros_svg else {}),
        "results.xlsx": report_pack.workbook([*pack_sheets(assessment, run), checks_sheet(checks)],
                                             cover(assessment, run)),
        "methodology.txt": report_pack.methodology(method_input(assessment, run, checks)).encode("utf-8"),
        "audit-trail.csv": audit_csv(assessment),
        **pack_iros.pack_files(assessment),
    }
    # --- responses the work team excluded from scoring (issue 14.7; stream `staff`, surveys/exclusions.py) ---
    files["excluded-responses.csv"] = exclusions.excluded_csv(assessment)
    if assessment.is_confirmed:
        # Imported here: the chapter reads through services, which imports the confirmation that calls this.
        from materiality import chapter

        files.update(chapter.chapter_files(assessment))
    dated = timezone.localtime(assessment.confirmed_at or run.finished_at or timezone.now())
    return report_pack.zip_pack(files, dated.timetuple()[:6])
