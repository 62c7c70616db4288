"""`with_zone`: a moment in the site's time zone with its UTC offset, so a respondent abroad (or a reader of a
printed page) knows which 18:00 is meant."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def with_zone(moment: dt.datetime | None) -> str:
    """2030-02-01 18:00 (UTC+08:00); empty for no moment."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    offset = local.strftime("%z")  # +0800
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"
