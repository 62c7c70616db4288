"""The IRO register pages: list, add, edit, delete, import, export, evidence, the topic and library pages."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from materiality import iros
from materiality.models import AuditEntry, Iro, IroEvidence, IroRating
from materiality.tables import read_csv
from stakeholders.models import StakeholderGroup
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

REGISTER = (
    "iro,topic,kind,sign,status,human_rights,title_en,title_zh,description,value_chain,horizon,groups,effect\n"
    "S07-I1,S07,impact,negative,potential,no,Battery safety incidents harm users,电池安全事故伤害用户,,own;downstream,"
    "long,customers,\n"
    "S07-R1,S07,risk,,,,Recall costs,召回成本,,downstream,medium,customers,performance;cash_flows\n"
)


@pytest.fixture
def register(assessment) -> dict[str, Iro]:
    iros.import_iros(assessment, read_csv(REGISTER.encode()))
    return {i.code: i for i in assessment.iros.all()}


def url(name: str, assessment, **kwargs: object) -> str:
    return reverse(f"materiality:{name}", kwargs={"slug": assessment.slug, **kwargs})


def form_data(**fields: object) -> dict:
    data = {"code": "E01-I1", "kind": "impact", "sign": "negative", "status": "actual", "human_rights": "no",
            "title_en": "GHG emissions of our plants", "title_zh": "工厂温室气体排放", "value_chain": ["own"],
            "horizon": "long"}
    return {**data, **fields}


def test_the_list_groups_iros_by_topic_and_filters(register, assessment, work_team_user):
    client = client_for(work_team_user)
    page = client.get(url("iro_list", assessment)).content.decode()
    assert "S07-I1" in page and "S07-R1" in page and "Recall costs" in page and "召回成本" in page
    assert 'id="topic-S07"' in page
    filtered = client.get(url("iro_list", assessment), {"kind": "risk"}).content.decode()
    assert "S07-R1" in filtered and "S07-I1" not in filtered and "Showing 1 of 2 IROs" in filtered
    assert "No IRO matches" in client.get(url("iro_list", assessment), {"q": "nothing like it"}).content.decode()


def test_the_work_team_adds_an_impact_from_the_form(assessment, work_team_user):
    topic = assessment.library.topics.get(code="E01")
    customers = StakeholderGroup.objects.get(code="customers")
    response = client_for(work_team_user).post(url("iro_create", assessment), form_data(
        topic=topic.pk, groups=[customers.pk], effects=["position"], dependencies="ignored: hidden for impacts"))
    assert response.status_code == 302, response.content.decode()[:3000]
    iro = Iro.objects.get(code="E01-I1")
    assert iro.status == "actual" and iro.human_rights is False and iro.value_chain == ["own"]
    assert iro.effects == [] and iro.dependencies == "" and list(iro.groups.all()) == [customers]
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "iro.create" and entry.after["groups"] == ["customers"] and entry.before is None


def test_a_risk_links_to_the_impacts_it_arises_from(register, assessment, work_team_user):
    risk, impact = register["S07-R1"], register["S07-I1"]
    response = client_for(work_team_user).post(url("iro_edit", assessment, code=risk.code), form_data(
        code=risk.code, topic=risk.topic_id, kind="risk", title_en="Recall costs", effects=["cash_flows"],
        arises_from=[impact.pk], dependencies="Cell suppliers' quality", sign="negative"))
    assert response.status_code == 302, response.content.decode()[:3000]
    risk.refresh_from_db()
    assert list(risk.arises_from.all()) == [impact] and risk.sign == "" and risk.effects == ["cash_flows"]
    page = client_for(work_team_user).get(url("iro_detail", assessment, code=impact.code)).content.decode()
    assert "Gives rise to" in page and "S07-R1" in page


def test_the_form_names_what_is_missing_and_saves_nothing(assessment, work_team_user):
    topic = assessment.library.topics.get(code="E01")
    page = client_for(work_team_user).post(url("iro_create", assessment), form_data(topic=topic.pk, sign="",
                                                                                    human_rights=""))
    text = page.content.decode()
    assert page.status_code == 200 and "An impact is negative or positive" in text
    assert "Say whether the impact is a human-rights impact" in text and not Iro.objects.exists()


def test_a_second_iro_with_the_same_code_is_refused(register, assessment, work_team_user):
    topic = assessment.library.topics.get(code="E01")
    page = client_for(work_team_user).post(url("iro_create", assessment), form_data(code="S07-I1", topic=topic.pk))
    assert "already has code S07-I1" in page.content.decode()


def test_delete_asks_first_and_is_refused_once_ratings_exist(register, assessment, work_team_user):
    client = client_for(work_team_user)
    impact, risk = register["S07-I1"], register["S07-R1"]
    IroRating.objects.create(iro=risk, rater="mgmt-01", magnitude=3, likelihood=2, source="import")
    assert "cannot be deleted" in client.get(url("iro_delete", assessment, code=risk.code)).content.decode()
    client.post(url("iro_delete", assessment, code=risk.code), follow=True)
    assert Iro.objects.filter(pk=risk.pk).exists()
    confirm = client.get(url("iro_delete", assessment, code=impact.code)).content.decode()
    assert "deleted for good" in confirm
    client.post(url("iro_delete", assessment, code=impact.code))
    assert not Iro.objects.filter(pk=impact.pk).exists()
    assert AuditEntry.objects.latest("pk").action == "iro.delete"


def test_the_import_page_names_every_bad_line_and_imports_nothing(assessment, work_team_user):
    bad = REGISTER.replace("S07-R1,S07,risk,,,,", "S07-R1,S99,risk,negative,,,")
    page = client_for(work_team_user).post(url("iro_import", assessment), {
        "file": SimpleUploadedFile("register.csv", bad.encode())})
    text = page.content.decode()
    assert "Nothing was imported" in text and "line 3" in text and "S99" in text and "sign is for impacts" in text
    assert not Iro.objects.exists()


def test_xlsx_with_the_same_columns_imports_and_exports(assessment, work_team_user):
    book = Workbook()
    for line in REGISTER.splitlines():
        book.active.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    client = client_for(work_team_user)
    response = client.post(url("iro_import", assessment), {"file": SimpleUploadedFile("r.xlsx", buffer.getvalue())})
    assert response.status_code == 302
    assert set(assessment.iros.values_list("code", flat=True)) == {"S07-I1", "S07-R1"}
    exported = client.get(url("iro_export", assessment, fmt="xlsx"))
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    csv_text = client.get(url("iro_export", assessment, fmt="csv")).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith(REGISTER.splitlines()[0])
    assert "S07-R1,S07,risk,,,,Recall costs,召回成本,,downstream,medium,customers,performance;cash_flows" in csv_text


PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_evidence_files_are_stored_under_a_random_name_and_served_to_staff_only(
        register, assessment, work_team_user, committee_user, outsider, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    impact = register["S07-I1"]
    client = client_for(work_team_user)
    client.post(url("evidence_add", assessment, code=impact.code), {
        "kind": "file", "file-file": SimpleUploadedFile("Field report.pdf", PDF), "file-note": "Incident log"})
    evidence = IroEvidence.objects.get()
    assert evidence.original_name == "Field report.pdf" and evidence.content_type == "application/pdf"
    assert evidence.size == len(PDF) and len(evidence.sha256) == 64 and evidence.note == "Incident log"
    assert "Field report" not in evidence.file.name and (tmp_path / evidence.file.name).read_bytes() == PDF
    download = url("evidence_download", assessment, code=impact.code, pk=evidence.pk)
    for user in (work_team_user, committee_user):
        response = client_for(user).get(download)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
        assert "Field report.pdf" in response["Content-Disposition"]
    assert client_for(outsider).get(download).status_code == 403
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "evidence.add" and entry.after["sha256"] == evidence.sha256


@pytest.mark.parametrize("name,content", [
    ("report.pdf", b"<html><script>alert(1)</script></html>"),  # not a PDF inside
    ("tool.exe", b"MZ\x90\x00"),
    ("notes.docx", b"PK\x03\x04 not really a zip"),
    ("data.csv", b"a,b\n\x00\x01\x02"),
])
def test_evidence_whose_content_is_not_an_accepted_document_is_refused(register, assessment, work_team_user,
                                                                        settings, tmp_path, name, content):
    settings.MEDIA_ROOT = tmp_path
    impact = register["S07-I1"]
    response = client_for(work_team_user).post(url("evidence_add", assessment, code=impact.code), {
        "kind": "file", "file-file": SimpleUploadedFile(name, content)}, follow=True)
    assert "is not an accepted document" in response.content.decode()
    assert not IroEvidence.objects.exists() and not any(tmp_path.rglob("*"))


def test_an_oversized_upload_is_refused_before_it_is_read(register, assessment, work_team_user, monkeypatch):
    monkeypatch.setattr(iros, "EVIDENCE_LIMIT_MB", 0)
    impact = register["S07-I1"]
    response = client_for(work_team_user).post(url("evidence_add", assessment, code=impact.code), {
        "kind": "file", "file-file": SimpleUploadedFile("big.pdf", PDF + b"x" * 100_000)}, follow=True)
    assert "larger than 0 MB" in response.content.decode() and not IroEvidence.objects.exists()


def test_links_carry_a_note_and_are_removed_after_asking(register, assessment, work_team_user):
    impact = register["S07-I1"]
    client = client_for(work_team_user)
    client.post(url("evidence_add", assessment, code=impact.code), {
        "kind": "link", "link-url": "https://example.org/recall-notice", "link-note": "Regulator notice"})
    evidence = IroEvidence.objects.get()
    assert evidence.kind == "link" and evidence.note == "Regulator notice"
    page = client.get(url("iro_detail", assessment, code=impact.code)).content.decode()
    assert "https://example.org/recall-notice" in page and "Regulator notice" in page
    client.post(url("evidence_note", assessment, code=impact.code, pk=evidence.pk), {"note": "Regulator notice, 2024"})
    evidence.refresh_from_db()
    assert evidence.note == "Regulator notice, 2024" and AuditEntry.objects.latest("pk").action == "evidence.edit"
    remove = url("evidence_delete", assessment, code=impact.code, pk=evidence.pk)
    assert "removed from S07-I1 for good" in client.get(remove).content.decode()
    client.post(remove)
    assert not IroEvidence.objects.exists()
    assert AuditEntry.objects.latest("pk").before["url"] == "https://example.org/recall-notice"


def test_the_topic_page_shows_its_iros_and_esrs_matters(register, assessment, committee_user):
    page = client_for(committee_user).get(reverse("materiality:topic_detail", args=[2024, "S07"])).content.decode()
    assert "S07-I1" in page and "Recall costs" in page and assessment.name in page
    assert "S4.2.1" in page and "Consumers and end-users" in page


def test_the_library_page_counts_iros_per_topic(register, assessment, work_team_user):
    page = client_for(work_team_user).get(reverse("materiality:library_detail", args=[2024])).content.decode()
    assert "2 IROs of S07" in page and "0 IROs of E01" in page


def test_the_pages_speak_chinese(register, assessment, work_team_user):
    client = client_for(work_team_user)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    page = client.get(url("iro_list", assessment)).content.decode()
    assert "影响、风险和机遇" in page and "电池安全事故伤害用户" in page
    detail = client.get(url("iro_detail", assessment, code="S07-R1")).content.decode()
    assert "证据" in detail and "现金流量" in detail
