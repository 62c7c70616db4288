"""The materiality chapter of the ESG report (issue 13): gathered from a confirmed assessment's stored data into
plain dataclasses, so that the DOCX (chapter_docx.py) and the HTML (templates/materiality/chapter.html) say the same.

Nothing here is typed in by hand: stakeholder rows come from the groups and the response counts, the procedure from
the confirmed run's parameters, the class lists from the run's classes after the committee's overrides, the step-3
table from the register, the disclosure index from the shipped disclosure_data file and the ESRS crosswalk.
Every sentence, heading and label is built inside `translation.override(language)`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from materiality import chapter_docx, crosswalk, services
from materiality.chapter_procedure import ITEM_LABELS, ProcedureInput, listing, number, procedure_text
from materiality.models import (
    Assessment,
    ClassOverride,
    Iro,
    IroRating,
    IroScore,
    RegisterEntry,
    ScoreRun,
    Topic,
    TopicScore,
)
from stakeholders.models import StakeholderGroup

INDEX_FILE = Path(__file__).resolve().parent / "disclosure_data" / "index-v1.json"
CLASS_ORDER = ("major", "important", "general")
LANGUAGES = ("en", "zh-hans")
FORMATS = ("docx", "html")


class ChapterRefused(Exception):
    """The chapter was refused (the assessment is not confirmed, or has no run): the message says why."""


def is_chinese(language: str) -> bool:
    return language.lower().startswith("zh")


# Beside an English text the user typed, when the Chinese chapter has no Chinese one to print.
UNTRANSLATED = "（英文原文）"


def typed(en: str, zh: str, language: str) -> str:
    """Return a text the user typed in both languages as the chapter prints it: the English one in English; in
    Chinese the Chinese one, else the English one marked as untranslated (never dropped, never passed off)."""
    en, zh = en.strip(), zh.strip()
    if not is_chinese(language):
        return en
    return zh or (en + UNTRANSLATED if en else "")


# --- the content, as plain data ------------------------------------------------------------------------------------

@dataclass
class StakeholderRow:
    code: str
    name: str
    kind: str
    needs: list[str]
    channels: list[str]
    weight: float
    invited: int
    submitted: int
    rate: float | None


@dataclass
class LibraryRow:
    pillar: str  # label with the count, "Environmental (7)"
    topics: list[tuple[str, str]]  # (code, name)
    changes: list[str]


@dataclass
class ClassEntry:
    code: str
    name: str
    computed: str  # label of the computed class
    final: str  # the class key after the committee's override
    reason: str = ""  # the override's reason, empty without one


@dataclass
class Step3Row:
    code: str
    name: str
    klass: str  # label
    upstream: bool
    own_operations: bool
    downstream: bool
    groups: str
    risks: str
    opportunities: str
    period: str


@dataclass
class IroRow:
    topic: str  # "E01 Respond to climate change"
    code: str
    kind: str
    title: str
    value_chain: str
    horizon: str
    score: float | None
    n: int


@dataclass
class IndexRow:
    framework: str
    code: str
    disclosure: str
    where: str  # the chapter's section titles that answer it, or "Material" / "Not material" for IRO-2 rows


@dataclass
class Chapter:
    """Everything the chapter shows, in one language."""

    language: str
    title: str
    assessment: str
    year: int
    confirmed: str
    run_id: int
    method: str
    headings: dict[str, str]
    labels: dict[str, str]
    stakeholder_intro: str
    stakeholders: list[StakeholderRow]
    total_line: str
    procedure: list[str]
    library_title: str
    library: list[LibraryRow]
    retired: list[str]
    matrix_png: bytes
    matrix_caption: str
    result_line: str
    classes: dict[str, list[ClassEntry]]
    class_labels: dict[str, str]
    overrides: list[ClassEntry]
    step3_intro: str
    step3: list[Step3Row]
    footnote: str
    changes: list[str]
    iros: list[IroRow] = field(default_factory=list)
    iro1: list[str] = field(default_factory=list)
    index: list[IndexRow] = field(default_factory=list)

    @property
    def is_chinese(self) -> bool:
        return is_chinese(self.language)


# --- gathering ------------------------------------------------------------------------------------------------------

def confirmed_run(assessment: Assessment) -> ScoreRun:
    """Return the run the chapter reports on; refuse an assessment the committee has not confirmed."""
    if not assessment.is_confirmed:
        raise ChapterRefused(_("The materiality chapter is written from a confirmed result: %(name)s is not "
                               "confirmed yet.") % {"name": assessment.name_for(translation.get_language())})
    run = services.latest_succeeded_run(assessment)
    if run is None:
        raise ChapterRefused(_("%(name)s has no successful score run.") % {
            "name": assessment.name_for(translation.get_language())})
    return run


def build_chapter(assessment: Assessment, language: str) -> Chapter:
    """Gather the chapter of a confirmed assessment in one language (refused when it is not confirmed)."""
    with translation.override(language):
        run = confirmed_run(assessment)
        scores = list(run.topic_scores.select_related("topic").order_by("rank"))
        classes = services.final_classes(run)
        topics = {t.code: t for t in assessment.library.topics.all()}
        groups = {ag.group.code: ag.group for ag in assessment.group_weights.select_related("group")}
        lists, overrides = class_lists(scores, classes, language)
        final = {s.topic_id: classes[s.topic_id][0] for s in scores}
        counts = {c: len(lists[c]) for c in CLASS_ORDER}
        chapter = Chapter(
            language=language, title=_("Materiality assessment %(year)s") % {"year": assessment.library.year},
            assessment=assessment.name_for(language), year=assessment.library.year,
            confirmed=assessment.confirmed_at.date().isoformat() if assessment.confirmed_at else "",
            run_id=run.pk, method=run.method, headings=headings(), labels=labels(),
            stakeholder_intro=_("The table lists each stakeholder group consulted in this cycle, the topics it "
                                "expects the company to address, how the company communicates with it, and how "
                                "many of its members answered."),
            stakeholders=stakeholder_rows(assessment, topics, language), total_line="",
            procedure=procedure_text(procedure_input(assessment, run), language),
            library_title=_("%(year)s issue library") % {"year": assessment.library.year},
            library=library_rows(assessment.library, language), retired=retired_topics(assessment.library, language),
            matrix_png=run.matrix_image("png", language),
            matrix_caption=_("Figure: double-materiality matrix of the %(year)s assessment (impact materiality "
                             "against financial materiality, score run %(run)s; classes as computed).")
            % {"year": assessment.library.year, "run": run.pk},
            result_line=_("The assessment identified %(major)s major, %(important)s important and %(general)s "
                          "general topics, as confirmed by the ESG Executive Committee.") % counts,
            classes=lists, class_labels=class_labels(), overrides=overrides,
            step3_intro=_("For each major and important topic the table shows the affected parts of the value "
                          "chain, the stakeholders concerned, its risks and opportunities and its influence "
                          "period."),
            step3=step3_rows(assessment, scores, final, groups, language),
            footnote=_("Influence period: short term, within 1 year after the end of the reporting period; medium "
                       "term, 1 to 5 years; long term, more than 5 years."),
            changes=changes_since_previous(assessment, scores, final, language),
        )
        chapter.total_line = total_line(chapter.stakeholders)
        if run.method == Assessment.Method.ESRS_1:
            chapter.iros = material_iros(run, language)
            chapter.iro1 = iro1_text(assessment, run, chapter.iros)
        chapter.index = disclosure_index(chapter, assessment, final, language)
    return chapter


def headings() -> dict[str, str]:
    return {
        "stakeholders": _("Stakeholder participation"), "evaluation": _("Evaluation of material issues"),
        "procedure": _("Evaluation procedure"), "library": _("Step 1: issue identification"),
        "matrix": _("Step 2: evaluation of issue importance"), "classes": _("Material topics by class"),
        "overrides": _("Classes set by the committee"), "step3": _("Step 3: confirmation and reporting of material "
                                                                   "topics"),
        "changes": _("Changes since the previous assessment"), "iros": _("Material impacts, risks and "
                                                                        "opportunities"),
        "iro1": _("Process to identify and assess impacts, risks and opportunities"),
        "index": _("Disclosure index"),
    }


def labels() -> dict[str, str]:
    return {
        "group": _("Stakeholder group"), "kind": _("Kind"), "needs": _("Needs and expectations"),
        "channels": _("Communication channels"), "weight": _("Weight"), "invited": _("Invited"),
        "submitted": _("Answers received"), "rate": _("Response rate"), "pillar": _("Issue scope"),
        "issues": _("Issues"), "changes": _("Descriptions of issue change"), "class": _("Class"),
        "topic": _("Topic"), "computed": _("Computed class"), "final": _("Committee class"), "reason": _("Reason"),
        "value_chain": _("Affected value chain"), "upstream": _("Upstream"), "own": _("Own operations"),
        "downstream": _("Downstream"), "stakeholders": _("Stakeholders"), "risks": _("Risks"),
        "opportunities": _("Opportunities"), "period": _("Influence period"), "code": _("Code"),
        "iro_kind": _("Kind"), "title": _("Description"), "horizon": _("Time horizon"), "score": _("Score"),
        "raters": _("Raters"), "framework": _("Framework"), "disclosure": _("Disclosure"),
        "where": _("Where this chapter answers it"), "tick": "√", "none": _("None"),
        "confirmed": _("Confirmed on"), "run": _("Score run"), "method": _("Method"),
    }


def class_labels() -> dict[str, str]:
    return {"major": _("Major"), "important": _("Important"), "general": _("General")}


def class_lists(scores: Sequence[TopicScore], classes: Mapping[int, tuple[str, ClassOverride | None]],
                language: str) -> tuple[dict[str, list[ClassEntry]], list[ClassEntry]]:
    """Return the topics per class after the committee's overrides (in rank order) and the overridden ones."""
    names = class_labels()
    lists: dict[str, list[ClassEntry]] = {c: [] for c in CLASS_ORDER}
    overrides = []
    for s in scores:
        if not s.has_answers:
            continue
        final, override = classes[s.topic_id]
        entry = ClassEntry(s.topic.code, s.topic.name_for(language), names[s.classification], final,
                           typed(override.reason, override.reason_zh, language) if override else "")
        lists[final].append(entry)
        if override is not None:
            overrides.append(entry)
    return lists, overrides


