"""The questions a questionnaire can ask per topic, with their wording in both languages (via gettext)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Item:
    name: str  # the Rating field it fills
    flag: str  # the Questionnaire boolean that asks it
    dimension: str  # "impact" or "financial"
    label: Promise
    help: Promise
    low: Promise  # the meaning of 1
    high: Promise  # the meaning of the top of the scale


RATED_ITEMS = [
    Item("severity", "asks_severity", "impact", _("Severity of the impact"),
         _("How serious is, or would be, the effect on people or the environment?"),
         _("minimal"), _("very severe")),
    Item("likelihood", "asks_likelihood", "impact", _("Likelihood of the impact"),
         _("How likely is the effect to happen? Choose the top value if it is already happening."),
         _("very unlikely"), _("certain or already happening")),
    Item("magnitude", "asks_magnitude", "financial", _("Financial effect on the company"),
         _("How large would the effect on revenue, costs, assets or financing be?"),
         _("negligible"), _("very large")),
    Item("financial_likelihood", "asks_financial_likelihood", "financial", _("Likelihood of the financial effect"),
         _("How likely is that financial effect to happen?"),
         _("very unlikely"), _("almost certain")),
]
HORIZON_LABEL = _("When would the financial effect be felt?")
COMMENT_LABEL = _("Comment (optional)")
DONT_KNOW = "dk"  # the form value of "Don't know"; stored as NULL plus the item's name in Rating.dont_know
RATED_NAMES = [item.name for item in RATED_ITEMS]
