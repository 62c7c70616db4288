"""Which evidence files the register accepts, judged by their content and not only their name (pure: no Django).

A file passes when its bytes are one of a short list of document types and its extension says the same type, so
a renamed executable or an HTML page called report.pdf is refused.
"""

from __future__ import annotations

import codecs
import zipfile
from typing import IO

# extension -> (content type, label)
TYPES = {
    "pdf": ("application/pdf", "PDF"),
    "png": ("image/png", "PNG"),
    "jpg": ("image/jpeg", "JPEG"),
    "jpeg": ("image/jpeg", "JPEG"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint"),
    "csv": ("text/csv", "CSV"),
    "txt": ("text/plain", "text"),
}
SIGNATURES = {"pdf": b"%PDF-", "png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff", "jpeg": b"\xff\xd8\xff"}
# The part every Office Open XML document of that kind holds.
OOXML_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
CHUNK = 64 * 1024


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def allowed_labels() -> str:
    return ", ".join(dict.fromkeys(label for _, label in TYPES.values()))


def _is_text(stream: IO[bytes]) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(CHUNK):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _is_ooxml(stream: IO[bytes], part: str) -> bool:
    try:
        with zipfile.ZipFile(stream) as archive:  # reads the central directory only; nothing is extracted
            return part in archive.namelist() and "[Content_Types].xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def content_type(stream: IO[bytes], name: str) -> str | None:
    """Return the content type of an acceptable file (its bytes match its extension), else None.

    `stream` must be seekable; it is left at its start.
    """
    ext = extension(name)
    if ext not in TYPES:
        return None
    stream.seek(0)
    try:
        if ext in SIGNATURES:
            ok = stream.read(len(SIGNATURES[ext])) == SIGNATURES[ext]
        elif ext in OOXML_PARTS:
            ok = _is_ooxml(stream, OOXML_PARTS[ext])
        else:
            ok = _is_text(stream)
    finally:
        stream.seek(0)
    return TYPES[ext][0] if ok else None
