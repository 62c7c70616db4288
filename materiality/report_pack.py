"""PURE: the report pack of a confirmed assessment: workbook, methodology text and ZIP, from plain data.

No Django here: materiality.committee gathers the data from the database and calls these functions.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from materiality.tables import safe_cell

Sheet = tuple[str, list[str], list[list[Any]]]  # title, header, rows

# Bilingual labels: column headers read "English / 中文".
LABELS: dict[str, str] = {
    "topic": "Topic code / 议题代码", "pillar": "Pillar / 维度", "name_en": "Name (English) / 英文名称",
    "name_zh": "Name (Chinese) / 中文名称", "impact": "Impact materiality / 影响重要性",
    "financial": "Financial materiality / 财务重要性", "combined": "Combined / 综合", "rank": "Rank / 排名",
    "n_impact": "Impact answers / 影响评分数", "n_financial": "Financial answers / 财务评分数",
    "horizon_short": "Short term / 短期", "horizon_medium": "Medium term / 中期", "horizon_long": "Long term / 长期",
    "impact_low": "Impact 95% low / 影响95%下限", "impact_high": "Impact 95% high / 影响95%上限",
    "financial_low": "Financial 95% low / 财务95%下限", "financial_high": "Financial 95% high / 财务95%上限",
    "borderline": "Borderline / 临界", "computed_class": "Computed class / 计算等级",
    "committee_class": "Committee class / 委员会等级", "final_class": "Final class / 最终等级",
    "reason": "Reason / 理由", "by": "By / 提出人", "when": "When / 时间", "group": "Stakeholder group / 利益相关方群体",
    "variance_impact": "Impact variance / 影响方差", "variance_financial": "Financial variance / 财务方差",
    "invited": "Invited / 已邀请", "submitted": "Submitted (personal links) / 已提交（个人链接）",
    "open_submitted": "Submitted (open link) / 已提交（公开链接）", "imported": "Imported / 导入",
    "total_submitted": "Total submitted / 提交总数", "rate": "Response rate / 回复率",
    "upstream": "Upstream / 上游", "own_operations": "Own operations / 自身运营", "downstream": "Downstream / 下游",
    "groups": "Affected stakeholder groups / 受影响的利益相关方", "risks": "Risks / 风险",
    "opportunities": "Opportunities / 机遇", "influence_period": "Influence period / 影响期间",
    "field": "Item / 项目", "value": "Value / 内容", "group_en": "Group (English) / 群体（英文）",
    "group_zh": "Group (Chinese) / 群体（中文）",
    "check": "Check / 检查项", "state": "State / 状态", "detail": "Detail / 说明", "waiver": "Chair's reason / 主席理由",
}
SHEET_TITLES = {
    "cover": "Cover 封面",
    "scores": "Scores 得分", "counts": "Counts 评分数", "intervals": "Intervals 区间", "classes": "Classes 等级",
    "overrides": "Overrides 调整", "groups": "Per group 分群体", "rates": "Response rates 回复率",
    "register": "Register 登记册", "checks": "Confirmation 确认",
}
STATE_LABELS = {"passed": "passed / 通过", "waived": "waived by the chair / 主席豁免", "failed": "failed / 未通过"}
CLASS_LABELS = {"major": "major / 重大", "important": "important / 重要", "general": "general / 一般", "": ""}


def header(*keys: str) -> list[str]:
    return [LABELS[k] for k in keys]


# Number formats by column: scores to two decimals, rates as percentages, counts as whole numbers.
SCORE_KEYS = ("impact", "financial", "combined", "impact_low", "impact_high", "financial_low", "financial_high",
              "variance_impact", "variance_financial")
COUNT_KEYS = ("rank", "n_impact", "n_financial", "horizon_short", "horizon_medium", "horizon_long", "invited",
              "submitted", "open_submitted", "imported", "total_submitted")
FORMATS = {**{LABELS[k]: "0.00" for k in SCORE_KEYS}, **{LABELS[k]: "0" for k in COUNT_KEYS}, LABELS["rate"]: "0.0%"}
MAX_WIDTH = 60


def text_width(value: Any) -> int:
    """Columns a value needs: CJK characters take two."""
    text = f"{value:.2f}" if isinstance(value, float) else str(value if value is not None else "")
    longest = max(text.split("\n"), key=len) if text else ""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in longest)


def workbook(sheets: Sequence[Sheet], cover: Sequence[tuple[str, Any]] = ()) -> bytes:
    """Write one XLSX: a cover sheet, then per sheet a styled, frozen, filtered header row, number formats by column
    and widths that fit. Text cells are guarded against formula injection."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    first = book.active
    first.title = SHEET_TITLES["cover"]
    first.append([LABELS["field"], LABELS["value"]])
    for label, value in cover:
        first.append([label, safe_cell(value)])
    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="DCE6F1")
    wrap = Alignment(wrap_text=True, vertical="top")
    for title, head, rows in [(SHEET_TITLES["cover"], [LABELS["field"], LABELS["value"]], []), *sheets]:
        sheet = book[title] if title in book.sheetnames else book.create_sheet(title[:31])
        if sheet is not first:
            sheet.append(head)
            for row in rows:
                sheet.append([safe_cell(v) for v in row])
        for cell in sheet[1]:
            cell.font, cell.fill, cell.alignment = head_font, head_fill, wrap
        for index, label in enumerate(head, start=1):
            letter = get_column_letter(index)
            cells = [row[0] for row in sheet.iter_rows(min_row=2, min_col=index, max_col=index)]
            if label in FORMATS:
                for cell in cells:
                    cell.number_format = FORMATS[label]
            widest = max([min(text_width(label), 28), *(text_width(c.value) for c in cells)])
            sheet.column_dimensions[letter].width = min(widest + 2, MAX_WIDTH)
            if widest > MAX_WIDTH:
                for cell in cells:
                    cell.alignment = wrap
        sheet.freeze_panes = "A2"
        if sheet is not first and sheet.max_row > 1:
            sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class MethodInput:
    """What the methodology text states: all taken from the stored run and the frozen data, not the live assessment."""

    assessment: str
    library: str
    run_id: int
    method: str
    params: Mapping[str, Any]
    input_checksum: str
    respondents: int
    topics: int
    groups: list[tuple[str, str, str]]  # code, English name, Chinese name
    questionnaires: list[tuple[str, list[str], list[str]]] = field(default_factory=list)  # title, groups, items
    confirmed: str = ""  # local time, seconds, with its offset
    confirmed_by: str = ""
    time_zone: str = ""
    overrides: int = 0
    classes: Mapping[str, int] = field(default_factory=dict)  # final class -> topics
    checks: list[tuple[str, str, str]] = field(default_factory=list)  # "English / 中文" label, state, waiver reason


