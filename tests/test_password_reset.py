"""Password reset works end to end with the console/locmem e-mail backend, without an account role."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_reset_link_sets_a_new_password(client, work_team_user):
    page = client.get(reverse("password_reset"))
    assert "Reset your password" in page.content.decode()
    client.post(reverse("password_reset"), {"email": work_team_user.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert "Set a new password" in form.content.decode()
    new = "N3w-passphrase-xyz"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    work_team_user.refresh_from_db()
    assert work_team_user.check_password(new) and not work_team_user.check_password(PASSWORD)
    used = client.get(link, follow=True).content.decode()
    assert "invalid" in used
