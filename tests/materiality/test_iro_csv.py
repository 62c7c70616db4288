"""The IRO register file (DESIGN.md section 4), checked line by line without a database."""

from __future__ import annotations

from materiality import iro_csv
from materiality.tables import read_csv

HEADER = "iro,topic,kind,sign,status,human_rights,title_en,title_zh,description,value_chain,horizon,groups,effect"
KNOWN = iro_csv.Known(topics=frozenset({"S07", "E01"}), retired_topics=frozenset({"E99"}),
                      groups=frozenset({"customers", "employees"}), previous=frozenset({"S07-I1"}))


def parse(*lines: str, header: str = HEADER, known: iro_csv.Known = KNOWN):
    return iro_csv.parse(read_csv("\n".join([header, *lines]).encode()), known)


def messages(errors) -> list[str]:
    return [str(e) for e in errors]


def test_the_design_example_parses_into_typed_rows():
    rows, errors = parse(
        "S07-I1,S07,impact,negative,potential,no,Battery safety incidents harm users,电池安全事故伤害用户,,own;downstream,"
        "long,customers,",
        "S07-R1,S07,risk,,,,Recall costs,召回成本,,downstream,medium,customers,performance;cash_flows")
    assert errors == []
    impact, risk = rows
    assert (impact.kind, impact.sign, impact.status, impact.human_rights) == ("impact", "negative", "potential", False)
    assert impact.value_chain == ("own", "downstream") and impact.groups == ("customers",) and impact.effect == ()
    assert risk.human_rights is None and risk.effect == ("performance", "cash_flows")
    assert risk.description_zh is None and risk.arises_from is None  # optional columns absent: keep what is stored


def test_every_problem_of_every_line_is_named():
    rows, errors = parse(
        "S07-I1,S99,impact,bad,,maybe,,,,own;moon,later,aliens,position",
        "S07-R1,E99,risk,negative,actual,yes,Recall,,,,,,",
        "bad code!,S07,threat,,,,x,,,,,,",
    )
    text = messages(errors)
    assert rows == []
    for expected in ("line 2: topic 'S99' is not in the assessment's library",
                     "line 2: an impact's sign must be negative or positive, not 'bad'",
                     "line 2: an impact's status must be actual or potential, not ''",
                     "line 2: an impact's human_rights must be yes or no, not 'maybe'",
                     "line 2: title_en is empty", "line 2: value_chain: moon not one of upstream, own, downstream",
                     "line 2: horizon 'later' must be short, medium, long or empty",
                     "line 2: unknown stakeholder group(s) aliens",
                     "line 2: effect is for risks and opportunities: leave it empty for an impact",
                     "line 3: topic E99 is retired in this library",
                     "line 3: sign is for impacts: leave it empty for a risk",
                     "line 3: status is for impacts: leave it empty for a risk",
                     "line 3: human_rights is for impacts: leave it empty for a risk",
                     "line 4: iro 'bad code!' must be 1-32 letters, digits, '.', '_' or '-'",
                     "line 4: kind 'threat' must be impact, risk or opportunity"):
        assert expected in text, expected


def test_a_repeated_code_names_both_lines_even_when_the_first_is_wrong():
    _rows, errors = parse("R1,S07,risk,negative,,,Recall,,,,,,", "R1,S07,risk,,,,Recall again,,,,,,")
    assert "line 3: iro R1 already appears on line 2" in messages(errors)


def test_the_header_must_have_the_design_columns_and_nothing_unknown():
    _rows, errors = parse("R1,S07,risk", header="iro,topic,kind,colour")
    text = " ".join(messages(errors))
    assert "missing column(s) sign, status" in text and "unknown column(s) colour" in text


def test_links_must_point_at_impacts_of_the_file_or_the_assessment():
    header = HEADER + ",arises_from,dependencies"
    known = iro_csv.Known(topics=frozenset({"S07"}), kinds={"OLD-I1": "impact", "OLD-R1": "risk"})
    rows, errors = parse(
        "I1,S07,impact,negative,actual,yes,Harm,,,,,,,,",
        "R1,S07,risk,,,,Recall,,,,,,,I1;OLD-I1,Cell supply",
        "R2,S07,opportunity,,,,Repair services,,,,,,,OLD-R1;NONE;R2,",
        header=header, known=known)
    text = messages(errors)
    assert rows[1].arises_from == ("I1", "OLD-I1") and rows[1].dependencies == "Cell supply"
    assert "line 4: arises_from: OLD-R1 is a risk, not an impact" in text
    assert "line 4: arises_from: NONE is not an IRO of this assessment or this file" in text
    assert "line 4: R2 cannot arise from itself" in text


def test_an_impact_others_arise_from_must_stay_an_impact():
    known = iro_csv.Known(topics=frozenset({"S07"}), kinds={"I1": "impact", "R1": "risk"},
                          linked_from={"I1": ("R1",)})
    _rows, errors = parse("I1,S07,risk,,,,Now a risk,,,,,,", known=known)
    assert messages(errors) == ["line 2: I1 must stay an impact: R1 arise(s) from it"]


def test_a_rated_iro_keeps_its_kind_sign_and_status():
    known = iro_csv.Known(topics=frozenset({"S07"}), rated={"I1": ("impact", "negative", "potential")})
    rows, errors = parse("I1,S07,impact,negative,potential,no,Title edited,,,,,,", known=known)
    assert errors == [] and rows[0].title_en == "Title edited"
    _rows, errors = parse("I1,S07,impact,negative,actual,no,Harm,,,,,,", known=known)
    assert "already has ratings (as impact negative potential)" in messages(errors)[0]


def test_optional_columns_are_checked():
    header = HEADER + ",predecessor,to_reassess,description_zh"
    rows, errors = parse("S07-I1,S07,impact,negative,actual,no,Harm,,,,,,,S07-I1,yes,中文描述",
                         "S07-I2,S07,impact,positive,actual,no,Help,,,,,,,S07-I9,perhaps,", header=header)
    assert rows[0].predecessor == "S07-I1" and rows[0].to_reassess is True and rows[0].description_zh == "中文描述"
    text = messages(errors)
    assert "line 3: predecessor 'S07-I9' is not an IRO of the previous assessment" in text
    assert "line 3: to_reassess must be yes, no or empty, not 'perhaps'" in text


def test_a_header_without_rows_is_an_error():
    assert messages(parse()[1]) == ["line 1: the file has a header but no IRO rows"]