def stakeholder_rows(assessment: Assessment, topics: Mapping[str, Topic], language: str) -> list[StakeholderRow]:
    from surveys import tracking  # surveys imports materiality: not at module level

    rates = {r.key: r for r in tracking.response_rates(assessment, language)["groups"]}  # type: ignore[union-attr]
    rows = []
    for ag in assessment.group_weights.select_related("group"):
        g: StakeholderGroup = ag.group
        rate = rates.get(g.code)
        rows.append(StakeholderRow(
            code=g.code, name=g.name_for(language), kind=str(g.get_kind_display()),
            needs=[topics[c].name_for(language) for c in g.needs_topics or [] if c in topics],
            channels=[_(c) for c in g.channels or []], weight=ag.weight,
            invited=rate.invited if rate else 0, submitted=rate.total_submitted if rate else 0,
            rate=rate.rate if rate else None))
    return rows


def total_line(rows: Sequence[StakeholderRow]) -> str:
    answered = sum(r.submitted for r in rows)
    invited = sum(r.invited for r in rows)
    line = ngettext("%(n)s answer was received from %(groups)s stakeholder groups.",
                    "%(n)s answers were received from %(groups)s stakeholder groups.", answered) % {
        "n": answered, "groups": len(rows)}
    if invited:
        line += " " + _("%(invited)s people were invited by personal link.") % {"invited": invited}
    return line


