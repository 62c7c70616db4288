"""QR codes of open links (issue 14.5), drawn by segno: PNG and SVG files to download, inline SVG for the poster.

Error correction M (15 % of the code may be lost) survives a creased or partly covered printed poster; segno
raises it further when the link leaves room. Always a full QR code, never a Micro QR that phones may not read.
"""

from __future__ import annotations

import io

import segno

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
PNG_SCALE = 12  # pixels per module: about 600 px wide for a link, sharp when printed at 5 cm
BORDER = 4  # the quiet zone the standard asks for


def code(url: str) -> segno.QRCode:
    return segno.make_qr(url, error="m")


def image(url: str, file_format: str) -> bytes:
    """Return the link's QR code as a PNG or SVG file."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown format {file_format!r}")
    out = io.BytesIO()
    if file_format == "png":
        code(url).save(out, kind="png", scale=PNG_SCALE, border=BORDER)
    else:
        code(url).save(out, kind="svg", scale=PNG_SCALE, border=BORDER, title=url)
    return out.getvalue()


def inline_svg(url: str) -> str:
    """Return an <svg> element that scales to its box (no width or height), for a page to embed."""
    return code(url).svg_inline(omitsize=True, border=BORDER, svgclass="qr-code", lineclass="qr-line")
