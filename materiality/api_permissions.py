"""Who may read the API's schema and docs (issue 11.8): a module of its own, since drf-spectacular's views import it
from settings.SERVE_PERMISSIONS while materiality.api imports those views.
"""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from materiality import roles

STAFF_ROLES = (roles.WORK_TEAM, roles.COMMITTEE)


def has_staff_role(user: Any) -> bool:
    """Whether the user is in the work team or the committee (the chair is a committee member), or a superuser."""
    return bool(user and user.is_authenticated and user.is_active
                and (user.is_superuser or user.groups.filter(name__in=STAFF_ROLES).exists()))


class HasStaffRole(permissions.BasePermission):
    """The schema and its docs describe the staff's data: for the work team and the committee (and superusers) only."""

    message = "The API schema and docs are for the ESG work team and the ESG Executive Committee."

    def has_permission(self, request: Request, view: Any) -> bool:
        return has_staff_role(request.user)