# --- the procedure in words ----------------------------------------------------------------------------------------

def procedure_input(assessment: Assessment, run: ScoreRun) -> ProcedureInput:
    p = run.params
    weights = p.get("weights", {})
    groups = [(ag.group.name_for(translation.get_language()), float(weights.get(ag.group.code, ag.weight)),
               ag.group.is_rater) for ag in assessment.group_weights.select_related("group")]
    items = []
    for q in assessment.questionnaires.all():
        for key, flag in (("severity", q.asks_severity), ("likelihood", q.asks_likelihood),
                          ("magnitude", q.asks_magnitude), ("financial_likelihood", q.asks_financial_likelihood),
                          ("horizon", q.asks_horizon)):
            if flag and key not in items:
                items.append(key)
    esrs = run.method == Assessment.Method.ESRS_1
    return ProcedureInput(
        method=run.method, scale=int(p.get("scale", assessment.scale)),
        major=float(p.get("major", assessment.major_threshold)),
        important=float(p.get("important", assessment.important_threshold)),
        groups=groups, items=[k for k in ITEM_LABELS if k in items], topics=run.topic_scores.count(),
        respondents=run.respondents,
        severity_rule=str(p.get("severity_rule", assessment.severity_rule)),
        raters=handed_in_raters(assessment) if esrs else 0,
        iros=Iro.objects.filter(assessment=assessment).count() if esrs else 0,
    )


