"""Stakeholder registry pages for the ESG work team."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from stakeholders.models import StakeholderGroup


@permission_required("stakeholders.view_stakeholdergroup", raise_exception=True)
def group_list(request: HttpRequest) -> HttpResponse:
    groups = StakeholderGroup.objects.all()
    return render(request, "stakeholders/group_list.html", {"groups": groups})
