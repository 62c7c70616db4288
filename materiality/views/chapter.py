"""Download the materiality chapter of a confirmed assessment (DOCX or HTML, English or Chinese)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from materiality import chapter
from materiality.models import Assessment
from materiality.views.downloads import attachment

CONTENT_TYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "html": "text/html; charset=utf-8"}


@permission_required("materiality.view_results", raise_exception=True)
def chapter_download(request: HttpRequest, slug: str, language: str, fmt: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment, slug=slug)
    if language not in chapter.LANGUAGES or fmt not in chapter.FORMATS:
        raise Http404
    try:
        content = chapter.render(assessment, language, fmt)
    except chapter.ChapterRefused as exc:
        messages.error(request, str(exc))
        return redirect("materiality:results", slug=slug)
    return attachment(content, chapter.file_name(assessment, language, fmt), CONTENT_TYPES[fmt])
