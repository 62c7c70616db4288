"""Make an API token for a user: `manage.py create_api_token USER [--days N]`; prints it once (only a digest is kept)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from knox.models import AuthToken

from materiality.api_permissions import has_staff_role


class Command(BaseCommand):
    help = ("Create an API token for a user and print it; it expires after API_TOKEN_DAYS (or --days). "
            "Only its SHA-512 digest is stored, so it cannot be shown again.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the user the token acts as")
        parser.add_argument("--days", type=int, help="days until the token expires (default: API_TOKEN_DAYS, 90)")

    def handle(self, *args: object, username: str, days: int | None, **options: object) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive: a token would not work.")
        if days is not None and not 1 <= days <= 3650:
            raise CommandError("--days must be from 1 to 3650.")
        if not has_staff_role(user):
            self.stderr.write(f"Warning: {username} has no staff role, so the API will refuse every request (403).")
        # Without --days, knox applies its TOKEN_TTL (API_TOKEN_DAYS); every token expires.
        instance, token = (AuthToken.objects.create(user, expiry=dt.timedelta(days=days)) if days
                           else AuthToken.objects.create(user))
        self.stdout.write(token)
        self.stderr.write(f"Expires {instance.expiry:%Y-%m-%d %H:%M %Z}. Send it as the header: Authorization: Token …")
