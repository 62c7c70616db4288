"""The IRO ratings file (DESIGN.md section 4), checked line by line without a database."""

from __future__ import annotations

from materiality import iro_ratings_csv
from materiality.tables import read_csv

HEADER = "rater,iro,scale,scope,irremediability,likelihood,magnitude,rationale"
KNOWN = iro_ratings_csv.Known(
    criteria={"S07-I1": ("scale", "scope", "irremediability", "likelihood"), "S07-R1": ("magnitude", "likelihood"),
              "E01-I1": ("scale", "scope", "irremediability")},
    described={"S07-I1": "a potential negative impact", "S07-R1": "a risk", "E01-I1": "an actual negative impact"},
    scale=5,
)


def parse(*lines: str, header: str = HEADER):
    rows, errors = iro_ratings_csv.parse(read_csv("\n".join([header, *lines]).encode()), KNOWN)
    return rows, [str(e) for e in errors]


def test_the_design_example_parses_with_empty_cells_as_dont_know():
    rows, errors = parse('mgmt-01,S07-I1,5,4,4,3,,"Thermal runaway in the field"', "mgmt-01,S07-R1,,,,3,4,",
                         "offline person,E01-I1,2,,,,,")
    assert errors == []
    impact, risk, actual = rows
    assert impact.values == {"scale": 5, "scope": 4, "irremediability": 4, "likelihood": 3, "magnitude": None}
    assert impact.rationale == "Thermal runaway in the field"
    assert risk.values["magnitude"] == 4 and risk.values["scale"] is None
    assert actual.rater == "offline person" and actual.values["scope"] is None


def test_every_bad_line_is_named():
    _rows, errors = parse(
        "mgmt-01,E01-I1,3,3,3,2,,",  # likelihood for an actual impact
        "mgmt-01,S07-I1,6,0,2.5,x,,",  # outside 1..S, not whole, not a number
        "mgmt-01,S99-I9,3,,,,,",  # unknown IRO
        "mgmt-01,S07-R1,4,,,3,4,",  # scale for a risk
        ",S07-R1,,,,3,4,",  # no rater
        "mgmt-01,S07-R1,,,,2,2,again",  # same rater and IRO as line 5
    )
    for expected in (
        "line 2: E01-I1 is an actual negative impact, which is not rated on likelihood: leave that cell empty",
        "line 3: scale '6' must be a whole number from 1 to 5, or empty for don't know",
        "line 3: scope '0' must be a whole number from 1 to 5, or empty for don't know",
        "line 3: irremediability '2.5' must be a whole number from 1 to 5, or empty for don't know",
        "line 3: likelihood 'x' must be a whole number from 1 to 5, or empty for don't know",
        "line 4: iro 'S99-I9' is not an IRO of this assessment",
        "line 5: S07-R1 is a risk, which is not rated on scale: leave that cell empty",
        "line 6: rater is empty: give any identifier of the person",
        "line 7: rater mgmt-01 already rates S07-R1 on line 5",
    ):
        assert expected in errors, (expected, errors)


def test_the_header_must_have_every_column():
    _rows, errors = parse("mgmt-01,S07-R1,,4", header="rater,iro,magnitude,likelihood,comment")
    assert errors[0].startswith("line 1: missing column(s) scale, scope, irremediability, rationale")
    assert "line 1: unknown column(s) comment; the columns are " + ", ".join(iro_ratings_csv.COLUMNS) in errors


def test_a_header_alone_is_refused():
    assert parse()[1] == ["line 1: the file has a header but no rating rows"]
