"""The two staff roles as Django groups, and the permissions each holds.

Data migrations call sync_roles() so that groups exist on every database without a manual step;
a migration that adds permissions calls it again.
"""

from __future__ import annotations

from typing import Any

WORK_TEAM = "ESG work team"
COMMITTEE = "ESG Executive Committee"
CHAIR = "ESG committee chair"  # held together with COMMITTEE; an assessment may also name its chair

_CRUD = ("view", "add", "change", "delete")

ROLE_PERMISSIONS: dict[str, list[str]] = {
    WORK_TEAM: [
        *(f"materiality.{a}_{m}" for m in ("issuelibrary", "topic", "assessment", "assessmentgroup") for a in _CRUD),
        "materiality.publish_issuelibrary",
        "materiality.run_aggregation",
        "materiality.view_results",
        "materiality.view_auditentry",
        *(f"materiality.{a}_registerentry" for a in ("view", "add", "change")),
        *(f"stakeholders.{a}_{m}" for m in ("stakeholdergroup", "stakeholder") for a in _CRUD),
        *(f"surveys.{a}_{m}" for m in ("questionnaire", "invitation", "response", "rating") for a in _CRUD),
        # the IRO register, its raters and their ratings (issue 12)
        *(f"materiality.{a}_{m}" for m in ("iro", "iroevidence", "raterassignment", "irorating") for a in _CRUD),
        "materiality.view_iroscore",
        # which company is asking (issue 14.4)
        "materiality.view_organisationprofile",
        "materiality.change_organisationprofile",
    ],
    COMMITTEE: [
        "materiality.view_issuelibrary",
        "materiality.view_topic",
        "materiality.view_assessment",
        "materiality.view_assessmentgroup",
        "materiality.view_results",
        "materiality.review_assessment",
        "materiality.view_auditentry",
        "stakeholders.view_stakeholdergroup",
        "surveys.view_questionnaire",
        "materiality.view_registerentry",
        *(f"materiality.view_{m}" for m in ("iro", "iroevidence", "irorating", "iroscore")),
    ],
    CHAIR: ["materiality.confirm_assessment"],
}


def sync_roles(apps: Any, schema_editor: Any = None) -> None:
    """Create the role groups and grant them every listed permission that exists (idempotent)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Historical app configs have no models module, and create_permissions skips those.
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = previous or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for name in names:
            app_label, codename = name.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                group.permissions.add(perm)
