"""The audit trail page: filter, verify and export who changed what."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from materiality import audit
from materiality.models import Assessment, AuditEntry
from materiality.tables import write_csv, write_xlsx
from materiality.views.downloads import attachment

EXPORT_HEADER = ["id", "when", "who", "action", "object_type", "object_id", "object", "assessment",
                 "before", "after", "prev_hash", "hash"]


def filtered_entries(request: HttpRequest) -> tuple[object, dict[str, str]]:
    """Return the entries matching the page's filters (assessment slug, action prefix, user) and the filters."""
    filters = {k: request.GET.get(k, "").strip() for k in ("assessment", "action", "who")}
    entries = AuditEntry.objects.select_related("assessment").order_by("-pk")
    if filters["assessment"]:
        entries = entries.filter(assessment__slug=filters["assessment"])
    if filters["action"]:
        entries = entries.filter(action__startswith=filters["action"])
    if filters["who"]:
        entries = entries.filter(actor_name__icontains=filters["who"])
    return entries, filters


@permission_required("materiality.view_auditentry", raise_exception=True)
def audit_list(request: HttpRequest) -> HttpResponse:
    entries, filters = filtered_entries(request)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    for entry in page:
        entry.changes = audit.changes(entry.before, entry.after)
    actions = sorted({a.split(".")[0] for a in AuditEntry.objects.values_list("action", flat=True).distinct()})
    return render(request, "materiality/audit_list.html", {
        "page": page, "filters": filters, "verification": audit.verify(), "actions": actions,
        "assessments": Assessment.objects.order_by("-opens_at"),
        "query": "&".join(f"{k}={v}" for k, v in filters.items() if v),
    })


@permission_required("materiality.view_auditentry", raise_exception=True)
def audit_export(request: HttpRequest, fmt: str) -> HttpResponse:
    entries, _ = filtered_entries(request)
    rows = [
        [e.pk, e.created_at.isoformat(), e.actor_name, e.action, e.object_type, e.object_id, e.object_repr,
         e.assessment.slug if e.assessment else "", json.dumps(e.before, ensure_ascii=False),
         json.dumps(e.after, ensure_ascii=False), e.prev_hash, e.hash]
        for e in entries.order_by("pk")
    ]
    if fmt == "xlsx":
        return attachment(write_xlsx(EXPORT_HEADER, rows, title="Audit trail"), "audit-trail.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return attachment(write_csv(EXPORT_HEADER, rows), "audit-trail.csv", "text/csv; charset=utf-8")
