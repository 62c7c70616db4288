"""The committee page lists every check with its state; the confirm form needs the typed name and passing checks."""

from __future__ import annotations

import re

from django.urls import reverse

from materiality.models import Assessment, ConfirmedPack
from tests.conftest import client_for
from tests.materiality.confirmable import make_confirmable


def page(client, slug: str) -> str:
    return client.get(reverse("materiality:committee", kwargs={"slug": slug})).content.decode()


def test_page_lists_each_check_and_names_the_blocking_ones(scored, chair):
    html = page(client_for(chair), scored.assessment.slug)
    found = dict(re.findall(r'data-check="(\w+)" data-state="(\w+)"', html))
    assert found["run"] == "passed" and found["register"] == "failed" and found["questionnaires"] == "failed"
    assert 'id="confirm-blocked"' in html and "complete step-3 register entry" in html.split('id="confirm-blocked"')[1]
    assert re.search(r'id="confirm-button"[^>]*disabled', html)
    assert "js/confirm_dialog.js" in html and "<script>" not in html


def test_a_crafted_post_is_refused_while_a_check_fails(scored, chair):
    url = reverse("materiality:confirm", kwargs={"slug": scored.assessment.slug})
    response = client_for(chair).post(url, {"typed_name": scored.assessment.name}, follow=True)
    assert "cannot be confirmed yet" in response.content.decode()
    assert not Assessment.objects.get(pk=scored.assessment_id).is_confirmed


def test_the_name_must_be_typed(scored, chair):
    make_confirmable(scored, chair)
    client = client_for(chair)
    url = reverse("materiality:confirm", kwargs={"slug": scored.assessment.slug})
    for data in ({}, {"typed_name": "dma"}):
        response = client.post(url, data, follow=True)
        assert "name" in response.content.decode() and not Assessment.objects.get(pk=scored.assessment_id).is_confirmed
    html = page(client, scored.assessment.slug)
    assert 'id="confirm-dialog"' in html and "ready for the chair to confirm" in html
    client.post(url, {"typed_name": f" {scored.assessment.name} "})
    assert Assessment.objects.get(pk=scored.assessment_id).is_confirmed
    assert ConfirmedPack.objects.get().sha256 in page(client, scored.assessment.slug)
