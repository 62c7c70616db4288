"""`{% exclusion_counts assessment %}`: how many responses the work team left out of scoring, per group, for
any page that shows the assessment's answers or scores (tracking, results) without each view collecting them."""

from __future__ import annotations

from django import template

from surveys import exclusions

register = template.Library()


@register.inclusion_tag("surveys/_exclusion_counts.html", takes_context=True)
def exclusion_counts(context: template.Context, assessment: object) -> dict[str, object]:
    return {"exclusions": exclusions.counts_by_group(assessment), "LANGUAGE_CODE": context.get("LANGUAGE_CODE")}
