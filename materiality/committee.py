"""Reads for the committee pages, the report pack and the API: a run's results with the committee's classes."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import translation

from materiality import audit_table, confirmation, report_pack, services
from materiality.models import AuditEntry, ClassOverride, GroupScore, RegisterEntry, ScoreRun, TopicScore
from materiality.report_pack import CLASS_LABELS, SHEET_TITLES, header
from materiality.tables import write_csv
from surveys import tracking

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


def pack_sheets(assessment: services.Assessment, run: ScoreRun) -> list[report_pack.Sheet]:
    """Return the workbook's sheets for a run: scores, counts, intervals, classes, overrides, groups, rates, register."""
    scores = list(TopicScore.objects.filter(run=run).select_related("topic").order_by("rank"))
    classes = services.final_classes(run)
    overrides = list(ClassOverride.objects.filter(run=run).select_related("topic").order_by("topic__position"))
    sheets: list[report_pack.Sheet] = [
        (SHEET_TITLES["scores"], header("topic", "pillar", "name_en", "name_zh", "impact", "financial", "combined",
                                        "rank"),
         [[s.topic.code, s.topic.pillar, s.topic.name_en, s.topic.name_zh, s.impact, s.financial, s.combined, s.rank]
          for s in scores]),
        (SHEET_TITLES["counts"], header("topic", "n_impact", "n_financial", "horizon_short", "horizon_medium",
                                        "horizon_long"),
         [[s.topic.code, s.n_impact, s.n_financial, s.horizon_short, s.horizon_medium, s.horizon_long] for s in scores]),
        (SHEET_TITLES["intervals"], header("topic", "impact_low", "impact_high", "financial_low", "financial_high",
                                           "borderline"),
         [[s.topic.code, s.impact_low, s.impact_high, s.financial_low, s.financial_high, "yes / 是" if s.is_borderline
           else "no / 否"] for s in scores]),
        (SHEET_TITLES["classes"], header("topic", "computed_class", "committee_class", "final_class"),
         [[s.topic.code, CLASS_LABELS[s.classification],
           CLASS_LABELS[classes[s.topic_id][1].new_class] if classes[s.topic_id][1] else None,
           CLASS_LABELS[classes[s.topic_id][0]]] for s in scores]),
        (SHEET_TITLES["overrides"], header("topic", "computed_class", "committee_class", "reason", "by", "when"),
         [[o.topic.code, CLASS_LABELS[o.computed_class], CLASS_LABELS[o.new_class], o.reason, o.created_by_name,
           o.created_at.isoformat()] for o in overrides]),
        (SHEET_TITLES["groups"], header("group", "topic", "n_impact", "impact", "variance_impact", "n_financial",
                                        "financial", "variance_financial"),
         [[g.group.code, g.topic.code, g.n_impact, g.impact, g.impact_variance, g.n_financial, g.financial,
           g.financial_variance] for g in GroupScore.objects.filter(run=run).select_related("group", "topic")
          .order_by("group__position", "group__code", "topic__position", "topic__code")]),
    ]
    rates = tracking.response_rates(assessment)["groups"]
    sheets.append((SHEET_TITLES["rates"], header("group", "invited", "submitted", "open_submitted", "imported",
                                                  "total_submitted", "rate"),
                   [[r.key, r.invited, r.submitted, r.open_submitted, r.imported, r.total_submitted, r.rate]
                    for r in rates]))  # type: ignore[union-attr]
    entries = {e.topic_id: e for e in RegisterEntry.objects.filter(assessment=assessment)}
    register_rows = []
    for score, cls in services.register_topics(assessment):
        e = entries.get(score.topic_id)
        register_rows.append([score.topic.code, CLASS_LABELS[cls], *(
            ["yes / 是" if e.upstream else "", "yes / 是" if e.own_operations else "",
             "yes / 是" if e.downstream else "", ", ".join(e.stakeholder_groups), e.risks, e.opportunities,
             e.influence_period] if e else ["", "", "", "", "", "", ""])])
    sheets.append((SHEET_TITLES["register"], header("topic", "final_class", "upstream", "own_operations", "downstream",
                                                     "groups", "risks", "opportunities", "influence_period"),
                   register_rows))
    return sheets


def method_input(assessment: services.Assessment, run: ScoreRun) -> report_pack.MethodInput:
    groups = [(ag.group.code, ag.group.name_en, ag.group.name_zh)
              for ag in assessment.group_weights.select_related("group")]
    questionnaires = [(q.title_en, [g.code for g in q.groups.all()], [label for f, label in ITEMS if getattr(q, f)])
                      for q in assessment.questionnaires.prefetch_related("groups")]
    return report_pack.MethodInput(
        assessment=assessment.name, library=str(assessment.library), run_id=run.pk, method=run.method,
        params=run.params, input_checksum=run.input_checksum, respondents=run.respondents,
        topics=run.topic_scores.count(), groups=groups, questionnaires=questionnaires,
        confirmed=assessment.confirmed_at.isoformat() if assessment.confirmed_at else "",
        overrides=ClassOverride.objects.filter(run=run).count(),
    )


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
    """Return the report pack ZIP of a run: matrix PNG and SVG, workbook, methodology, audit trail CSV."""
    files = {
        "matrix.png": bytes(run.matrix_png or b""),
        "matrix.svg": (run.matrix_svg or "").encode(),
        "results.xlsx": report_pack.workbook([*pack_sheets(assessment, run), checks_sheet(checks)]),
        "methodology.txt": report_pack.methodology(method_input(assessment, run)).encode("utf-8"),
        "audit-trail.csv": audit_csv(assessment),
    }
    return report_pack.zip_pack(files)
