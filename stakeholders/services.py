"""User actions on the stakeholder registry. Views call these; nothing else saves groups or contacts."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from materiality.models import Assessment, Iro, IssueLibrary, Topic
from materiality.tables import Table
from stakeholders import contacts_csv
from stakeholders.contacts_csv import LineError
from stakeholders.models import Stakeholder, StakeholderGroup


class ImportRefused(Exception):
    """A contact import found errors; nothing was written. `errors` lists them, each naming its line."""

    def __init__(self, errors: list[LineError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


class GroupInUse(Exception):
    """A group still has contacts or takes part in an assessment; it was not deleted."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(" ".join(reasons))
        self.reasons = reasons


# --- groups -------------------------------------------------------------------------------------

def latest_library() -> IssueLibrary | None:
    """Return the latest published library (a draft may still be empty or half-edited), else the latest draft."""
    published = IssueLibrary.objects.exclude(published_at=None).order_by("-year").first()
    return published or IssueLibrary.objects.order_by("-year").first()


def topic_names(codes: list[str], language: str | None) -> list[tuple[str, str]]:
    """Return (code, name) for each code, named from the latest library that has it ("" if none has it)."""
    latest: dict[str, Topic] = {}
    for topic in Topic.objects.filter(code__in=codes).order_by("code", "-library__year"):
        latest.setdefault(topic.code, topic)
    return [(code, latest[code].name_for(language) if code in latest else "") for code in codes]


def save_group(group: StakeholderGroup) -> StakeholderGroup:
    """Save a group; a new one goes after the existing groups."""
    if group.pk is None:
        last = StakeholderGroup.objects.aggregate(last=Max("position"))["last"] or 0
        group.position = last + 1
    group.save()
    return group


def group_usage(group: StakeholderGroup) -> list[str]:
    """Say why a group cannot be deleted (empty when it can)."""
    reasons = []
    contacts = group.contacts.count()
    if contacts:
        reasons.append(ngettext(
            "It has %(count)d contact: move or delete it first.",
            "It has %(count)d contacts: move or delete them first.", contacts) % {"count": contacts})
    assessments = list(Assessment.objects.filter(group_weights__group=group).values_list("name", flat=True))
    if assessments:
        reasons.append(_("It takes part in the assessment(s) %(names)s.") % {"names": ", ".join(assessments)})
    if group.questionnaires.exists():
        reasons.append(_("It is the audience of a questionnaire."))
    affected = sorted(set(Iro.groups.through.objects.filter(stakeholdergroup=group).values_list(
        "iro__assessment__name", flat=True)))
    if affected:
        reasons.append(_("It is an affected group of IROs in %(names)s.") % {"names": ", ".join(affected)})
    return reasons


def delete_group(group: StakeholderGroup) -> None:
    """Delete a group that nothing refers to; raise GroupInUse with the reasons otherwise."""
    reasons = group_usage(group)
    if reasons:
        raise GroupInUse(reasons)
    try:
        with transaction.atomic():
            group.delete()
    except IntegrityError:  # a reference appeared since the check (invitations, responses)
        raise GroupInUse([_("Other records still refer to it.")]) from None


# --- contacts -----------------------------------------------------------------------------------

def search_contacts(*, group: StakeholderGroup | None = None, query: str = "") -> QuerySet[Stakeholder]:
    """Return the contacts in a group (or all) whose name, e-mail or organisation contains the query."""
    contacts = Stakeholder.objects.select_related("group")
    if group is not None:
        contacts = contacts.filter(group=group)
    if query:
        contacts = contacts.filter(
            Q(name__icontains=query) | Q(email__icontains=query) | Q(organisation__icontains=query)
        )
    return contacts.order_by("group__position", "name", "pk")


def contact_counts() -> dict[int, int]:
    """Return the number of contacts per group id (one query)."""
    return dict(Stakeholder.objects.values("group").annotate(n=Count("pk")).values_list("group", "n"))


