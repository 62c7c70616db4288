"""The questionnaire page goes out gzipped to a browser that accepts it, and as plain HTML to one that does not.

Issue 16: a respondent's page costs bytes on slow mobile links; the 24-topic form with impact items is the largest
page a respondent opens.
"""

from __future__ import annotations

import gzip
import re

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
    assert b"name=topics" in html and len(packed.content) < len(html) / 4



def test_the_24_topic_form_page_is_at_most_40_kb_before_compression(client, url):
    """Issue 16.6: one shared key per pillar, radios inside their labels, no whitespace between a card's tags."""
    html = client.get(url).content
    assert html.count(b"name=topics") == 24 and html.count(b"type=radio") == 24 * 2 * 6
    assert len(html) <= 40_000, len(html)


def test_the_form_page_still_fits_when_topic_keys_have_five_digits(client, url):
    """A lived-in database's topics have longer keys (the CI run's had five digits): each digit more costs every card
    the number of times its key is written, so the page is measured as it would be with five-digit keys."""
    html = client.get(url).content
    key = re.search(rb"data-topic><input type=hidden name=topics value=(\d+)>", html).group(1)
    per_card = len(re.findall(rb"(?<![0-9])" + key + rb"(?![0-9])", html))
    assert per_card >= 15  # the card's id, its topics input, two fieldsets of six radios and the comment
    assert len(html) + 24 * per_card * (5 - len(key)) <= 40_000
