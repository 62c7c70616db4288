"""The evaluation procedure of the materiality chapter in words, generated from the parameters a run used.

Free of the ORM: chapter.procedure_input gathers the ProcedureInput from the confirmed run, so the golden test can
fix the parameters and compare the text word for word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

ESRS_1 = "esrs-1"


@dataclass
class ProcedureInput:
    """What the procedure text states, taken from the confirmed run (not from the live assessment)."""

    method: str
    scale: int
    major: float
    important: float
    groups: list[tuple[str, float, bool]]  # group name in the chapter's language, weight, rates financial items
    items: list[str]  # item keys asked: severity, likelihood, magnitude, financial_likelihood, horizon
    topics: int
    respondents: int
    severity_rule: str = ""
    raters: int = 0
    iros: int = 0


ITEM_LABELS = {"severity": gettext_noop("severity of the impact"), "likelihood": gettext_noop("likelihood of the impact"),
               "magnitude": gettext_noop("magnitude of the financial effect"),
               "financial_likelihood": gettext_noop("likelihood of the financial effect"),
               "horizon": gettext_noop("time horizon of the financial effect")}
SEVERITY_RULES = {"mean_max": gettext_noop("the average of their mean and their highest value"),
                  "mean": gettext_noop("their mean"), "max": gettext_noop("their highest value")}


def number(value: float) -> str:
    return f"{value:g}"


def listing(items: Sequence[str]) -> str:
    """Join words as the language does ("a, b and c" / "a、b和c")."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s and %(last)s") % {"first": _(", ").join(items[:-1]), "last": items[-1]}


def procedure_text(p: ProcedureInput, language: str) -> list[str]:
    """Return the evaluation procedure as paragraphs in the language, generated from the parameters used."""
    with translation.override(language):
        weights = listing([_("%(group)s (weight %(weight)s)") % {"group": g, "weight": number(w)}
                           for g, w, _r in p.groups])
        paragraphs = [
            _("Step 1, issue identification: the issue library of %(topics)s topics was reviewed against the "
              "company's activities, business relationships and value chain, regulation, industry standards and "
              "peers; the changes against last year are listed below.") % {"topics": p.topics},
        ]
        if p.method == ESRS_1:
            paragraphs += [
                _("Step 2, evaluation: %(raters)s internal raters assigned by the work team rated %(iros)s impacts, "
                  "risks and opportunities on a scale of 1 to %(scale)s; an empty answer means \"don't know\" and "
                  "is not counted.") % {"raters": p.raters, "iros": p.iros, "scale": p.scale},
                _("The severity of an impact combines its scale, its scope and, for a negative impact, how far it "
                  "can be remedied, as %(rule)s. An actual impact scores its severity; a potential impact the "
                  "square root of severity times likelihood, except a potential negative impact on human rights, "
                  "which scores its severity. A risk or an opportunity scores the square root of the magnitude of "
                  "its financial effect times its likelihood.") % {"rule": _(SEVERITY_RULES.get(p.severity_rule,
                                                                                             "mean_max"))},
                _("Each impact, risk or opportunity scores the mean of its raters' scores, and is material when "
                  "that mean reaches %(important)s. A topic's impact materiality is the highest score of its "
                  "impacts, its financial materiality the highest of its risks and opportunities.")
                % {"important": number(p.important)},
            ]
        else:
            paragraphs += [
                _("Step 2, evaluation: %(respondents)s respondents in %(n)s stakeholder groups, %(weights)s, rated "
                  "each topic on a scale of 1 to %(scale)s for the %(items)s; an empty answer means \"don't know\" "
                  "and is not counted.") % {"respondents": p.respondents, "n": len(p.groups), "weights": weights,
                                            "scale": p.scale, "items": listing([_(ITEM_LABELS[i]) for i in p.items])},
                _("A respondent's impact score is the square root of severity times likelihood (the severity alone "
                  "when no likelihood is given); the financial score likewise from magnitude and likelihood. Each "
                  "group's scores are averaged, and a topic's impact and financial materiality are the "
                  "weighted means of its groups' averages over the groups that answered."),
            ]
        paragraphs.append(
            _("Classification: a topic is major when both its impact and its financial materiality reach "
              "%(major)s; otherwise important when either reaches %(important)s; otherwise general. Topics are "
              "ranked by the mean of the two scores.") % {"major": number(p.major), "important": number(p.important)})
        paragraphs.append(
            _("Step 3, confirmation: the ESG Executive Committee reviewed the result, set the class of a topic "
              "where it had a written reason, and confirmed the result; the major and important topics are "
              "reported below with their value chain, stakeholders, risks, opportunities and influence period."))
    return paragraphs
