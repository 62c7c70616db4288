from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from materiality.models import IssueLibrary, Topic
from stakeholders.models import StakeholderGroup


@pytest.mark.django_db
def test_load_library_is_idempotent_and_links_lineage(capsys):
    call_command("load_library", "calb-2024")
    call_command("load_library", "calb-2024")
    assert IssueLibrary.objects.get(year=2024).topics.count() == 24
    assert IssueLibrary.objects.get(year=2023).topics.count() == 20
    assert StakeholderGroup.objects.count() == 9
    e01 = Topic.objects.get(library__year=2024, code="E01")
    assert [p.name_en for p in e01.predecessors.all()] == ["Climate change"]
    assert all(t.name_zh for t in Topic.objects.all())
    assert "0 topics and 0 groups created" in capsys.readouterr().out
    counts = {k: Topic.objects.filter(library__year=2024, change_kind=k).count() for k in ("new", "renamed", "expanded")}
    assert counts == {"new": 4, "renamed": 2, "expanded": 4}


@pytest.mark.django_db
def test_unknown_template_is_a_clear_error():
    with pytest.raises(CommandError, match="Unknown template 'calb-1999'"):
        call_command("load_library", "calb-1999")
    assert not IssueLibrary.objects.exists()
