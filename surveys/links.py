"""Personal links handed out outside e-mail (issue 14.5): one person's link to copy, a group's links as a file.

A link's secret is stored only as a hash, so a link that was e-mailed cannot be shown again. Handing a link out
by hand therefore issues a fresh one and retires the person's earlier links: the link the work team copied or
downloaded is then the one that works, a link given to the wrong person is cancelled by issuing it again, and
the draft answers stay (they belong to the invitation, not to the link). Every issue is audited; a download
says who took how many links of which group.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from materiality import audit
from materiality.models import Assessment
from stakeholders.models import Stakeholder, StakeholderGroup
from surveys import mailing, services, tokens
from surveys.models import Invitation, InvitationToken
from surveys.services import SurveyError


@dataclass(frozen=True)
class LinkRow:
    """One person's line of a download (surveys.links_export.COLUMNS); `link` is empty for whoever has answered."""

    name: str
    email: str
    language: str
    link: str
    status: str

    def cells(self) -> list[object]:
        return [self.name, self.email, self.language, self.link, self.status]


def check_can_hand_out(questionnaire: object) -> None:
    services.check_not_confirmed(questionnaire.assessment)  # type: ignore[attr-defined]
    if timezone.now() >= questionnaire.closes_at:  # type: ignore[attr-defined]
        raise SurveyError(_("The questionnaire is closed."))


def rotate(invitations: list[Invitation]) -> dict[int, str]:
    """Give each invitation one fresh secret and retire its earlier ones; return {invitation id: new secret}.

    Invitations still "created" (never e-mailed) become "sent": the link is now in the work team's hands, so
    reminders may follow it and "Create and send invitations" does not e-mail a second link.
    """
    secrets = {inv.pk: tokens.make_token() for inv in invitations}
    InvitationToken.objects.filter(invitation_id__in=list(secrets)).delete()
    InvitationToken.objects.bulk_create(
        [InvitationToken(invitation_id=pk, token_hash=tokens.hash_token(s)) for pk, s in secrets.items()],
        batch_size=1000)
    Invitation.objects.filter(pk__in=list(secrets), status=Invitation.Status.CREATED).update(
        status=Invitation.Status.SENT, sent_at=timezone.now())
    return secrets


@transaction.atomic
def issue_personal_link(invitation: Invitation, *, acting_user: object = None) -> str:
    """Return a fresh link for one person's invitation; their earlier links stop working (audited)."""
    invitation = (Invitation.objects.select_for_update(of=("self",))
                  .select_related("contact", "questionnaire__assessment").get(pk=invitation.pk))
    if invitation.is_open_link or invitation.contact is None or invitation.contact.is_anonymised:
        raise SurveyError(_("This invitation has no person to give a link to."))
    if invitation.status == Invitation.Status.SUBMITTED:
        raise SurveyError(_("%(name)s has already answered.") % {"name": invitation.contact.name})
    check_can_hand_out(invitation.questionnaire)
    secret = rotate([invitation])[invitation.pk]
    audit.record(acting_user, "invitation.link_issue", invitation, assessment=invitation.questionnaire.assessment,
                 after={"group": invitation.group.code, "links": 1, "earlier_links": "retired"})
    return mailing.link_url(secret)


def group_invitations(assessment: Assessment, group: StakeholderGroup) -> list[Invitation]:
    """Return the personal invitations of the group's contacts, creating those still missing (without e-mail).

    Contacts without an e-mail address are included: a download is for handing links out another way.
    """
    questionnaire = services.questionnaire_for_group(assessment, group)
    check_can_hand_out(questionnaire)
    invited = set(questionnaire.invitations.filter(contact__isnull=False).values_list("contact_id", flat=True))
    missing = Stakeholder.objects.filter(group=group, anonymised_at=None).exclude(pk__in=invited)
    Invitation.objects.bulk_create(
        [Invitation(questionnaire=questionnaire, contact_id=c.pk, group_id=group.pk,
                    token_hash=tokens.hash_token(tokens.make_token()))  # a placeholder nobody holds
         for c in missing.only("pk")], batch_size=1000)
    return list(questionnaire.invitations.filter(contact__group=group, contact__anonymised_at=None, is_open_link=False)
                .select_related("contact").select_for_update(of=("self",)).order_by("contact__name", "pk"))


@transaction.atomic
def group_links(assessment: Assessment, group: StakeholderGroup, *, file_format: str,
                acting_user: object = None) -> list[LinkRow]:
    """Issue fresh links to everyone of the group who has not answered and return the download's rows (audited)."""
    invitations = group_invitations(assessment, group)
    open_ones = [inv for inv in invitations if inv.status != Invitation.Status.SUBMITTED]
    secrets = rotate(open_ones)
    audit.record(acting_user, "invitation.links_download", assessment, assessment=assessment,
                 after={"group": group.code, "links": len(secrets), "format": file_format,
                        "earlier_links": "retired"})
    statuses = dict(Invitation.objects.filter(pk__in=[i.pk for i in invitations]).values_list("pk", "status"))
    labels = dict(Invitation.Status.choices)
    return [LinkRow(name=inv.contact.name, email=inv.contact.email, language=inv.contact.language,
                    link=mailing.link_url(secrets[inv.pk]) if inv.pk in secrets else "",
                    status=str(labels[statuses[inv.pk]]))
            for inv in invitations]


def find_open_link(assessment: Assessment, secret: str) -> Invitation | None:
    """Return the assessment's open-link invitation that this secret opens (a QR code or poster is only ever made
    of one of our own links), or None."""
    if not tokens.looks_like_token(secret):
        return None
    row = (InvitationToken.objects.select_related("invitation__questionnaire", "invitation__group")
           .filter(token_hash=tokens.hash_token(secret), invitation__is_open_link=True,
                   invitation__questionnaire__assessment=assessment).first())
    return row.invitation if row else None