ITEM_ZH = {"severity": "严重程度", "likelihood": "可能性", "magnitude": "财务影响程度",
           "financial likelihood": "财务可能性", "horizon": "时间范围"}


def methodology(m: MethodInput) -> str:
    """Return the methodology note, complete in English and then in Chinese, from a run's stored parameters.

    It stands alone: every rule the scores follow is stated here, and no internal document is referred to.
    """
    p = m.params
    weights = p.get("weights", {})
    scale = p.get("scale")
    classes = ", ".join(f"{k} {v}" for k, v in m.classes.items())
    classes_zh = "，".join(f"{ {'major': '重大', 'important': '重要', 'general': '一般'}.get(k, k)} {v} 项"
                          for k, v in m.classes.items())
    english = [
        f"Methodology of the double-materiality assessment: {m.assessment}",
        "=" * 72,
        f"Issue library: {m.library}. Topics scored: {m.topics}. Respondents (submitted responses scored): "
        f"{m.respondents}.",
        f"Score run {m.run_id}, method {m.method}; input checksum (SHA-256 of the per-group statistics): "
        f"{m.input_checksum}.",
        f"Confirmed: {m.confirmed or 'not yet'} by {m.confirmed_by or '-'}; times are given in {m.time_zone}.",
        f"Topics per final class (after the committee's changes): {classes}. Committee changes of class: "
        f"{m.overrides}.",
        "",
        f"Rating scale: 1 to {scale}; 'don't know' is stored as empty and never counts as a number.",
        "Items asked:",
        *(f"  - {title}: groups {', '.join(groups) or '-'}; items {', '.join(items)}" for title, groups, items
          in m.questionnaires),
        "Respondent groups and weights (w_g):",
        *(f"  - {code} ({en} / {zh}): {weights.get(code, 0):g}" for code, en, zh in m.groups),
        f"Thresholds: major {p.get('major')}, important {p.get('important')} (tolerance {p.get('tolerance')}: a "
        "score that close below a threshold reaches it).",
        "",
        "How the scores are computed:",
        "  impact(r,t) = sqrt(severity x likelihood); = severity when likelihood is not given.",
        "  financial(r,t) = sqrt(magnitude x financial likelihood); = magnitude when likelihood is not given.",
        "  G(g,t) = mean of the non-empty per-response values in group g; n(g,t) their count.",
        "  I(t) = sum(w_g G(g,t)) / sum(w_g) over the groups with n(g,t) >= 1; F(t) likewise.",
        "  combined(t) = mean of I(t) and F(t) where both exist, else the one that exists.",
        "  major: I >= major and F >= major; important: otherwise I >= important or F >= important; else general.",
        "  95% interval: score +/- 1.96 SE, SE^2 = sum((w_g / sum w)^2 s^2(g,t) / n(g,t)), s^2 the sample variance",
        "  of the group's values (a group with one answer adds nothing); a topic whose interval crosses a threshold",
        "  is borderline. Rank by combined, descending; ties by topic code, ascending.",
        "  Influence period: the most frequent horizon among the financial ratings (ties to the shorter).",
        "",
        "Checks before confirmation (state; the chair's reason where a check was waived):",
        *(f"  - {label}: {state}{f' ({waiver})' if waiver else ''}" for label, state, waiver in m.checks),
        "",
    ]
    chinese = [
        f"双重重要性评估方法说明：{m.assessment}",
        "=" * 36,
        f"议题库：{m.library}。评分议题数：{m.topics}。受访者（计入评分的已提交回答）：{m.respondents}。",
        f"评分运行 {m.run_id}，方法 {m.method}；输入校验值（各群体统计量的 SHA-256）：{m.input_checksum}。",
        f"确认时间：{m.confirmed or '尚未确认'}，确认人：{m.confirmed_by or '-'}；时间均为 {m.time_zone} 时区。",
        f"各最终等级的议题数（含委员会调整）：{classes_zh}。委员会等级调整：{m.overrides} 项。",
        "",
        f"评分量表：1 至 {scale}；“不知道”记为空值，不计入数值。",
        "所问项目：",
        *(f"  - {title}：群体 {'、'.join(groups) or '-'}；项目 {'、'.join(ITEM_ZH.get(i, i) for i in items)}"
          for title, groups, items in m.questionnaires),
        "利益相关方群体及权重（w_g）：",
        *(f"  - {code}（{zh or en}）：{weights.get(code, 0):g}" for code, en, zh in m.groups),
        f"阈值：重大 {p.get('major')}，重要 {p.get('important')}"
        f"（容差 {p.get('tolerance')}：低于阈值不超过容差的得分视为达到阈值）。",
        "",
        "得分计算方法：",
        "  影响(r,t) = √(严重程度 × 可能性)；未给出可能性时取严重程度。",
        "  财务(r,t) = √(财务影响程度 × 财务可能性)；未给出财务可能性时取财务影响程度。",
        "  G(g,t) = 群体 g 中非空回答值的均值；n(g,t) 为其个数。",
        "  I(t) = Σ w_g·G(g,t) / Σ w_g，仅计 n(g,t) ≥ 1 的群体；F(t) 同理。",
        "  综合(t) = I(t) 与 F(t) 均存在时取两者均值，否则取存在的一项。",
        "  重大：I 与 F 均达到重大阈值；重要：否则 I 或 F 达到重要阈值；其余为一般。",
        "  95% 区间：得分 ± 1.96·SE，SE² = Σ (w_g/Σw)² · s²(g,t) / n(g,t)，",
        "  s² 为群体回答值的样本方差（仅一个回答的群体不计）；区间跨越阈值的议题标记为临界。",
        "  按综合得分降序排名；得分相同时按议题代码升序。",
        "  影响期间：财务评分中出现最多的时间范围（次数相同时取较短者）。",
        "",
        "确认前检查（状态；如主席豁免，附其理由）：",
        *(f"  - {label}：{state}{f'（{waiver}）' if waiver else ''}" for label, state, waiver in m.checks),
        "",
    ]
    return "\n".join(english + chinese)


def zip_pack(files: Mapping[str, bytes], when: tuple[int, int, int, int, int, int]) -> bytes:
    """Return a ZIP holding the files, every entry dated `when` (the confirmation, in local time)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()
