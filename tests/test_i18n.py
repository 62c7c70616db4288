"""Every page string has a Chinese translation, and the language switch changes the pages."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.urls import reverse

from tests.conftest import client_for

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_catalogue_is_complete():
    catalogue = polib.pofile(str(PO))
    untranslated = [e.msgid for e in catalogue.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


@pytest.mark.django_db
def test_language_switch_shows_chinese_pages(library_2024, work_team_user):
    client = client_for(work_team_user)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    page = client.get(reverse("materiality:library_detail", args=[2024])).content.decode()
    assert "议题库" in page and "应对气候变化" in page and "Respond to climate change" in page
    assert 'lang="zh-hans"' in page
