"""Every IRO register URL x every role: the work team builds the register, the committee reads it and its
evidence, anyone else is refused."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from materiality import iros
from materiality.models import IroEvidence
from materiality.tables import read_csv
from tests.conftest import client_for

W, C, X = "work_team", "committee", "outsider"
# name, kwargs keys, method, {role: expected status}
TABLE = [
    ("iro_list", "s", "get", {W: 200, C: 200, X: 403}),
    ("iro_create", "s", "get", {W: 200, C: 403, X: 403}),
    ("iro_create", "s", "post", {W: 200, C: 403, X: 403}),
    ("iro_import", "s", "get", {W: 200, C: 403, X: 403}),
    ("iro_import", "s", "post", {W: 200, C: 403, X: 403}),
    ("iro_export", "sf", "get", {W: 200, C: 200, X: 403}),
    ("iro_detail", "si", "get", {W: 200, C: 200, X: 403}),
    ("iro_edit", "si", "get", {W: 200, C: 403, X: 403}),
    ("iro_edit", "si", "post", {W: 200, C: 403, X: 403}),
    ("iro_delete", "si", "get", {W: 200, C: 403, X: 403}),
    ("evidence_add", "si", "post", {W: 302, C: 403, X: 403}),
    ("evidence_add", "si", "get", {W: 405, C: 405, X: 405}),
    ("evidence_download", "sie", "get", {W: 200, C: 200, X: 403}),
    ("evidence_delete", "sie", "get", {W: 200, C: 403, X: 403}),
    ("evidence_note", "sie", "post", {W: 302, C: 403, X: 403}),
    ("topic_detail", "yc", "get", {W: 200, C: 200, X: 403}),
]
REGISTER = ("iro,topic,kind,sign,status,human_rights,title_en,title_zh,description,value_chain,horizon,groups,effect\n"
            "S07-I1,S07,impact,negative,potential,no,Battery safety incidents harm users,,,own,long,customers,\n")


@pytest.fixture
def users(work_team_user, committee_user, outsider) -> dict:
    return {W: work_team_user, C: committee_user, X: outsider}


@pytest.mark.django_db
@pytest.mark.parametrize("name,keys,method,expected", TABLE, ids=[f"{t[0]}-{t[2]}" for t in TABLE])
def test_role_table(users, assessment, settings, tmp_path, name, keys, method, expected):
    settings.MEDIA_ROOT = tmp_path
    iros.import_iros(assessment, read_csv(REGISTER.encode()))
    iro = assessment.iros.get()
    evidence = IroEvidence(iro=iro, kind="file", original_name="a.txt", size=2, content_type="text/plain",
                           sha256="0" * 64, added_by_name="wendy")
    evidence.file.save("a.txt", ContentFile(b"ok"))
    values = {"s": ("slug", assessment.slug), "f": ("fmt", "csv"), "i": ("code", iro.code), "e": ("pk", evidence.pk),
              "y": ("year", 2024), "c": ("code", "S07")}
    url = reverse(f"materiality:{name}", kwargs=dict(values[k] for k in keys))
    for role, status in expected.items():
        got = getattr(client_for(users[role]), method)(url)
        assert got.status_code == status, f"{role} {method.upper()} {url}: {got.status_code}"


@pytest.mark.django_db
def test_the_committee_sees_no_edit_buttons(assessment, committee_user):
    iros.import_iros(assessment, read_csv(REGISTER.encode()))
    page = client_for(committee_user).get(reverse("materiality:iro_list", args=[assessment.slug])).content.decode()
    assert "S07-I1" in page and reverse("materiality:iro_create", args=[assessment.slug]) not in page
    assert reverse("materiality:iro_import", args=[assessment.slug]) not in page
