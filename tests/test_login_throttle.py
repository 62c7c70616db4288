"""Log-in throttling (issue 11.4): the probe tried 100 wrong passwords in 25 s and the right one worked at once.

Now the pair of user name and address is locked after LOGIN_FAILURE_LIMIT (5) failures for LOGIN_LOCKOUT_MINUTES
(15), a try while locked starts the wait again, colleagues behind the same address still log in, and one address
trying many accounts is locked after LOGIN_ADDRESS_FAILURE_LIMIT (30) failures. The admin's log-in is the same.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD

OFFICE = "203.0.113.7"  # one NAT address for a whole office
ELSEWHERE = "198.51.100.9"


@pytest.fixture(autouse=True)
def quick_hashing(settings):
    """MD5 for the passwords the tests make and guess: the behaviour under test is the lock, not the hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def log_in(client: Client, username: str, password: str, address: str = OFFICE, url: str = "") -> int:
    response = client.post(url or reverse("login"), {"username": username, "password": password},
                           REMOTE_ADDR=address)
    return response.status_code


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_settings_are_the_documented_defaults():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 30
    assert settings.AXES_COOLOFF_TIME == dt.timedelta(minutes=15)


def test_hundred_wrong_passwords_cannot_be_tried_within_15_minutes(work_team_user):
    client = Client()
    start = timezone.now()
    statuses = []
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(100):  # one guess every 9 seconds: 100 guesses in 15 minutes
            statuses.append(log_in(client, "wendy", "wrong-guess"))
            clock.shift(dt.timedelta(seconds=9))
    # Four times the form again ("wrong password"); the fifth wrong one locks, and nothing after it is checked.
    assert statuses == [200] * 4 + [429] * 96
    assert not is_logged_in(client)


def test_right_password_is_refused_until_the_lock_ends(work_team_user):
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert [log_in(client, "wendy", "wrong-guess") for _ in range(5)] == [200] * 4 + [429]
        clock.shift(dt.timedelta(minutes=1))
        page = client.post(reverse("login"), {"username": "wendy", "password": PASSWORD}, REMOTE_ADDR=OFFICE)
        assert page.status_code == 429 and not is_logged_in(client)
        assert "Too many log-in attempts" in page.content.decode()
        clock.shift(dt.timedelta(minutes=14, seconds=30))  # 15.5 min after the 5th failure, 14.5 after the last try
        assert log_in(client, "wendy", PASSWORD) == 429 and not is_logged_in(client)
        clock.shift(dt.timedelta(minutes=15, seconds=1))  # 15 min after the last try
        assert log_in(client, "wendy", PASSWORD) == 302 and is_logged_in(client)


def test_colleagues_behind_the_same_address_still_log_in(work_team_user, committee_user):
    for _ in range(6):
        log_in(Client(), "wendy", "wrong-guess")
    assert log_in(Client(), "wendy", PASSWORD) == 429
    colleague = Client()
    assert log_in(colleague, "colin", PASSWORD) == 302 and is_logged_in(colleague)


def test_the_locked_user_can_log_in_from_another_address(work_team_user):
    for _ in range(6):
        log_in(Client(), "wendy", "wrong-guess")
    client = Client()
    assert log_in(client, "wendy", PASSWORD, address=ELSEWHERE) == 302 and is_logged_in(client)


def test_one_address_trying_many_accounts_is_locked(work_team_user, committee_user):
    # One guess for each of 30 user names: no pair reaches its limit, but the address does at the 30th.
    assert [log_in(Client(), f"user{n}", "wrong-guess") for n in range(30)] == [200] * 29 + [429]
    client = Client()
    assert log_in(client, "colin", PASSWORD) == 429 and not is_logged_in(client)
    elsewhere = Client()
    assert log_in(elsewhere, "colin", PASSWORD, address=ELSEWHERE) == 302 and is_logged_in(elsewhere)


def test_a_few_wrong_passwords_across_accounts_lock_nothing(work_team_user, committee_user):
    for n in range(29):
        log_in(Client(), f"user{n}", "wrong-guess")
    client = Client()
    assert log_in(client, "colin", PASSWORD) == 302 and is_logged_in(client)


def test_admin_log_in_is_throttled_too(superuser):
    url = reverse("admin:login")
    assert [log_in(Client(), "ada", "wrong-guess", url=url) for _ in range(5)] == [200] * 4 + [429]
    client = Client()
    assert log_in(client, "ada", PASSWORD, url=url) == 429 and not is_logged_in(client)


def test_lockout_page_is_in_chinese(work_team_user):
    for _ in range(5):
        log_in(Client(), "wendy", "wrong-guess")
    client = Client()
    client.cookies["django_language"] = "zh-hans"
    page = client.post(reverse("login"), {"username": "wendy", "password": PASSWORD}, REMOTE_ADDR=OFFICE)
    assert page.status_code == 429
    text = page.content.decode()
    assert "登录尝试次数过多" in text and "15 分钟" in text


def test_axes_reset_lifts_every_lock(work_team_user):
    for _ in range(5):
        log_in(Client(), "wendy", "wrong-guess")
    assert log_in(Client(), "wendy", PASSWORD) == 429
    call_command("axes_reset")
    client = Client()
    assert log_in(client, "wendy", PASSWORD) == 302 and is_logged_in(client)


def test_password_reset_works_while_locked(work_team_user):
    for _ in range(5):
        log_in(Client(), "wendy", "wrong-guess")
    client = Client()
    client.post(reverse("password_reset"), {"email": work_team_user.email}, REMOTE_ADDR=OFFICE)
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True, REMOTE_ADDR=OFFICE)
    new = "N3w-passphrase-xyz"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, REMOTE_ADDR=OFFICE)
    assert done.status_code == 302
    work_team_user.refresh_from_db()
    assert work_team_user.check_password(new)


def test_forged_forwarded_for_header_does_not_change_the_address(work_team_user):
    """Without PROXY_COUNT only the connection's address counts: a header cannot give each guess a fresh address."""
    for n in range(6):
        Client().post(reverse("login"), {"username": "wendy", "password": "wrong-guess"}, REMOTE_ADDR=OFFICE,
                      HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert log_in(Client(), "wendy", PASSWORD) == 429