# --- the library, the step-3 table and the year-over-year changes ---------------------------------------------------

def change_sentence(topic: Topic, language: str) -> str:
    """Describe a topic's change versus last year in the language, from its kind and its predecessors' names."""
    before = listing([f"“{p.name_for(language)}”" for p in topic.predecessors.all()])
    name = f"“{topic.name_for(language)}”"
    kind = topic.change_kind
    if kind == Topic.Change.RENAMED:
        text = _("Statement adjustment: %(before)s is now %(name)s.") % {"before": before, "name": name}
    elif kind == Topic.Change.EXPANDED:
        text = _("Expanded connotation: %(before)s is now %(name)s.") % {"before": before, "name": name}
    elif kind == Topic.Change.MERGED:
        text = _("Merged: %(before)s are now %(name)s.") % {"before": before, "name": name}
    elif kind == Topic.Change.SPLIT:
        text = _("Split: %(name)s comes from %(before)s.") % {"before": before, "name": name}
    elif kind == Topic.Change.NEW:
        text = _("New issue: %(name)s.") % {"name": name}
    elif kind == Topic.Change.RETIRED:
        text = _("Retired: %(name)s is no longer assessed.") % {"name": name}
    else:
        return ""
    note = change_note(topic, language)
    return f"{text} {note}" if note else text


def change_note(topic: Topic, language: str) -> str:
    """The work team's note on a change, in the chapter's language (typed). A note typed in Chinese into the
    English field, as before there was a Chinese one, counts as the Chinese note and stays out of English."""
    note = topic.change_note.strip()
    if has_cjk(note):
        return typed("", topic.change_note_zh or note, language)
    return typed(note, topic.change_note_zh, language)


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def library_rows(library: Any, language: str) -> list[LibraryRow]:
    rows = []
    topics = list(library.topics.exclude(change_kind=Topic.Change.RETIRED).prefetch_related("predecessors")
                  .order_by("position", "code"))
    for pillar, label in Topic.Pillar.choices:
        mine = [t for t in topics if t.pillar == pillar]
        if mine:
            changes = [s for s in (change_sentence(t, language) for t in mine) if s]
            rows.append(LibraryRow(f"{label} ({len(mine)})", [(t.code, t.name_for(language)) for t in mine],
                                   changes or [_("No change since last year.")]))
    return rows


def retired_topics(library: Any, language: str) -> list[str]:
    """Name last year's topics that left the library (retired, or not carried into it)."""
    return [_("Retired: “%(name)s” is no longer assessed.") % {"name": row.before[0].name_for(language)}
            for row in services.library_changes(library) if row.after is None or row.after.is_retired]


def step3_rows(assessment: Assessment, scores: Sequence[TopicScore], final: Mapping[int, str],
               groups: Mapping[str, StakeholderGroup], language: str) -> list[Step3Row]:
    entries = {e.topic_id: e for e in RegisterEntry.objects.filter(assessment=assessment)}
    names = class_labels()
    periods = dict(RegisterEntry.Period.choices)
    rows = []
    for s in scores:
        if final[s.topic_id] not in ("major", "important"):
            continue
        e = entries.get(s.topic_id)
        rows.append(Step3Row(
            code=s.topic.code, name=s.topic.name_for(language), klass=names[final[s.topic_id]],
            upstream=bool(e and e.upstream), own_operations=bool(e and e.own_operations),
            downstream=bool(e and e.downstream),
            groups=_(", ").join(groups[c].name_for(language) if c in groups else c
                                for c in (e.stakeholder_groups if e else [])),
            risks=typed(e.risks, e.risks_zh, language) if e else "",
            opportunities=typed(e.opportunities, e.opportunities_zh, language) if e else "",
            period=str(periods.get(e.influence_period, "")) if e else ""))
    return rows


