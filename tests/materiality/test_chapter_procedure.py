"""Golden test: the evaluation procedure in words, generated from fixed parameters, in English and Chinese."""

from __future__ import annotations

from materiality.chapter_procedure import ProcedureInput, procedure_text

DMA = ProcedureInput(method="dma-1", scale=5, major=4.0, important=3.0,
                     groups=[("Customers", 2.0, False), ("Management", 1.5, True)],
                     items=["severity", "likelihood", "magnitude"], topics=24, respondents=120)


def test_dma_1_procedure_in_english():
    assert procedure_text(DMA, "en") == [
        "Step 1, issue identification: the issue library of 24 topics was reviewed against the company's activities, "
        "business relationships and value chain, regulation, industry standards and peers; the changes against last "
        "year are listed below.",
        "Step 2, evaluation: 120 respondents in 2 stakeholder groups, Customers (weight 2) and Management (weight "
        "1.5), rated each topic on a scale of 1 to 5 for the severity of the impact, likelihood of the impact and "
        "magnitude of the financial effect; an empty answer means \"don't know\" and is not counted.",
        "A respondent's impact score is the square root of severity times likelihood (the severity alone when no "
        "likelihood is given); the financial score likewise from magnitude and likelihood. Each group's scores are "
        "averaged, and a topic's impact and financial materiality are the weighted means of its groups' averages "
        "over the groups that answered.",
        "Classification: a topic is major when both its impact and its financial materiality reach 4; otherwise "
        "important when either reaches 3; otherwise general. Topics are ranked by the mean of the two scores.",
        "Step 3, confirmation: the ESG Executive Committee reviewed the result, set the class of a topic where it "
        "had a written reason, and confirmed the result; the major and important topics are reported below with "
        "their value chain, stakeholders, risks, opportunities and influence period.",
    ]


def test_dma_1_procedure_in_chinese_names_the_same_parameters():
    text = procedure_text(DMA, "zh-hans")
    assert text[1] == ("第二步，评估：来自 2 个利益相关方群体（Customers（权重 2）和Management（权重 1.5））的 120 名受访者"
                       "按1至5分就影响的严重程度、影响的发生可能性和财务影响的程度对每项议题评分；空白回答表示“不知道”，"
                       "不计入统计。")
    assert text[3] == ("分级：影响重要性与财务重要性均达到 4 的议题为重大议题；否则任一达到 3 的为重要议题；"
                       "其余为一般议题。议题按两项得分的平均值排序。")


def test_esrs_1_procedure_states_raters_rule_and_threshold():
    esrs = ProcedureInput(method="esrs-1", scale=5, major=4.0, important=3.5, groups=[], items=[], topics=24,
                          respondents=0, severity_rule="max", raters=6, iros=48)
    text = procedure_text(esrs, "en")
    assert text[1] == ("Step 2, evaluation: 6 internal raters assigned by the work team rated 48 impacts, risks and "
                       "opportunities on a scale of 1 to 5; an empty answer means \"don't know\" and is not counted.")
    assert "as their highest value." in text[2]
    assert text[3].startswith("Each impact, risk or opportunity scores the mean of its raters' scores, and is "
                              "material when that mean reaches 3.5.")
