"""The demo data behind `make demo`: shipped libraries, demo log-ins per role, contacts."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.db import transaction

from materiality import roles, services
from stakeholders.models import Stakeholder, StakeholderGroup

DEMO_USERS = [
    # username, password, role, full name
    ("workteam", "workteam-demo", roles.WORK_TEAM, "Wendy Work-Team"),
    ("committee", "committee-demo", roles.COMMITTEE, "Colin Committee"),
    ("chair", "chair-demo", roles.COMMITTEE, "Chen Chair"),
    ("admin", "admin-demo", None, "Ada Admin"),
]

DEMO_CONTACTS_PER_GROUP = 4


def ensure_user(username: str, password: str, role: str | None, full_name: str) -> User:
    """Create the user with that password and role if missing; an existing user keeps its password."""
    first, _, last = full_name.partition(" ")
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"}
    )
    if created:
        user.set_password(password)
        user.is_staff = role is None
        user.is_superuser = role is None
        user.save()
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@transaction.atomic
def load_demo() -> list[tuple[str, str, str]]:
    """Load everything the demo shows; running it again changes nothing. Return the log-ins."""
    services.load_library("calb-2024")
    for username, password, role, full_name in DEMO_USERS:
        ensure_user(username, password, role, full_name)
    for group in StakeholderGroup.objects.all():
        for i in range(1, DEMO_CONTACTS_PER_GROUP + 1):
            Stakeholder.objects.get_or_create(
                email=f"{group.code}.{i}@example.com",
                defaults={
                    "name": f"{group.name_en} contact {i}", "group": group,
                    "organisation": "CALB" if group.is_internal else f"{group.name_en} org {i}",
                    "language": Stakeholder.Language.CHINESE if i % 2 else Stakeholder.Language.ENGLISH,
                },
            )
    return [(u, p, r or "superuser") for u, p, r, _ in DEMO_USERS]