class EmailTaken(Exception):
    """Another contact took the e-mail between the form's check and the save."""


def save_contact(contact: Stakeholder) -> Stakeholder:
    """Save a contact from the form (the form has lower-cased the e-mail and checked it is free)."""
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        raise EmailTaken(contact.email) from None
    return contact


def anonymise_contact(contact: Stakeholder) -> bool:
    """Clear a contact's personal data for good, keeping the row so response counts stay right.

    Return False when it was already anonymised (nothing is written then).
    """
    changed = Stakeholder.objects.filter(pk=contact.pk, anonymised_at=None).update(
        name="", email="", organisation="", anonymised_at=timezone.now()
    )
    contact.refresh_from_db()
    return bool(changed)


def delete_contact(contact: Stakeholder) -> None:
    """Delete a contact; their invitations stay, without the link to the person."""
    contact.delete()


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_contacts(table: Table) -> ImportSummary:
    """Create or update every contact in the table, or, if any line is wrong, write nothing.

    A row matches an existing contact by e-mail; a row without e-mail matches a contact without e-mail
    with the same name and group. Importing the same file twice changes nothing.
    """
    groups = {g.code: g for g in StakeholderGroup.objects.all()}
    rows, errors = contacts_csv.parse(table, group_codes=set(groups))
    if errors:
        raise ImportRefused(errors)
    summary = ImportSummary()
    fields = ["name", "email", "organisation", "group", "language"]
    try:
        with transaction.atomic():
            by_email, without_email = _import_matches(rows)
            new, changed = [], []
            for row in rows:
                values = {"name": row.name, "email": row.email, "organisation": row.organisation,
                          "group": groups[row.group], "language": row.language}
                if row.email:
                    contact = by_email.get(row.email)
                else:  # each existing contact matches one row at most
                    same = without_email.get((row.name, values["group"].pk), [])
                    contact = same.pop(0) if same else None
                if contact is None:
                    new.append(Stakeholder(**values))
                elif all(getattr(contact, k) == v for k, v in values.items()):
                    summary.unchanged += 1
                else:
                    for key, value in values.items():
                        setattr(contact, key, value)
                    changed.append(contact)
            Stakeholder.objects.bulk_create(new, batch_size=500)
            Stakeholder.objects.bulk_update(changed, fields, batch_size=500)
            summary.created, summary.updated = len(new), len(changed)
    except IntegrityError:  # another user added one of these e-mails meanwhile
        raise ImportRefused([LineError(1, contacts_csv.gettext_noop(
            "another change to the contacts happened during the import; upload the file again"))]) from None
    return summary


def _import_matches(
    rows: list[contacts_csv.ContactRow],
) -> tuple[dict[str, Stakeholder], dict[tuple[str, int], list[Stakeholder]]]:
    """Load the contacts the rows may update: by lower-cased e-mail, and by (name, group id) for those without."""
    emails = [r.email for r in rows if r.email]
    by_email = {c.email.lower(): c for c in
                Stakeholder.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)}
    without_email: dict[tuple[str, int], list[Stakeholder]] = {}
    names = {r.name for r in rows if not r.email}
    for contact in Stakeholder.objects.filter(email="", anonymised_at=None, name__in=names).order_by("pk"):
        without_email.setdefault((contact.name, contact.group_id), []).append(contact)
    return by_email, without_email


EXPORT_COLUMNS = contacts_csv.COLUMNS


def export_contacts(group: StakeholderGroup | None = None) -> tuple[list[str], list[list[object]]]:
    """Return the contacts (all, or one group's) in the import format; anonymised contacts are left out."""
    contacts = search_contacts(group=group).filter(anonymised_at=None)
    rows: list[list[object]] = [[c.name, c.email, c.organisation, c.group.code, c.language] for c in contacts]
    return list(EXPORT_COLUMNS), rows
