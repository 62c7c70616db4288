"""Shared fixtures: a cast of users by role (healthchecks style), the shipped libraries, an assessment."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from materiality import roles, services
from materiality.models import Assessment, AssessmentGroup, IssueLibrary
from stakeholders.models import StakeholderGroup

PASSWORD = "a-long-test-password"


def make_user(username: str, role: str | None = None, **extra: object) -> User:
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD, **extra)
    if role:
        if not Group.objects.filter(name=role).exists():
            roles.sync_roles(django_apps)  # a transactional test's flush removed the migration's groups
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def work_team_user(db: None) -> User:
    return make_user("wendy", roles.WORK_TEAM)


@pytest.fixture
def committee_user(db: None) -> User:
    return make_user("colin", roles.COMMITTEE)


@pytest.fixture
def outsider(db: None) -> User:
    """Logged in, but in neither role."""
    return make_user("oscar")


@pytest.fixture
def superuser(db: None) -> User:
    return make_user("ada", is_staff=True, is_superuser=True)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def library_2024(db: None) -> IssueLibrary:
    services.load_library("calb-2024")
    return IssueLibrary.objects.get(year=2024)


@pytest.fixture
def assessment(library_2024: IssueLibrary) -> Assessment:
    now = timezone.now()
    a = Assessment.objects.create(
        slug="dma-2024", name="DMA 2024", library=library_2024,
        opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=30),
    )
    for group in StakeholderGroup.objects.all():
        AssessmentGroup.objects.create(assessment=a, group=group, weight=group.default_weight)
    return a


@pytest.fixture
def without_fork(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201 - () -> None
    """Call it to make os.fork fail from then on: the matrix is then drawn in the job's own process."""
    def no_fork() -> int:
        raise OSError("no fork here")

    return lambda: monkeypatch.setattr(os, "fork", no_fork)


@pytest.fixture(autouse=True)
def default_language() -> object:
    """Start each test in the site's language: a page served in Chinese leaves Chinese active in the thread."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def tasks_run_in_process(request: pytest.FixtureRequest) -> object:
    """Run Celery tasks in-process, even when REDIS_URL is set, except in tests marked integration."""
    from materiality.celery import app

    if request.node.get_closest_marker("integration"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Refuse a transactional test without serialized_rollback.

    Its flush lets post_migrate re-create the content types; the next serialized test then restores them again at
    its set-up and fails on a duplicate key. So every transactional test restores the migrated rows instead.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        names = getattr(item, "fixturenames", ())
        transactional = (marker and marker.kwargs.get("transaction")) or {"transactional_db", "live_server"} & set(names)
        serialized = (marker and marker.kwargs.get("serialized_rollback")) or "django_db_serialized_rollback" in names
        if transactional and not serialized:
            raise pytest.UsageError(f"{item.nodeid}: use django_db(transaction=True, serialized_rollback=True)")
