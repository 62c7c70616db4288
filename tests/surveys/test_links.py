"""Links where people are (issue 14.5): a personal link to copy, a group's links as CSV/XLSX, all audited."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from materiality.models import Assessment, AuditEntry
from stakeholders.models import Stakeholder
from surveys import services
from surveys.models import Invitation, InvitationToken
from tests.conftest import client_for
from tests.surveys.conftest import LINK, invitation_for


def opens(token: str) -> Invitation | None:
    try:
        return services.find_invitation(token)
    except services.LinkClosed:
        return None


def download(client, cycle, fmt: str, group: str = "customers"):
    from stakeholders.models import StakeholderGroup

    return client.post(reverse("surveys:links_download", args=[cycle.slug]),
                       {"group": StakeholderGroup.objects.get(code=group).pk, "format": fmt})


# --- one person's link ---------------------------------------------------------------------------

def test_copying_a_link_issues_a_fresh_one_and_retires_the_emailed_one(sent, cycle, work_team_user):
    email = "customers.1@example.org"
    invitation = invitation_for(email)
    page = client_for(work_team_user).post(reverse("surveys:personal_link", args=[cycle.slug, invitation.pk]))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    new_token = LINK.search(page.content.decode()).group(1)
    assert opens(new_token) == invitation
    assert opens(sent[email]) is None  # the e-mailed link stopped working
    assert opens(sent["customers.2@example.org"]) is not None  # nobody else's did
    entry = AuditEntry.objects.get(action="invitation.link_issue")
    assert (entry.actor, entry.object_id, entry.assessment) == (work_team_user, str(invitation.pk), cycle)
    assert entry.after["links"] == 1 and entry.after["group"] == "customers"


def test_an_answered_invitation_gets_no_new_link(sent, cycle, work_team_user):
    invitation = invitation_for("customers.1@example.org")
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.SUBMITTED)
    before = set(InvitationToken.objects.values_list("token_hash", flat=True))
    reply = client_for(work_team_user).post(reverse("surveys:personal_link", args=[cycle.slug, invitation.pk]),
                                            follow=True)
    assert "has already answered" in reply.content.decode()
    assert set(InvitationToken.objects.values_list("token_hash", flat=True)) == before
    assert not AuditEntry.objects.filter(action="invitation.link_issue").exists()


def test_the_invitations_page_offers_copy_and_download_to_the_work_team(sent, cycle, work_team_user):
    html = client_for(work_team_user).get(reverse("surveys:invitation_list", args=[cycle.slug])).content.decode()
    assert reverse("surveys:personal_link", args=[cycle.slug, invitation_for("customers.1@example.org").pk]) in html
    assert reverse("surveys:links_download", args=[cycle.slug]) in html


# --- a group's links as a file -------------------------------------------------------------------

def test_the_csv_holds_one_working_link_per_person_and_the_download_is_audited(sent, cycle, work_team_user):
    reply = download(client_for(work_team_user), cycle, "csv")
    assert reply.status_code == 200
    assert reply["Content-Type"].startswith("text/csv")
    assert "no-store" in reply["Cache-Control"]
    assert reply["Content-Disposition"] == f'attachment; filename="{cycle.slug}-customers-links.csv"'
    rows = list(csv.DictReader(io.StringIO(reply.content.decode())))
    assert list(rows[0]) == ["name", "email", "language", "link", "status"]
    by_name = {r["name"]: r for r in rows}
    assert set(by_name) == {"customers person 1", "customers person 2", "No mail"}  # no e-mail: included
    assert by_name["customers person 2"]["email"] == "customers.2@example.org"
    assert by_name["customers person 2"]["language"] == "zh-hans"
    for row in rows:
        invitation = opens(LINK.search(row["link"]).group(1))
        assert invitation is not None and invitation.contact.name == row["name"]
        assert row["status"] == "Sent"
    assert opens(sent["customers.1@example.org"]) is None  # the e-mailed links were retired
    assert opens(sent["suppliers.1@example.org"]) is not None  # another group's were not
    entry = AuditEntry.objects.get(action="invitation.links_download")
    assert entry.actor == work_team_user and entry.assessment == cycle
    assert entry.after == {"group": "customers", "links": 3, "format": "csv", "earlier_links": "retired"}


def test_the_xlsx_has_the_same_columns_and_leaves_answered_people_without_a_link(sent, cycle, work_team_user):
    answered = invitation_for("customers.1@example.org")
    Invitation.objects.filter(pk=answered.pk).update(status=Invitation.Status.SUBMITTED)
    reply = download(client_for(work_team_user), cycle, "xlsx")
    assert reply.status_code == 200
    assert reply["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(reply.content)).active
    values = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["name", "email", "language", "link", "status"]
    rows = {r[0]: r for r in values[1:]}
    assert rows["customers person 1"][3:] == ["", "Submitted"]
    assert opens(LINK.search(rows["customers person 2"][3]).group(1)).contact.name == "customers person 2"
    assert AuditEntry.objects.get(action="invitation.links_download").after["links"] == 2


def test_a_name_that_looks_like_a_formula_is_neutralised(cycle, work_team_user):
    Stakeholder.objects.create(name="=HYPERLINK(1)", email="", group_id=cycle.groups.get(code="customers").pk)
    rows = list(csv.reader(io.StringIO(download(client_for(work_team_user), cycle, "csv").content.decode())))
    assert rows[1][0] == "'=HYPERLINK(1)"


def test_a_download_before_any_e_mail_creates_the_links_and_they_are_not_e_mailed_again(cycle, contacts,
                                                                                        work_team_user):
    download(client_for(work_team_user), cycle, "csv")
    handed_out = Invitation.objects.filter(contact__group__code="customers")
    assert handed_out.count() == 3 and set(handed_out.values_list("status", flat=True)) == {"sent"}
    summary = services.create_invitations(cycle, group_codes=["customers"])
    assert summary.created == 0 and summary.queued == 0


@pytest.mark.parametrize("data", [{"format": "pdf"}, {"format": "csv", "group": "999999"}, {}])
def test_bad_input_is_refused_with_a_message_and_changes_nothing(sent, cycle, work_team_user, data):
    before = set(InvitationToken.objects.values_list("token_hash", flat=True))
    reply = client_for(work_team_user).post(reverse("surveys:links_download", args=[cycle.slug]), data)
    assert reply.status_code == 200
    assert "Choose a group that has a questionnaire, and CSV or XLSX." in reply.content.decode()
    assert set(InvitationToken.objects.values_list("token_hash", flat=True)) == before
    assert not AuditEntry.objects.filter(action="invitation.links_download").exists()


def test_a_closed_questionnaire_hands_out_no_links(sent, cycle, work_team_user):
    cycle.questionnaires.update(closes_at=timezone.now())
    reply = download(client_for(work_team_user), cycle, "csv")
    assert reply.status_code == 302
    assert not AuditEntry.objects.filter(action="invitation.links_download").exists()
    assert InvitationToken.objects.filter(invitation__contact__email="customers.1@example.org").count() == 1


# --- who may -------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["committee_user", "outsider"])
def test_only_the_work_team_gets_links(sent, cycle, who, request):
    client = client_for(request.getfixturevalue(who))
    invitation = invitation_for("customers.1@example.org")
    before = set(InvitationToken.objects.values_list("token_hash", flat=True))
    assert client.get(reverse("surveys:links_download", args=[cycle.slug])).status_code == 403
    assert download(client, cycle, "csv").status_code == 403
    assert client.post(reverse("surveys:personal_link", args=[cycle.slug, invitation.pk])).status_code == 403
    for name in ("open_link_qr", "open_link_poster"):
        assert client.post(reverse(f"surveys:{name}", args=[cycle.slug]), {"format": "png"}).status_code == 403
    assert set(InvitationToken.objects.values_list("token_hash", flat=True)) == before
    assert not AuditEntry.objects.filter(action__startswith="invitation.").exists()


def test_a_confirmed_assessment_hands_out_no_links(sent, cycle, work_team_user):
    Assessment.objects.filter(pk=cycle.pk).update(confirmed_at=timezone.now())
    client = client_for(work_team_user)
    before = set(InvitationToken.objects.values_list("token_hash", flat=True))
    refused = download(client, cycle, "csv")
    assert refused.status_code == 302
    page = client.post(reverse("surveys:personal_link", args=[cycle.slug, invitation_for("customers.1@example.org").pk]),
                       follow=True)
    assert "confirmed" in page.content.decode()
    assert set(InvitationToken.objects.values_list("token_hash", flat=True)) == before
    assert not AuditEntry.objects.filter(action__startswith="invitation.").exists()
