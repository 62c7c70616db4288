"""`qr_svg`: a link's QR code as an inline <svg> element (segno, surveys.qr), for the open-link page and poster."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from surveys import qr

register = template.Library()


@register.filter
def qr_svg(url: str) -> SafeString:
    # segno writes only paths and numbers; the link is encoded in the drawing, never copied into the markup.
    return mark_safe(qr.inline_svg(url))  # noqa: S308