def changes_since_previous(assessment: Assessment, scores: Sequence[TopicScore], final: Mapping[int, str],
                           language: str) -> list[str]:
    """Sentences on what changed since the previous confirmed assessment: moved classes, new and retired topics."""
    previous = assessment.previous
    if previous is None or not previous.is_confirmed:
        return [_("There is no previous confirmed assessment to compare with.")]
    before_run = services.latest_succeeded_run(previous)
    if before_run is None:
        return [_("There is no previous confirmed assessment to compare with.")]
    before = {t.pk: c for t, (c, _o) in ((Topic.objects.get(pk=tid), v) for tid, v in
                                         services.final_classes(before_run).items())}
    names = class_labels()
    rank = {c: i for i, c in enumerate(CLASS_ORDER)}
    lines = []
    for s in scores:
        olds = [p for p in s.topic.predecessors.all() if p.pk in before]
        now = final[s.topic_id]
        if not olds:
            lines.append(_("New: “%(name)s” (%(now)s).") % {"name": s.topic.name_for(language), "now": names[now]})
            continue
        was = min((before[p.pk] for p in olds), key=rank.__getitem__)
        if was != now:
            lines.append(_("Moved: “%(name)s” from %(was)s to %(now)s.") % {
                "name": s.topic.name_for(language), "was": names[was], "now": names[now]})
    carried = {p.pk for s in scores for p in s.topic.predecessors.all()}
    for tid in before:
        if tid not in carried:
            lines.append(_("Retired: “%(name)s” is no longer assessed.") % {
                "name": Topic.objects.get(pk=tid).name_for(language)})
    return lines or [_("No topic changed class since the previous assessment.")]


# --- esrs-1: material IROs (SBM-3) and the IRO-1 narrative ----------------------------------------------------------

def material_iros(run: ScoreRun, language: str) -> list[IroRow]:
    rows = []
    chain_names = {"upstream": _("Upstream"), "own_operations": _("Own operations"), "downstream": _("Downstream")}
    for s in (IroScore.objects.filter(run=run, material=True).select_related("iro", "iro__topic")
              .order_by("iro__topic__position", "iro__topic__code", "rank")):
        iro = s.iro
        chain = [label for name, label in chain_names.items() if getattr(iro, name)]
        rows.append(IroRow(
            topic=f"{iro.topic.code} {iro.topic.name_for(language)}", code=iro.code,
            kind=kind_label(iro), title=typed(iro.title_en, iro.title_zh, language),
            value_chain=listing(chain), horizon=str(iro.get_horizon_display()) if iro.horizon else "",
            score=s.score, n=s.n))
    return rows


def kind_label(iro: Iro) -> str:
    if iro.kind != Iro.Kind.IMPACT:
        return str(iro.get_kind_display())
    return _("%(status)s %(sign)s impact") % {"status": iro.get_status_display(), "sign": iro.get_sign_display()}


def iro1_text(assessment: Assessment, run: ScoreRun, material: Sequence[IroRow]) -> list[str]:
    iros = Iro.objects.filter(assessment=assessment)
    counts = {k: iros.filter(kind=k).count() for k in Iro.Kind.values}
    p = run.params
    return [
        _("The register holds %(impact)s impacts, %(risk)s risks and %(opportunity)s opportunities across the "
          "value chain; impacts are assessed gross, before mitigation.") % counts,
        _("Threshold: an impact, risk or opportunity is material when its mean score reaches %(important)s on the "
          "scale of 1 to %(scale)s; %(n)s are material.") % {
            "important": number(float(p.get("important", assessment.important_threshold))),
            "scale": p.get("scale", assessment.scale), "n": len(material)},
        _("Inputs: the ratings and written rationales of the internal raters, the evidence filed with each impact, "
          "risk or opportunity, and the stakeholders' questionnaire results shown beside them."),
        _("Decision and control: the ESG Executive Committee reviewed the result and confirmed it on %(date)s; the "
          "confirmed inputs are frozen and every change is recorded in the audit trail.") % {
            "date": assessment.confirmed_at.date().isoformat() if assessment.confirmed_at else ""},
    ]


