"""Stakeholder registry pages: the work team keeps groups and contacts; the committee may only view the groups."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from materiality.forms import ImportForm
from materiality.tables import TableError, read_table, write_csv, write_xlsx
from materiality.uploads import problem_lines, table_error_message
from materiality.views.downloads import attachment
from stakeholders import contacts_csv, services
from stakeholders.contacts_csv import COLUMNS, LineError
from stakeholders.forms import ContactForm, GroupForm
from stakeholders.models import Stakeholder, StakeholderGroup

CONTACTS_PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def line_message(error: LineError) -> str:
    """Translate a parser error for the page."""
    return _("line %(line)d: %(problem)s") % {"line": error.line, "problem": gettext(error.message) % error.params}


def table_download(header: list[str], rows: list[list[object]], name: str, fmt: str) -> HttpResponse | None:
    """Return the rows as a CSV or XLSX download, or None for any other format."""
    if fmt == "csv":
        return attachment(write_csv(header, rows), f"{name}.csv", "text/csv; charset=utf-8")
    if fmt == "xlsx":
        return attachment(write_xlsx(header, rows, title="Contacts"), f"{name}.xlsx", XLSX)
    return None


# --- groups -------------------------------------------------------------------------------------

@require_safe
@permission_required("stakeholders.view_stakeholdergroup", raise_exception=True)
def group_list(request: HttpRequest) -> HttpResponse:
    groups = StakeholderGroup.objects.all()
    counts = services.contact_counts()
    return render(request, "stakeholders/group_list.html", {
        "groups": [(g, counts.get(g.pk, 0)) for g in groups],
    })


@require_safe
@permission_required("stakeholders.view_stakeholdergroup", raise_exception=True)
def group_detail(request: HttpRequest, group: str) -> HttpResponse:
    obj = get_object_or_404(StakeholderGroup, code=group)
    return render(request, "stakeholders/group_detail.html", {
        "group": obj,
        "needs": services.topic_names(obj.needs_topics, get_language()),
        "contact_count": obj.contacts.count(),
    })


def _group_form_page(request: HttpRequest, group: StakeholderGroup | None) -> HttpResponse:
    form = GroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        saved = services.save_group(form.save(commit=False))
        messages.success(request, _("Saved the group %(name)s.") % {"name": saved.name_for(get_language())})
        return redirect("stakeholders:group_detail", group=saved.code)
    title = _("Edit %(name)s") % {"name": group.name_for(get_language())} if group else _("New stakeholder group")
    return render(request, "materiality/form_page.html", {"form": form, "title": title})


@permission_required("stakeholders.add_stakeholdergroup", raise_exception=True)
def group_create(request: HttpRequest) -> HttpResponse:
    return _group_form_page(request, None)


@permission_required("stakeholders.change_stakeholdergroup", raise_exception=True)
def group_edit(request: HttpRequest, group: str) -> HttpResponse:
    return _group_form_page(request, get_object_or_404(StakeholderGroup, code=group))


@permission_required("stakeholders.delete_stakeholdergroup", raise_exception=True)
def group_delete(request: HttpRequest, group: str) -> HttpResponse:
    obj = get_object_or_404(StakeholderGroup, code=group)
    name = obj.name_for(get_language())
    if request.method == "POST":
        try:
            services.delete_group(obj)
        except services.GroupInUse as exc:
            messages.error(request, " ".join([_("%(name)s cannot be deleted.") % {"name": name}, *exc.reasons]))
            return redirect("stakeholders:group_detail", group=group)
        messages.success(request, _("Deleted the group %(name)s.") % {"name": name})
        return redirect("stakeholders:group_list")
    return render(request, "stakeholders/confirm.html", {
        "title": _("Delete the group %(name)s?") % {"name": name},
        "reasons": services.group_usage(obj),
        "refused": _("%(name)s cannot be deleted.") % {"name": name},
        "explain": _("The group is removed for good."),
        "button": _("Delete group"),
        "back": reverse("stakeholders:group_detail", kwargs={"group": obj.code}),
    })


# --- contacts -----------------------------------------------------------------------------------

@require_safe
@permission_required("stakeholders.view_stakeholder", raise_exception=True)
def contact_list(request: HttpRequest) -> HttpResponse:
    groups = list(StakeholderGroup.objects.all())
    group = next((g for g in groups if g.code == request.GET.get("group")), None)
    query = request.GET.get("q", "").strip()[:200]
    contacts = services.search_contacts(group=group, query=query)
    page = Paginator(contacts, CONTACTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "stakeholders/contact_list.html", {
        "groups": groups, "group": group, "query": query, "page": page,
        "filters": {k: v for k, v in (("group", group.code if group else ""), ("q", query)) if v},
    })


def _contact_form_page(request: HttpRequest, contact: Stakeholder | None) -> HttpResponse:
    if contact is not None and contact.is_anonymised:
        messages.error(request, _("This contact is anonymised; it cannot be edited."))
        return redirect("stakeholders:contact_list")
    # A new contact starts in the group the list was filtered by.
    initial = {"group": StakeholderGroup.objects.filter(code=request.GET.get("group", "")).first()} if not contact else {}
    form = ContactForm(request.POST or None, instance=contact, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_contact(form.save(commit=False))
        except services.EmailTaken:
            form.add_error("email", _("Another contact has just been saved with this e-mail."))
        else:
            messages.success(request, _("Saved the contact %(name)s.") % {"name": saved.name})
            return redirect(reverse("stakeholders:contact_list") + f"?group={saved.group.code}")
    title = _("Edit %(name)s") % {"name": contact.name} if contact else _("New contact")
    return render(request, "materiality/form_page.html", {"form": form, "title": title})


@permission_required("stakeholders.add_stakeholder", raise_exception=True)
def contact_create(request: HttpRequest) -> HttpResponse:
    return _contact_form_page(request, None)


@permission_required("stakeholders.change_stakeholder", raise_exception=True)
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _contact_form_page(request, get_object_or_404(Stakeholder, pk=pk))


def _contact_label(contact: Stakeholder) -> str:
    return contact.name or _("anonymised contact #%(pk)d") % {"pk": contact.pk}


@permission_required("stakeholders.delete_stakeholder", raise_exception=True)
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Stakeholder, pk=pk)
    label = _contact_label(contact)
    if request.method == "POST":
        services.delete_contact(contact)
        messages.success(request, _("Deleted %(name)s.") % {"name": label})
        return redirect("stakeholders:contact_list")
    return render(request, "stakeholders/confirm.html", {
        "title": _("Delete %(name)s?") % {"name": label},
        "explain": _("The contact is removed for good. Invitations already sent stay, without the link to "
                     "this person. To keep the row for response counts, anonymise the contact instead."),
        "button": _("Delete contact"),
        "back": reverse("stakeholders:contact_list"),
    })


@permission_required("stakeholders.change_stakeholder", raise_exception=True)
def contact_anonymise(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Stakeholder, pk=pk)
    label = _contact_label(contact)
    if request.method == "POST":
        if services.anonymise_contact(contact):
            messages.success(request, _("%(name)s is anonymised.") % {"name": label})
        else:
            messages.info(request, _("This contact was already anonymised."))
        return redirect("stakeholders:contact_list")
    if contact.is_anonymised:
        messages.info(request, _("This contact was already anonymised."))
        return redirect("stakeholders:contact_list")
    return render(request, "stakeholders/confirm.html", {
        "title": _("Anonymise %(name)s?") % {"name": label},
        "explain": _("The name, e-mail and organisation are erased; the row stays so that response counts "
                     "remain right. This cannot be undone."),
        "button": _("Anonymise contact"),
        "back": reverse("stakeholders:contact_list"),
    })


@permission_required("stakeholders.add_stakeholder", raise_exception=True)
def contact_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            summary = services.import_contacts(read_table(upload.read(), upload.name, contacts_csv.LIMITS))
        except TableError as exc:
            errors = [table_error_message(exc)]
        except services.ImportRefused as exc:
            errors = problem_lines(exc.errors, line_message)
        else:
            messages.success(request, _("Import done: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.")
                             % vars(summary))
            return redirect("stakeholders:contact_list")
    return render(request, "stakeholders/contact_import.html", {
        "form": form, "errors": errors, "groups": StakeholderGroup.objects.all(),
    })


@require_safe
@permission_required("stakeholders.add_stakeholder", raise_exception=True)
def contact_template(request: HttpRequest, fmt: str) -> HttpResponse:
    response = table_download(list(COLUMNS), [], "contacts-template", fmt)
    if response is None:
        messages.error(request, _("Download as csv or xlsx."))
        return redirect("stakeholders:contact_import")
    return response


@require_safe
@permission_required("stakeholders.view_stakeholder", raise_exception=True)
def contact_export(request: HttpRequest, fmt: str) -> HttpResponse:
    code = request.GET.get("group", "")
    group = StakeholderGroup.objects.filter(code=code).first() if code else None
    if code and group is None:
        messages.error(request, _("There is no group %(code)r.") % {"code": code})
        return redirect("stakeholders:contact_list")
    header, rows = services.export_contacts(group)
    response = table_download(header, rows, f"contacts-{code}" if code else "contacts", fmt)
    if response is None:
        messages.error(request, _("Download as csv or xlsx."))
        return redirect("stakeholders:contact_list")
    return response
