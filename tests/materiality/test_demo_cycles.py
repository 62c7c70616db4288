"""The demo shows the whole loop: a confirmed 2023 cycle and an open 2024 cycle with movement since 2023."""

from __future__ import annotations

from materiality import audit, demo, services
from materiality.models import Assessment


def test_demo_has_a_confirmed_and_an_open_cycle(db):
    demo.load_demo()
    demo.load_demo()  # running it again changes nothing
    last, this = Assessment.objects.get(slug="dma-2023"), Assessment.objects.get(slug="dma-2024")
    assert last.is_confirmed and last.confirmed_by.username == "chair" and last.overrides.count() == 1
    assert last.register_entries.exists()
    assert not this.is_confirmed and this.previous == last
    run = services.latest_succeeded_run(this)
    assert run.topic_scores.exclude(previous_combined=None).exists() and run.topic_scores.filter(is_new=True).exists()
    assert services.may_confirm(this, this.chair) and this.chair.username == "chair"
    assert audit.verify().ok
