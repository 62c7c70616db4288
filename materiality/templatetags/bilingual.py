"""Template filters for bilingual data: `{{ topic|name_in:LANGUAGE_CODE }}`."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def name_in(obj: object, language: str) -> str:
    """Return the object's name in the page's language (English when no translation is stored)."""
    return obj.name_for(language)  # type: ignore[attr-defined]


@register.filter
def title_in(obj: object, language: str) -> str:
    """Return the object's title in the page's language (English when no translation is stored)."""
    return obj.title_for(language)  # type: ignore[attr-defined]


@register.filter
def description_in(obj: object, language: str) -> str:
    return obj.description_for(language)  # type: ignore[attr-defined]
