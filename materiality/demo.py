"""The demo data behind `make demo`: shipped libraries, demo log-ins per role, contacts."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from materiality import aggregation, roles, services, synthetic
from materiality.models import Assessment, IssueLibrary, Topic
from stakeholders.models import Stakeholder, StakeholderGroup
from surveys import imports
from surveys import services as survey_services

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
    users = {username: ensure_user(username, password, role, full_name)
             for username, password, role, full_name in DEMO_USERS}
    users["chair"].groups.add(Group.objects.get(name=roles.CHAIR))  # `chair` chairs the committee
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
    load_cycles(users)
    return [(u, p, r or "superuser") for u, p, r, _ in DEMO_USERS]


def demo_cycle(slug: str, name: str, year: int, previous: Assessment | None, opens_at: dt.datetime,
               chair: User, seed: int) -> Assessment:
    """Create one assessment with synthetic answers and a succeeded score run (once)."""
    existing = Assessment.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    weights = {g: g.default_weight for g in StakeholderGroup.objects.order_by("position")}
    assessment = survey_services.create_assessment(
        slug=slug, name=name, library=IssueLibrary.objects.get(year=year), weights=weights, opens_at=opens_at,
        closes_at=opens_at + dt.timedelta(days=45), previous=previous)
    Assessment.objects.filter(pk=assessment.pk).update(chair=chair)
    assessment.chair = chair
    topics = list(assessment.library.topics.exclude(change_kind=Topic.Change.RETIRED)
                  .order_by("position").values_list("code", flat=True))
    groups = [synthetic.GroupSpec(g.code, g.is_rater, tuple(g.needs_topics)) for g in weights]
    answers = synthetic.to_csv_bytes(synthetic.responses(topics, groups, 12, seed=seed, prefix=slug))
    imports.import_responses(assessment, answers, f"{slug}-answers.csv")
    run = services.start_aggregation(assessment)
    aggregation.run_aggregation(run.pk)  # the queued task finds the run finished and returns
    return assessment


def load_cycles(users: dict[str, User]) -> None:
    """A confirmed 2023 cycle (with a committee override and a register) and an open 2024 cycle compared with it."""
    now = timezone.now()
    last = demo_cycle("dma-2023", "Double materiality 2023", 2023, None, now - dt.timedelta(days=400),
                      users["chair"], seed=2023)
    if not last.is_confirmed:
        run = services.latest_succeeded_run(last)
        assert run is not None
        general = run.topic_scores.filter(classification="general").select_related("topic").order_by("rank").first()
        if general is not None:
            services.override_class(run, general.topic, "important", reason=(
                "Customers raised it repeatedly in the 2023 meetings; the committee keeps it in the register."),
                acting_user=users["committee"])
        services.prefill_register(last, acting_user=users["workteam"])
        services.record_approval(run, member=users["committee"], decision="approve", note="Agreed.")
        services.confirm_assessment(last, acting_user=users["chair"])
    demo_cycle("dma-2024", "Double materiality 2024", 2024, last, now - dt.timedelta(days=5), users["chair"],
               seed=2024)
