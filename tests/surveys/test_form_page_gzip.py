"""The questionnaire page goes out gzipped to a browser that accepts it, and as plain HTML to one that does not.

Issue 16: a respondent's page costs bytes on slow mobile links; the 24-topic form with impact items is the largest
page a respondent opens.
"""

from __future__ import annotations

import gzip

import pytest
from django.urls import reverse

EMAIL = "customers.1@example.org"


@pytest.fixture
def url(sent: dict) -> str:
    return reverse("surveys:respond_form", kwargs={"token": sent[EMAIL]})


def test_the_form_page_is_gzipped_when_accepted(client, url):
    plain = client.get(url)
    packed = client.get(url, headers={"accept-encoding": "gzip, br"})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content)
    assert b'name="topics"' in html and len(packed.content) < len(html) / 4



def test_the_24_topic_form_page_is_at_most_40_kb_before_compression(client, url):
    """Issue 16.6: one shared key per pillar, radios inside their labels, no whitespace between a card's tags."""
    html = client.get(url).content
    assert html.count(b'name="topics"') == 24 and html.count(b"type=radio") == 24 * 2 * 6
    assert len(html) <= 40_000, len(html)
