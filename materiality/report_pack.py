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
    "total_submitted": "Total submitted / 提交总数", "rate": "Response rate % / 回复率%",
    "upstream": "Upstream / 上游", "own_operations": "Own operations / 自身运营", "downstream": "Downstream / 下游",
    "groups": "Affected stakeholder groups / 受影响的利益相关方", "risks": "Risks / 风险",
    "opportunities": "Opportunities / 机遇", "influence_period": "Influence period / 影响期间",
    "check": "Check / 检查项", "state": "State / 状态", "detail": "Detail / 说明", "waiver": "Chair's reason / 主席理由",
}
SHEET_TITLES = {
    "scores": "Scores 得分", "counts": "Counts 评分数", "intervals": "Intervals 区间", "classes": "Classes 等级",
    "overrides": "Overrides 调整", "groups": "Per group 分群体", "rates": "Response rates 回复率",
    "register": "Register 登记册", "checks": "Confirmation 确认",
}
STATE_LABELS = {"passed": "passed / 通过", "waived": "waived by the chair / 主席豁免", "failed": "failed / 未通过"}
CLASS_LABELS = {"major": "major / 重大", "important": "important / 重要", "general": "general / 一般", "": ""}


def header(*keys: str) -> list[str]:
    return [LABELS[k] for k in keys]


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """Write one XLSX with a bold header per sheet; text cells are guarded against formula injection."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, head, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(head)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class MethodInput:
    """What the methodology text states: all taken from the stored run, not from the live assessment."""

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
    confirmed: str = ""
    overrides: int = 0


def methodology(m: MethodInput) -> str:
    """Return the methodology note (English, then Chinese) generated from a run's stored parameters."""
    p = m.params
    weights = p.get("weights", {})
    scale = p.get("scale")
    lines = [
        f"Methodology of the double-materiality assessment: {m.assessment}",
        "=" * 72,
        f"Issue library: {m.library}. Topics scored: {m.topics}. Respondents: {m.respondents}.",
        f"Score run {m.run_id}, method {m.method}; input checksum (SHA-256 of the per-group statistics): "
        f"{m.input_checksum}.",
        f"Confirmed: {m.confirmed or 'not yet'}. Committee changes of class: {m.overrides}.",
        "",
        f"Rating scale: 1 to {scale}; 'don't know' is stored as empty and never counts as a number.",
        "Items asked:",
        *(f"  - {title}: groups {', '.join(groups) or '-'}; items {', '.join(items)}" for title, groups, items
          in m.questionnaires),
        "Respondent groups and weights (w_g):",
        *(f"  - {code} ({en} / {zh}): {weights.get(code, 0):g}" for code, en, zh in m.groups),
        f"Thresholds: major {p.get('major')}, important {p.get('important')} (tolerance {p.get('tolerance')}).",
        "",
        "Formulas (DESIGN.md section 3):",
        "  impact(r,t) = sqrt(severity x likelihood); = severity when likelihood is not given.",
        "  financial(r,t) = sqrt(magnitude x financial likelihood); = magnitude when likelihood is not given.",
        "  G(g,t) = mean of the non-empty per-response values in group g; n(g,t) their count.",
        "  I(t) = sum(w_g G(g,t)) / sum(w_g) over the groups with n(g,t) >= 1; F(t) likewise.",
        "  combined(t) = mean of I(t) and F(t) where both exist, else the one that exists.",
        "  major: I >= major and F >= major; important: otherwise I >= important or F >= important; else general.",
        "  95% interval: score +/- 1.96 SE, SE^2 = sum((w_g / sum w)^2 s^2(g,t) / n(g,t)); a topic whose interval",
        "  crosses a threshold is borderline. Rank by combined, descending; ties by topic code.",
        "  Influence period: the most frequent horizon among the financial ratings (ties to the shorter).",
        "",
        f"双重重要性评估方法说明：{m.assessment}",
        "=" * 36,
        f"议题库：{m.library}。评分议题数：{m.topics}。受访者：{m.respondents}。",
        f"评分运行 {m.run_id}，方法 {m.method}；输入校验值（SHA-256）：{m.input_checksum}。",
        f"确认时间：{m.confirmed or '尚未确认'}。委员会等级调整：{m.overrides} 项。",
        f"评分量表：1 至 {scale}；“不知道”记为空值，不计入数值。",
        "利益相关方群体及权重：",
        *(f"  - {code}（{zh or en}）：{weights.get(code, 0):g}" for code, en, zh in m.groups),
        f"阈值：重大 {p.get('major')}，重要 {p.get('important')}（容差 {p.get('tolerance')}）。",
        "公式：影响(r,t) = √(严重程度 × 可能性)，仅有严重程度时取严重程度；财务(r,t) = √(财务影响程度 × 财务可能性)，"
        "仅有影响程度时取影响程度。",
        "群体均值 G(g,t)；议题得分 I(t) = Σ w_g·G(g,t) / Σ w_g（仅计有回答的群体）；F(t) 同理；综合得分为两者均值。",
        "重大：I 与 F 均达到重大阈值；重要：I 或 F 达到重要阈值；其余为一般。",
        "95% 区间：得分 ± 1.96·SE；区间跨越阈值的议题标记为临界。",
        "",
    ]
    return "\n".join(lines)


def zip_pack(files: Mapping[str, bytes]) -> bytes:
    """Return a ZIP holding the files (fixed timestamps, so the same content gives the same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()
