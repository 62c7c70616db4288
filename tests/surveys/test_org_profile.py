"""The organisation profile (issue 14.4): the work team sets it; respondents see which company is asking on the
pages, in the page title, in the privacy note and in the e-mails, in their language."""

from __future__ import annotations

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from materiality.models import AuditEntry
from materiality.organisation import MAX_LOGO_BYTES, OrganisationProfile, current
from surveys import services
from tests.conftest import client_for
from tests.surveys.conftest import token_from

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PROFILE = {"name_en": "ACME Holdings", "name_zh": "艾克米控股", "sender_name": "ACME ESG team",
           "reply_to": "esg@acme.example", "privacy_contact": "privacy@acme.example"}


def post(user, **extra):
    return client_for(user).post(reverse("materiality:organisation"), {**PROFILE, **extra})


def test_the_work_team_sets_the_profile_and_its_logo_and_the_change_is_audited(work_team_user, client):
    page = post(work_team_user, logo_file=SimpleUploadedFile("logo.png", PNG, "image/png"))
    assert page.status_code == 302
    profile = current()
    assert profile.name_zh == "艾克米控股" and profile.logo_type == "image/png"
    entry = AuditEntry.objects.get(action="organisation.change")
    assert entry.after["reply_to"] == "esg@acme.example" and entry.after["logo"] == "image/png"
    logo = client.get(reverse("materiality:organisation_logo"))  # respondents have no account
    assert logo.status_code == 200 and logo.content == PNG and logo["Content-Type"] == "image/png"
    post(work_team_user)  # the same again: nothing to record
    assert AuditEntry.objects.filter(action="organisation.change").count() == 1


def test_bad_logos_and_addresses_are_refused_and_nothing_changes(work_team_user):
    for extra, message in [
        ({"logo_file": SimpleUploadedFile("logo.svg", b"<svg onload='x'/>", "image/svg+xml")}, "PNG or JPEG"),
        ({"logo_file": SimpleUploadedFile("big.png", PNG + b"\x00" * MAX_LOGO_BYTES, "image/png")}, "larger than"),
        ({"reply_to": "not an address"}, "valid email"),
    ]:
        page = post(work_team_user, **extra)
        assert page.status_code == 200 and message in page.content.decode()
    assert not OrganisationProfile.objects.exists() and not AuditEntry.objects.filter(action="organisation.change")


def test_only_the_work_team_edits_the_profile(committee_user, outsider):
    for user in (committee_user, outsider):
        assert client_for(user).get(reverse("materiality:organisation")).status_code == 403
        assert post(user).status_code == 403
    assert not OrganisationProfile.objects.exists()


def test_respondents_see_the_company_in_their_language(cycle, contacts, client, settings,
                                                       django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OrganisationProfile.objects.create(pk=1, **PROFILE)
    cycle.name_zh = "2024年度双重重要性评估"
    cycle.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_contacts(cycle)
    chinese = next(m for m in mail.outbox if m.to[0].endswith(".2@example.org"))  # contact 2 reads Chinese
    assert chinese.from_email.startswith("ACME ESG team <") and chinese.reply_to == ["esg@acme.example"]
    for text in (chinese.body, chinese.alternatives[0][0]):
        assert "艾克米控股" in text and "2024年度双重重要性评估" in text and "ACME Holdings" not in text
    english = next(m for m in mail.outbox if m.to[0].endswith(".1@example.org"))
    assert "ACME Holdings" in english.body and "DMA 2024" in english.body

    html = client.get(reverse("surveys:respond", kwargs={"token": token_from(chinese)})).content.decode()
    assert "· 艾克米控股</title>" in html
    assert "艾克米控股" in html.split("</header>")[0] and "privacy@acme.example" in html
