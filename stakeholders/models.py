"""The stakeholder registry: respondent groups and the contacts in them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from materiality.models import bilingual


class StakeholderGroup(models.Model):
    """A respondent group (customers, management, ...), with what it cares about and how we reach it."""

    class Kind(models.TextChoices):
        EXTERNAL = "external", _("External")
        INTERNAL = "internal", _("Internal")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.EXTERNAL)
    # Topic codes, not foreign keys: the same needs apply across library years whose topics are separate rows.
    needs_topics = models.JSONField(_("needs and expectations (topic codes)"), default=list, blank=True)
    channels = models.JSONField(_("communication channels"), default=list, blank=True)
    default_weight = models.FloatField(_("default weight"), default=1.0)
    is_rater = models.BooleanField(
        _("rates financial materiality"), default=False,
        help_text=_("Management and internal experts answer the financial items as well as the impact items."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(default_weight__gte=0), name="group_weight_not_negative"),
        ]
        verbose_name = _("stakeholder group")
        verbose_name_plural = _("stakeholder groups")

    def __str__(self) -> str:
        return self.name_en

    def name_for(self, language: str | None) -> str:
        return bilingual(self, "name", language)

    @property
    def is_internal(self) -> bool:
        return self.kind == self.Kind.INTERNAL


class Stakeholder(models.Model):
    """A person we may invite to answer a questionnaire."""

    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        CHINESE = "zh-hans", "中文"

    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    group = models.ForeignKey(StakeholderGroup, on_delete=models.PROTECT, related_name="contacts",
                              verbose_name=_("group"))
    language = models.CharField(_("preferred language"), max_length=8, choices=Language.choices,
                                default=Language.ENGLISH)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["group__position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=~models.Q(email=""), name="stakeholder_email_unique"
            ),
        ]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None
