"""Questionnaires, the invitation links that open them, and the responses with one rating row per topic."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from materiality.models import Assessment, Topic, bilingual
from stakeholders.models import Stakeholder, StakeholderGroup
from surveys.items import RATED_ITEMS


class Questionnaire(models.Model):
    """What one set of audience groups is asked in an assessment, and when."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="questionnaires")
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    intro_zh = models.TextField(_("introduction (Chinese)"), blank=True)
    groups = models.ManyToManyField(StakeholderGroup, related_name="questionnaires", verbose_name=_("audience groups"))
    asks_severity = models.BooleanField(_("impact severity"), default=True)
    asks_likelihood = models.BooleanField(_("impact likelihood"), default=True)
    asks_magnitude = models.BooleanField(_("financial magnitude"), default=False)
    asks_financial_likelihood = models.BooleanField(_("financial likelihood"), default=False)
    asks_horizon = models.BooleanField(_("financial time horizon"), default=False)
    asks_comment = models.BooleanField(_("optional comment"), default=True)
    one_topic_per_screen = models.BooleanField(
        _("one topic per screen"), default=False,
        help_text=_("For long questionnaires: respondents see one topic at a time and move on with Next."))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    # Per audience group (its id, as text) the ids of the only topics it is asked; a group not in it is asked every
    # topic, so the questionnaires made before subsets existed ask what they always asked.
    topic_subsets = models.JSONField(_("topics asked per group"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessment", "pk"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self) -> str:
        return self.title_en

    def title_for(self, language: str | None) -> str:
        return bilingual(self, "title", language)

    def intro_for(self, language: str | None) -> str:
        return bilingual(self, "intro", language)

    @property
    def has_financial_items(self) -> bool:
        return self.asks_magnitude or self.asks_financial_likelihood or self.asks_horizon

    def rated_items(self) -> list[str]:
        """Return the names of the 1..S items this questionnaire asks, in form order."""
        return [item.name for item in RATED_ITEMS if getattr(self, item.flag)]

    def required_items(self) -> list[str]:
        """Return every item a respondent must answer (a value or "Don't know") for each topic."""
        return self.rated_items() + (["horizon"] if self.asks_horizon else [])

    def estimated_minutes(self, topic_count: int) -> int:
        """Return a generous estimate of the time to answer: about 10 seconds per item, at least 5 minutes."""
        seconds = topic_count * (len(self.required_items()) * 10 + (10 if self.asks_comment else 0))
        return max(5, -(-seconds // 60))

    def is_open_at(self, moment: datetime.datetime) -> bool:
        return self.opens_at <= moment < self.closes_at

    def subset_for(self, group_id: int) -> set[int] | None:
        """Return the ids of the topics a group is asked, or None when it is asked every topic."""
        ids = (self.topic_subsets or {}).get(str(group_id))
        return None if ids is None else set(ids)

    def topics_for(self, group_id: int, topics: list[Topic]) -> list[Topic]:
        """Return the topics (of the library's, in their order) this questionnaire asks the group."""
        subset = self.subset_for(group_id)
        return list(topics) if subset is None else [t for t in topics if t.pk in subset]


class Invitation(models.Model):
    """A secret link to a questionnaire: one per contact, or one open link per group for anonymous answers."""

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        OPENED = "opened", _("Opened")
        SUBMITTED = "submitted", _("Submitted")
        EXPIRED = "expired", _("Expired")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey(Stakeholder, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="invitations")
    group = models.ForeignKey(StakeholderGroup, on_delete=models.PROTECT, related_name="+")
    is_open_link = models.BooleanField(_("open link"), default=False)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CREATED)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["questionnaire", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "contact"], condition=models.Q(contact__isnull=False),
                name="one_invitation_per_contact",
            ),
            models.UniqueConstraint(
                fields=["questionnaire", "group"], condition=models.Q(is_open_link=True),
                name="one_open_link_per_group",
            ),
        ]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        who = self.contact or _("open link")
        return f"{self.questionnaire} → {who}"

    @property
    def respondent_key(self) -> str:
        """The Response.respondent_key of a personal invitation's one response."""
        return f"inv-{self.pk}"


class InvitationToken(models.Model):
    """One link sent for an invitation, stored only as the SHA-256 hash of its secret.

    Every e-mail (invitation, reminder, resend) carries a fresh secret, because the secret itself is never
    stored; earlier links keep working until the questionnaire closes.
    """

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invitation link")
        verbose_name_plural = _("invitation links")

    def __str__(self) -> str:
        return f"{self.invitation_id}: {self.token_hash[:8]}…"


class Response(models.Model):
    """One respondent's answers to one questionnaire: a draft until submitted."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    class Source(models.TextChoices):
        WEB = "web", _("Web")
        IMPORT = "import", _("Import")

    # No foreign key constraints in the database: surveys.integrity checks the references once per statement (an
    # import writes 100,000 responses at once). The unique (assessment, respondent_key) index serves look-ups by
    # assessment, so that column has no index of its own; nor have group, invitation and excluded_by: no page
    # looks responses up by them (the per-cycle reads go through response_cycle_status), and each index cost an
    # imported cycle 100,000 entries (issue 16.2). Only deleting a group, an invitation or a user scans for them.
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="responses",
                                      db_constraint=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="responses", db_index=False,
                                   db_constraint=False)
    group = models.ForeignKey(StakeholderGroup, on_delete=models.PROTECT, related_name="+", db_index=False,
                              db_constraint=False)
    # Personal links have one response; open links one per browser, keyed by a secret in respondent_key.
    invitation = models.ForeignKey(Invitation, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="responses", db_index=False, db_constraint=False)
    respondent_key = models.CharField(_("respondent id"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.WEB)
    language = models.CharField(_("language"), max_length=8, default="en")
    # When the respondent opened the questionnaire (the page signs that time; the row comes at the first save).
    started_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Set once at submission (surveys.quality); shown to the work team, never used to drop a response by itself.
    quality_flags = models.JSONField(_("quality flags"), default=list, blank=True)
    # The work team's decision to leave a response out of scoring (surveys.exclusions), with its written reason.
    excluded_at = models.DateTimeField(_("excluded at"), null=True, blank=True)
    excluded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_index=False, verbose_name=_("excluded by"))
    exclusion_reason = models.TextField(_("reason for exclusion"), blank=True, default="", db_default="")  # raw imports

    class Meta:
        ordering = ["assessment", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "respondent_key"], name="one_response_per_respondent"),
        ]
        indexes = [
            # Every per-cycle count and check of the staff pages reads this index alone (issue 16): the submitted
            # count, "answers since the run" (updated_at), the tracking page's breakdown (the included columns),
            # so their cost follows the cycle's size, not the other cycles'.
            models.Index(fields=["assessment", "status", "updated_at"], name="response_cycle_status",
                         include=["questionnaire", "group", "source", "invitation"]),
            # The admin's list of one cycle's responses, newest first, without sorting the cycle.
            models.Index(fields=["assessment", "id"], name="response_cycle_order"),
        ]
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self) -> str:
        return f"{self.respondent_key} ({self.get_status_display()})"

    @property
    def is_excluded(self) -> bool:
        return self.excluded_at is not None


class SubmittedTally(models.Model):
    """How many responses of an assessment are submitted: kept by database triggers (surveys.tally), not by code.

    The lists of assessments read each cycle's count from here: a count through an index still grows with the
    cycle (13 ms a 100,000-response cycle listed, issue 16.3). On PostgreSQL each connection adds to its own
    shard and an import to one of its own, so concurrent writes do not queue on one row; a cycle's count is the
    sum of its shards. No foreign key: a deleted assessment leaves only rows nobody reads (ids are not reused).
    """

    pk = models.CompositePrimaryKey("assessment_id", "shard")
    assessment_id = models.BigIntegerField()
    shard = models.SmallIntegerField()
    submitted = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("submitted tally")
        verbose_name_plural = _("submitted tallies")

    def __str__(self) -> str:
        return f"{self.assessment_id}/{self.shard}: {self.submitted}"


class Rating(models.Model):
    """A respondent's answers for one topic; an empty value means "don't know", never zero."""

    class Horizon(models.TextChoices):
        SHORT = "short", _("Short term (< 1 year)")
        MEDIUM = "medium", _("Medium term (1-5 years)")
        LONG = "long", _("Long term (> 5 years)")

    # The key is (response, topic): no surrogate id to number and index for each of millions of imported rows. No
    # foreign key constraints or single-column indexes in the database: surveys.integrity checks both references
    # once per statement (a bulk import writes millions of ratings), and the primary key serves every look-up by
    # response.
    pk = models.CompositePrimaryKey("response", "topic")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="ratings", db_index=False,
                                 db_constraint=False)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="ratings", db_index=False,
                              db_constraint=False)
    severity = models.PositiveSmallIntegerField(null=True, blank=True)
    likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    magnitude = models.PositiveSmallIntegerField(null=True, blank=True)
    financial_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    horizon = models.CharField(max_length=6, choices=Horizon.choices, blank=True)
    comment = models.TextField(blank=True)
    # Items answered "Don't know" (their value stays NULL), so a resumed form shows the choice again.
    dont_know = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    (models.Q(severity__isnull=True) | models.Q(severity__gte=1))
                    & (models.Q(likelihood__isnull=True) | models.Q(likelihood__gte=1))
                    & (models.Q(magnitude__isnull=True) | models.Q(magnitude__gte=1))
                    & (models.Q(financial_likelihood__isnull=True) | models.Q(financial_likelihood__gte=1))
                ),
                name="rating_values_from_one",
            ),
        ]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")

    def __str__(self) -> str:
        return f"{self.response_id}/{self.topic_id}"