# --- the disclosure index (shipped data file, versioned) ------------------------------------------------------------

@functools.cache
def index_data() -> dict[str, Any]:
    return json.loads(INDEX_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def disclosure_index(chapter: Chapter, assessment: Assessment, final: Mapping[int, str],
                     language: str) -> list[IndexRow]:
    """Map each disclosure of the shipped index to the chapter's sections; IRO-2 rows: material or not."""
    zh = is_chinese(language)
    data = index_data()
    present = {key for key, value in (("iros", chapter.iros), ("iro1", chapter.iro1)) if value}
    rows = []
    for d in data["disclosures"]:
        sections = [s for s in d["sections"] if s not in ("iros", "iro1") or s in present]
        where = listing([chapter.headings[s] for s in sections]) or _("Not covered by this chapter")
        rows.append(IndexRow(d["framework_zh"] if zh else d["framework_en"], d["code_zh"] if zh else d["code"],
                             d["title_zh"] if zh else d["title_en"], where))
    material = material_standards(assessment, final)
    for s in data["esrs_topical"]:
        if material is None:
            status = _("No crosswalk for this issue library")
        else:
            status = _("Material") if s["code"] in material else _("Not material")
        rows.append(IndexRow("ESRS 2 IRO-2", s["code"], s["title_zh"] if zh else s["title_en"], status))
    return rows


def material_standards(assessment: Assessment, final: Mapping[int, str]) -> set[str] | None:
    """Return the ESRS topical standards that a major or important topic covers (None: no crosswalk applies)."""
    if not crosswalk_in_lineage(assessment.library):
        return None
    found: set[str] = set()
    any_entry = False
    for topic in assessment.library.topics.select_related("library"):
        entry = crosswalk.entry_for(topic)
        if entry is None:
            continue
        any_entry = True
        if final.get(topic.pk) in ("major", "important"):
            found.update(m.standard for m in entry.matters)
    return found if any_entry else None


def crosswalk_in_lineage(library: Any) -> bool:
    """Tell whether a shipped crosswalk maps the library or one it descends from (else no topic is mapped)."""
    seen = set()
    while library is not None and library.pk not in seen:
        if library.template in crosswalk.crosswalks():
            return True
        seen.add(library.pk)
        library = library.previous()
    return False


# --- the two formats ------------------------------------------------------------------------------------------------

def render_html(chapter: Chapter) -> bytes:
    """Render the chapter as one standalone HTML document through the site's templates (matrix inlined)."""
    import base64

    with translation.override(chapter.language):
        html = render_to_string("materiality/chapter.html", {
            "c": chapter, "matrix_data": base64.b64encode(chapter.matrix_png).decode() if chapter.matrix_png else "",
            "html_lang": "zh-Hans" if chapter.is_chinese else "en"})
    return html.encode("utf-8")


def render(assessment: Assessment, language: str, fmt: str) -> bytes:
    """Return the chapter in one language and format (refused when the assessment is not confirmed)."""
    chapter = build_chapter(assessment, language)
    return chapter_docx.write(chapter) if fmt == "docx" else render_html(chapter)


def file_name(assessment: Assessment, language: str, fmt: str) -> str:
    return f"materiality-chapter-{assessment.slug}-{'zh' if is_chinese(language) else 'en'}.{fmt}"


def handed_in_raters(assessment: Assessment) -> int:
    handed_in = IroRating.objects.filter(iro__assessment=assessment, submitted_at__isnull=False)
    return handed_in.values("rater").distinct().count()


def chapter_files(assessment: Assessment) -> dict[str, bytes]:
    """Return the chapter in both languages as DOCX and HTML, by file name (for the report pack)."""
    files = {}
    for language in LANGUAGES:
        chapter = build_chapter(assessment, language)
        files[file_name(assessment, language, "docx")] = chapter_docx.write(chapter)
        files[file_name(assessment, language, "html")] = render_html(chapter)
    return files
