"""The audit page: readable entries, filters, paging, the chain's state, a constant number of queries; the export."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from materiality import audit, audit_labels
from materiality.models import AuditCheck, AuditEntry
from materiality.tables import read_csv
from surveys import services as survey_services
from tests.conftest import client_for

URL = reverse("materiality:audit_list")


def page_of(user, query: str = "") -> str:
    response = client_for(user).get(URL + query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def trail(assessment, work_team_user, committee_user):
    """A renamed assessment, and entries by two people on two days."""
    weights = survey_services.stored_weights(assessment)
    assessment.name = "DMA 2024 (draft)"
    survey_services.update_assessment(assessment, weights=weights, acting_user=work_team_user)
    audit.record(committee_user, "comment.add", assessment, assessment=assessment, after={"topic": "E01", "text": "ok"})
    assessment.name = "DMA 2024 final"
    survey_services.update_assessment(assessment, weights=weights, acting_user=work_team_user)
    old = AuditEntry.objects.filter(action="comment.add")
    old.update(created_at=timezone.now() - dt.timedelta(days=10))  # (the chain breaks: fine for the filters)
    return assessment


def test_entries_show_the_assessment_as_it_was_named_then(trail, committee_user):
    page = page_of(committee_user, "?action=comment")
    assert "DMA 2024 (draft)" in page and "DMA 2024 final" not in page.split('id="audit-caption"')[1]


def test_labels_and_field_labels_on_the_page(trail, committee_user):
    page = page_of(committee_user, "?action=assessment.edit")
    assert "Assessment settings changed" in page and "<code>assessment.edit</code>" in page
    assert '<th scope="row" class="fw-normal">Name</th><td class="text-break">DMA 2024 (draft)</td>' \
           '<td class="text-break">DMA 2024 final</td>' in page
    chinese = client_for(committee_user).get(URL + "?action=assessment.edit", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "已更改评估设置" in chinese.content.decode() and "变更前" in chinese.content.decode()


@pytest.mark.parametrize("query,actions", [
    ("?action=comment", ["comment.add"]),
    ("?action=assessment.edit", ["assessment.edit", "assessment.edit"]),
    ("?who=colin", ["comment.add"]),
    ("?assessment=dma-2024&action=comment", ["comment.add"]),
])
def test_filters(trail, committee_user, query, actions):
    form_page = page_of(committee_user, query)
    shown = [e for e in AuditEntry.objects.all() if f'id="entry-{e.pk}"' in form_page]
    assert sorted(e.action for e in shown) == sorted(actions)


def test_date_filter(trail, committee_user):
    today = timezone.localdate()
    recent = page_of(committee_user, f"?since={today - dt.timedelta(days=1)}&until={today}")
    old = page_of(committee_user, f"?until={today - dt.timedelta(days=5)}")
    comment = AuditEntry.objects.get(action="comment.add")
    assert f'id="entry-{comment.pk}"' not in recent and f'id="entry-{comment.pk}"' in old
    newer = AuditEntry.objects.exclude(pk=comment.pk).count()
    assert f"{newer} entries, newest first" in recent and "1 entry, newest first" in old


@pytest.mark.parametrize("query,message", [
    ("?since=2026-13-45", "Enter a valid date."),
    ("?since=2026-03-02&until=2026-03-01", "The “From” date is after the “To” date."),
    ("?action=nonsense", "Select a valid choice."),
    ("?assessment=no-such-slug", "Select a valid choice."),
    ("?who=nobody", "Select a valid choice."),
])
def test_a_bad_filter_is_named_and_filters_nothing(trail, committee_user, query, message):
    page = page_of(committee_user, query)
    assert message in page and "No filter was applied." in page
    assert f"{AuditEntry.objects.count()} entries, newest first" in page


def test_the_page_paginates_and_keeps_the_filters(db, committee_user):
    for i in range(120):
        audit.record(None, "library.publish", after={"published": True, "i": i})
    first = page_of(committee_user, "?action=library&who=system")
    assert first.count('<tr id="entry-') == 25 and "Page 1 of 5" in first
    assert "?action=library&amp;who=system&amp;page=2" in first
    last = page_of(committee_user, "?action=library&who=system&page=5")
    assert last.count('<tr id="entry-') == 20 and 'id="entry-1"' in last
    assert "Page 5 of 5" in page_of(committee_user, "?page=999")  # out of range: the last page, no error


def test_the_page_shows_the_last_full_verification_and_checks_only_new_entries(db, committee_user, work_team_user):
    for i in range(5):
        audit.record(None, "library.publish", after={"i": i})
    page = page_of(committee_user)
    assert "None yet: verify the whole chain" in page and "Hash chain intact up to entry 5." in page
    response = client_for(work_team_user).post(reverse("materiality:audit_verify"), follow=True)
    assert "Whole chain verified: 5 entries intact" in response.content.decode()
    full = AuditCheck.objects.get(is_full=True)
    assert full.checked_by == work_team_user and full.is_ok and full.head_seq == 5
    audit.record(None, "library.publish", after={"i": 5})
    page = page_of(committee_user)
    assert f"{timezone.localtime(full.checked_at):%Y-%m-%d %H:%M} by wendy: 5 entries" in page
    assert "1 entry added since the last verification was checked just now." in page
    assert "No entry was added since the last verification." in page_of(committee_user)


def test_the_page_names_a_chain_cut_below_the_verified_head(db, committee_user):
    for i in range(4):
        audit.record(None, "library.publish", after={"i": i})
    page_of(committee_user)
    AuditEntry.objects.filter(pk=4).delete()
    page = page_of(committee_user)
    assert "The hash chain is broken: the chain ends at entry 3, before entry 4 that the check of" in page


def test_the_page_walks_a_long_backlog_in_steps(db, committee_user, monkeypatch):
    monkeypatch.setattr(audit, "PAGE_LIMIT", 3)
    for i in range(5):
        audit.record(None, "library.publish", after={"i": i})
    assert "2 newer entries are not verified yet" in page_of(committee_user)
    assert "Hash chain intact up to entry 5." in page_of(committee_user)


def test_the_page_runs_a_constant_number_of_queries(db, committee_user, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(audit, "ANCHOR_SOURCES", [])  # each registered source of heads adds its own queries
    client = client_for(committee_user)
    client.get(URL)  # the session and the first check
    for i in range(130):
        audit.record(committee_user, "override.set", after={"class": "major", "reason": "x", "run": i})
    client.get(URL)  # checks the new entries once
    # session, user, 2 x permissions, count, the page's entries, furthest verified check, its head, the new entries,
    # the latest check, the last full check, the users and the assessments of the filters, the organisation profile
    for query in ("", "?page=2", "?action=override&who=colin&since=2020-01-01"):
        with django_assert_num_queries(14):
            assert client.get(URL + query).status_code == 200


def test_roles(trail, work_team_user, committee_user, outsider):
    for user in (work_team_user, committee_user):
        assert client_for(user).get(URL).status_code == 200
        assert client_for(user).post(reverse("materiality:audit_verify")).status_code == 302
    assert client_for(outsider).get(URL).status_code == 403
    assert client_for(outsider).post(reverse("materiality:audit_verify")).status_code == 403
    assert client_for(outsider).get(reverse("materiality:audit_export", args=["csv"])).status_code == 403
    assert client_for(committee_user).get(reverse("materiality:audit_verify")).status_code == 405
    assert client_for(committee_user).get(reverse("materiality:audit_export", args=["pdf"])).status_code == 404


def test_the_export_keeps_the_raw_json_and_every_hashed_field(trail, committee_user):
    response = client_for(committee_user).get(reverse("materiality:audit_export", args=["csv"]) + "?action=assessment")
    rows = read_csv(response.content).rows
    assert [r.cells["action"] for r in rows] == ["assessment.edit", "assessment.edit"]
    first = rows[0].cells
    entry = AuditEntry.objects.get(pk=int(first["id"]))
    assert json.loads(first["before"]) == entry.before and json.loads(first["after"]) == entry.after
    assert first["action_en"] == "Assessment settings changed" and first["action_zh"] == "已更改评估设置"
    assert first["assessment"] == "DMA 2024 (draft)"
    # a machine can recompute the hash from the file alone
    row = {"action": first["action"], "object_type": first["object_type"], "object_id": first["object_id"],
           "object_repr": first["object"],
           "id": int(first["id"]), "created_at": dt.datetime.fromisoformat(first["when"]),
           "actor_id": int(first["actor_id"]), "assessment_id": int(first["assessment_id"]),
           "assessment_name": first["assessment"], "before": json.loads(first["before"]),
           "after": json.loads(first["after"]), "hash_version": int(first["hash_version"]),
           "prev_hash": first["prev_hash"]}
    row["actor_name"] = first["who"]
    assert audit.computed_hash(row) == first["hash"] == entry.hash
    assert audit_labels.action_label(entry) == first["action_en"]


def test_the_xlsx_export_opens(trail, committee_user):
    response = client_for(committee_user).get(reverse("materiality:audit_export", args=["xlsx"]))
    assert response.status_code == 200 and response.content[:2] == b"PK"
