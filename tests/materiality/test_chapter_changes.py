"""Changes since the previous confirmed assessment (13.2g): topics that moved class, new and retired topics, taken
from both cycles' confirmed classes through the topics' lineage; the 2024 library's change descriptions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from materiality import chapter, services
from materiality.models import Assessment
from tests.materiality.confirmable import make_confirmable


@pytest.mark.django_db
def test_demo_2024_chapter_names_every_move_new_and_retired_topic():
    call_command("load_demo")
    current = Assessment.objects.get(slug="dma-2024")
    chair = User.objects.get(username="chair")
    make_confirmable(services.latest_succeeded_run(current), chair)
    assert services.confirm_assessment(current, acting_user=chair)
    before = services.final_classes(services.latest_succeeded_run(current.previous))
    now = services.final_classes(services.latest_succeeded_run(current))
    scores = list(services.latest_succeeded_run(current).topic_scores.select_related("topic").order_by("rank"))
    order = {"major": 0, "important": 1, "general": 2}
    labels = chapter.class_labels()
    expected, carried = [], set()
    for s in scores:
        olds = [p.pk for p in s.topic.predecessors.all() if p.pk in before]
        carried.update(p.pk for p in s.topic.predecessors.all())
        if not olds:
            expected.append(f"New: “{s.topic.name_en}” ({labels[now[s.topic_id][0]]}).")
            continue
        was = min((before[p][0] for p in olds), key=order.__getitem__)
        if was != now[s.topic_id][0]:
            expected.append(f"Moved: “{s.topic.name_en}” from {labels[was]} to {labels[now[s.topic_id][0]]}.")
    previous_topics = current.previous.library.topics.all()
    expected += [f"Retired: “{t.name_en}” is no longer assessed." for t in previous_topics
                 if t.pk in before and t.pk not in carried]

    c = chapter.build_chapter(current, "en")
    assert c.changes == expected
    assert sum(line.startswith("New:") for line in c.changes) == 4  # the 2024 library's four new topics
    described = [line for row in c.library for line in row.changes]
    assert any(line.startswith("Statement adjustment: “Climate change” is now “Respond to climate change”.")
               for line in described)
    zh = chapter.build_chapter(current, "zh-hans")
    assert any(line.startswith("表述调整：“气候变化”调整为“应对气候变化”") for row in zh.library for line in row.changes)
    assert len(zh.changes) == len(c.changes) and all(line[:2] in ("新增", "等级", "移除") for line in zh.changes)
    # The work team's change notes: the Chinese note in Chinese, never the English one beside it.
    noted = list(current.library.topics.exclude(change_note=""))
    assert noted and all(t.change_note_zh for t in noted)
    zh_lines = "\n".join(line for row in zh.library for line in row.changes)
    en_lines = "\n".join(described)
    for t in noted:
        assert t.change_note_zh in zh_lines and t.change_note not in zh_lines, t.code
        assert t.change_note in en_lines and t.change_note_zh not in en_lines, t.code
    assert chapter.UNTRANSLATED not in zh_lines
