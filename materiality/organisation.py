"""Which company is asking (issue 14.4): one organisation profile that the work team sets, shown to respondents
(page title and header through the `organisation` context processor), in the invitation e-mails (sender name,
Reply-To, signature) and in the privacy note.

The logo is kept in the database, not MEDIA_ROOT: respondents have no account, and MEDIA_ROOT holds private
evidence that is only ever served behind a role check.
"""

from __future__ import annotations

from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from materiality import audit

LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}  # no SVG: it can carry script
MAX_LOGO_BYTES = 256 * 1024
SNAPSHOT_FIELDS = ["name_en", "name_zh", "sender_name", "reply_to", "privacy_contact"]


class OrganisationProfile(models.Model):
    """The single row (pk 1) naming the organisation behind every survey."""

    name_en = models.CharField(_("organisation name (English)"), max_length=200, blank=True)
    name_zh = models.CharField(_("organisation name (Chinese)"), max_length=200, blank=True)
    sender_name = models.CharField(
        _("e-mail sender name"), max_length=120, blank=True,
        help_text=_("Shown as the sender of invitations and reminders, e.g. “ACME ESG team”."),
    )
    reply_to = models.EmailField(_("reply-to address"), blank=True,
                                 help_text=_("Where respondents' replies to the e-mails go."))
    privacy_contact = models.CharField(
        _("privacy contact"), max_length=300, blank=True,
        help_text=_("Whom respondents ask about their data: a name, an e-mail address or both."),
    )
    logo = models.BinaryField(_("logo"), blank=True, default=b"", editable=False)
    logo_type = models.CharField(max_length=20, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "materiality"
        verbose_name = _("organisation profile")
        verbose_name_plural = _("organisation profile")

    def __str__(self) -> str:
        return self.name_en or "organisation"

    def name_for(self, language: str | None) -> str:
        """The name in that language, else the other one; empty when none is set."""
        if language and language.lower().startswith("zh"):
            return self.name_zh or self.name_en
        return self.name_en or self.name_zh

    @property
    def has_logo(self) -> bool:
        return bool(self.logo_type)

    def from_email(self) -> str:
        """DEFAULT_FROM_EMAIL's address under the sender name (the address itself stays the one the mail server
        is allowed to send from)."""
        default_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        return formataddr((self.sender_name or default_name, address)) if address else settings.DEFAULT_FROM_EMAIL

    def snapshot(self) -> dict[str, Any]:
        return {**{f: getattr(self, f) for f in SNAPSHOT_FIELDS}, "logo": self.logo_type or None}


def current() -> OrganisationProfile:
    """The profile; an unsaved empty one before the work team has set it."""
    return OrganisationProfile.objects.filter(pk=1).first() or OrganisationProfile(pk=1)


def logo_type(data: bytes) -> str | None:
    """The image type of an uploaded logo from its first bytes, or None for anything but PNG or JPEG."""
    return next((kind for magic, kind in LOGO_TYPES.items() if data.startswith(magic)), None)


def save_profile(profile: OrganisationProfile, *, logo: bytes | None = None, remove_logo: bool = False,
                 acting_user: Any = None) -> bool:
    """Save the edited profile (and a new or removed logo) and audit it; False when nothing changed."""
    with transaction.atomic():
        stored = OrganisationProfile.objects.select_for_update().filter(pk=1).first()
        before = stored.snapshot() if stored else None
        if logo is not None:
            profile.logo, profile.logo_type = logo, logo_type(logo) or ""
        elif remove_logo:
            profile.logo, profile.logo_type = b"", ""
        elif stored is not None:
            profile.logo, profile.logo_type = stored.logo, stored.logo_type
        if stored is not None and before == profile.snapshot() and logo is None:
            return False
        profile.pk = 1
        profile.save()
        audit.record(acting_user, "organisation.change", profile, before=before, after=profile.snapshot())
    return True


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context: `organisation` (the profile) and `organisation_name` in the page's language, read only
    when a template uses them (JSON views pay nothing)."""
    profile = SimpleLazyObject(current)
    return {"organisation": profile,
            "organisation_name": SimpleLazyObject(lambda: profile.name_for(translation.get_language()))}
