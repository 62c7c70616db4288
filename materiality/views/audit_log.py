"""The audit trail page: filter, read, verify and export who changed what."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from materiality import audit, audit_labels, audit_table
from materiality.audit_filters import AuditFilterForm, filtered_entries
from materiality.tables import write_csv, write_xlsx
from materiality.views.downloads import attachment

PER_PAGE = 25  # each entry carries its table of changes: a page of 25 already runs to several screens


@permission_required("materiality.view_auditentry", raise_exception=True)
def audit_list(request: HttpRequest) -> HttpResponse:
    """The page checks only the entries added since the furthest verified head; verify_audit walks them all."""
    form = AuditFilterForm(request.GET or None)
    page = Paginator(filtered_entries(form), PER_PAGE).get_page(request.GET.get("page"))
    entries = [(entry, audit_labels.action_label(entry), audit_labels.type_label(entry.object_type),
                audit_labels.changes(entry)) for entry in page]
    verification, _check = audit.check_chain(full=False, by=request.user, limit=audit.PAGE_LIMIT)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "materiality/audit_list.html", {
        "page": page, "entries": entries, "form": form, "verification": verification,
        "last_full": audit.last_full_check(), "query": query.urlencode(),
    })


@require_POST
@permission_required("materiality.view_auditentry", raise_exception=True)
def audit_verify(request: HttpRequest) -> HttpResponse:
    """Walk the whole chain now, as verify_audit does, and record who did."""
    result, _check = audit.check_chain(full=True, by=request.user)
    if result.ok:
        messages.success(request, _("Whole chain verified: %(count)s entries intact, head %(head)s.") % {
            "count": result.checked, "head": result.head})
    else:
        messages.error(request, _("The audit chain is broken: %(reason)s.") % {"reason": result.reason})
    return redirect("materiality:audit_list")


@permission_required("materiality.view_auditentry", raise_exception=True)
def audit_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404(_("The audit trail exports as CSV or XLSX."))
    entries = filtered_entries(AuditFilterForm(request.GET or None)).order_by("pk")
    rows = list(audit_table.rows(entries.iterator(chunk_size=2000)))
    if fmt == "xlsx":
        return attachment(write_xlsx(audit_table.HEADER, rows, title="Audit trail"), "audit-trail.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return attachment(write_csv(audit_table.HEADER, rows), "audit-trail.csv", "text/csv; charset=utf-8")
