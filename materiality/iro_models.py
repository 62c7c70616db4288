"""Impacts, risks and opportunities (IROs): the register an assessment scores with method esrs-1 (DESIGN.md 3b).

Imported at the end of materiality/models.py, so Django sees these as models of the materiality app. Every table
here belongs to one assessment and freezes with it (materiality/freeze.py).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from materiality.models import Assessment, FrozenWithAssessment, ScoreRun, Topic, bilingual

VALUE_CHAIN = ("upstream", "own", "downstream")  # DESIGN.md 3b's words, in the order of the value chain
EFFECTS = ("performance", "position", "cash_flows", "access_to_finance", "cost_of_capital", "development")
CRITERIA = ("scale", "scope", "irremediability", "likelihood", "magnitude")
IRO_CODE = RegexValidator(r"^[A-Za-z0-9_.-]{1,32}$", _("Use 1 to 32 letters, digits, '.', '_' or '-'."))


def criteria_for(kind: str, sign: str, status: str) -> tuple[str, ...]:
    """Return the criteria an IRO of this kind, sign and status is rated on (DESIGN.md 3b), in form order."""
    if kind != "impact":
        return ("magnitude", "likelihood")
    severity = ("scale", "scope", "irremediability") if sign == "negative" else ("scale", "scope")
    return severity + (("likelihood",) if status == "potential" else ())


def rating_problems(criteria: tuple[str, ...], values: dict[str, int | None], scale: int) -> dict[str, str]:
    """Return {criterion: English message} for values outside 1..scale or given for a criterion the IRO does not
    use (empty means "don't know" and is always allowed). Messages are gettext_noop templates with %(scale)s."""
    problems = {}
    for name in CRITERIA:
        value = values.get(name)
        if value is None:
            continue
        if name not in criteria:
            problems[name] = NOT_USED
        elif not 1 <= value <= scale:
            problems[name] = OUT_OF_SCALE
    return problems


def gettext_noop(message: str) -> str:
    return message


NOT_USED = gettext_noop("this IRO is not rated on %(criterion)s: leave it empty")
OUT_OF_SCALE = gettext_noop("%(criterion)s must be a whole number from 1 to %(scale)s, or empty for don't know")


class FrozenWithParent(FrozenWithAssessment):
    """A row that belongs to an assessment through a parent row (`frozen_parent` names the foreign key)."""

    frozen_parent = ""

    class Meta:
        abstract = True

    def frozen_assessment_id(self) -> int | None:
        parent = getattr(self, self.frozen_parent, None) if getattr(self, f"{self.frozen_parent}_id") else None
        return parent.frozen_assessment_id() if parent is not None else None


class Iro(FrozenWithAssessment):
    """One impact, risk or opportunity of a topic, as ESRS 1 §§43-51 asks the assessment to identify and rate."""

    class Kind(models.TextChoices):
        IMPACT = "impact", _("Impact")
        RISK = "risk", _("Risk")
        OPPORTUNITY = "opportunity", _("Opportunity")

    class Sign(models.TextChoices):
        NEGATIVE = "negative", _("Negative")
        POSITIVE = "positive", _("Positive")

    class Status(models.TextChoices):
        ACTUAL = "actual", _("Actual")
        POTENTIAL = "potential", _("Potential")

    class Horizon(models.TextChoices):
        SHORT = "short", _("Short term (the reporting period)")
        MEDIUM = "medium", _("Medium term (up to 5 years)")
        LONG = "long", _("Long term (more than 5 years)")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="iros",
                                   verbose_name=_("assessment"))
    code = models.CharField(_("code"), max_length=32, validators=[IRO_CODE],
                            help_text=_("Unique in the assessment, e.g. S07-I1."))
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="iros", verbose_name=_("topic"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # For impacts only (empty for risks and opportunities: a database check says so).
    sign = models.CharField(_("sign"), max_length=8, choices=Sign.choices, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, blank=True,
                              help_text=_("Impacts are assessed gross: before any mitigation or remediation."))
    human_rights = models.BooleanField(
        _("human-rights impact"), null=True, blank=True,
        help_text=_("For a potential negative human-rights impact, severity takes precedence over likelihood "
                    "(ESRS 1 §45)."),
    )
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_zh = models.CharField(_("title (Chinese)"), max_length=300, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True, max_length=4000)
    description_zh = models.TextField(_("description (Chinese)"), blank=True, max_length=4000)
    # Where in the value chain it occurs (any of them).
    upstream = models.BooleanField(_("upstream"), default=False)
    own_operations = models.BooleanField(_("own operations"), default=False)
    downstream = models.BooleanField(_("downstream"), default=False)
    horizon = models.CharField(_("time horizon"), max_length=6, choices=Horizon.choices, blank=True)
    groups = models.ManyToManyField("stakeholders.StakeholderGroup", blank=True, related_name="+",
                                    verbose_name=_("affected stakeholder groups"))
    # For risks and opportunities only: the nature of the financial effect (any of them).
    effect_performance = models.BooleanField(_("financial performance"), default=False)
    effect_position = models.BooleanField(_("financial position"), default=False)
    effect_cash_flows = models.BooleanField(_("cash flows"), default=False)
    effect_access_to_finance = models.BooleanField(_("access to finance"), default=False)
    effect_cost_of_capital = models.BooleanField(_("cost of capital"), default=False)
    effect_development = models.BooleanField(_("development"), default=False)
    arises_from = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="gives_rise_to",
        verbose_name=_("arises from impacts"),
        help_text=_("For a risk or opportunity: the impacts of the same assessment it arises from."),
    )
    dependencies = models.TextField(
        _("dependencies"), blank=True, max_length=2000,
        help_text=_("For a risk or opportunity: the dependencies on natural, human or social resources it arises "
                    "from (ESRS 1 §50)."),
    )
    predecessor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="successors",
        verbose_name=_("last cycle's IRO"), help_text=_("The IRO of the previous assessment this one carries forward."),
    )
    to_reassess = models.BooleanField(
        _("to reassess"), default=False,
        help_text=_("Carried forward from the last cycle with a short time horizon: check it still applies."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    EFFECT_FIELDS = tuple(f"effect_{name}" for name in EFFECTS)
    VALUE_CHAIN_FIELDS = {"upstream": "upstream", "own": "own_operations", "downstream": "downstream"}

    class Meta:
        ordering = ["assessment", "topic__position", "topic__code", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "code"], name="iro_code_unique_in_assessment"),
            models.CheckConstraint(condition=Q(kind__in=["impact", "risk", "opportunity"]), name="iro_kind_known"),
            models.CheckConstraint(condition=Q(horizon__in=["", "short", "medium", "long"]), name="iro_horizon_known"),
            models.CheckConstraint(condition=~Q(title_en=""), name="iro_title_required"),
            # Impacts carry sign, status and the human-rights flag and no financial effect or dependencies; risks
            # and opportunities the other way round.
            models.CheckConstraint(
                condition=(
                    Q(kind="impact", sign__in=["negative", "positive"], status__in=["actual", "potential"],
                      human_rights__isnull=False, dependencies="",
                      **{name: False for name in ("effect_performance", "effect_position", "effect_cash_flows",
                                                  "effect_access_to_finance", "effect_cost_of_capital",
                                                  "effect_development")})
                    | (Q(kind__in=["risk", "opportunity"], sign="", status="", human_rights__isnull=True))
                ),
                name="iro_fields_match_kind",
            ),
        ]
        verbose_name = _("impact, risk or opportunity")
        verbose_name_plural = _("impacts, risks and opportunities")

    def __str__(self) -> str:
        return f"{self.code} {self.title_en}"

    def title_for(self, language: str | None) -> str:
        return bilingual(self, "title", language)

    def description_for(self, language: str | None) -> str:
        return bilingual(self, "description", language)

    @property
    def is_impact(self) -> bool:
        return self.kind == self.Kind.IMPACT

    @property
    def value_chain(self) -> list[str]:
        """Return where it occurs, in DESIGN.md's words: any of upstream, own, downstream."""
        return [word for word, name in self.VALUE_CHAIN_FIELDS.items() if getattr(self, name)]

    @property
    def effects(self) -> list[str]:
        """Return the financial effects of a risk or opportunity, in DESIGN.md's words."""
        return [name for name in EFFECTS if getattr(self, f"effect_{name}")]

    def criteria(self) -> tuple[str, ...]:
        """Return the criteria a rater rates this IRO on (DESIGN.md 3b), in the rating form's order."""
        return criteria_for(self.kind, self.sign, self.status)

    def clean(self) -> None:
        """Check what the database cannot: the topic is in the assessment's library; kind-specific fields."""
        errors: dict[str, Any] = {}
        if self.topic_id and self.assessment_id and self.topic.library_id != self.assessment.library_id:
            errors["topic"] = _("Choose a topic of the assessment's library.")
        if self.kind == self.Kind.IMPACT:
            if not self.sign:
                errors["sign"] = _("An impact is negative or positive.")
            if not self.status:
                errors["status"] = _("An impact is actual or potential.")
            if self.human_rights is None:
                errors["human_rights"] = _("Say whether the impact is a human-rights impact.")
            if self.effects:
                errors[NON_FIELD_ERRORS] = _("Financial effects belong to risks and opportunities.")
            if self.dependencies:
                errors["dependencies"] = _("Dependencies belong to risks and opportunities.")
        elif self.kind:
            for name in ("sign", "status"):
                if getattr(self, name):
                    errors[name] = _("Only impacts have a sign and a status.")
            if self.human_rights is not None:
                errors["human_rights"] = _("Only impacts carry the human-rights flag.")
        if errors:
            raise ValidationError(errors)


def evidence_path(instance: IroEvidence, filename: str) -> str:
    """Store each file under a random name: the original name stays in the row, never in the path."""
    return f"evidence/{secrets.token_hex(16)}"


class IroEvidence(FrozenWithParent):
    """A document or a link that supports an IRO, with a note; files are served only through a staff view."""

    class Kind(models.TextChoices):
        FILE = "file", _("File")
        LINK = "link", _("Link")

    frozen_parent = "iro"

    iro = models.ForeignKey(Iro, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("IRO"))
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    url = models.URLField(_("link"), max_length=2000, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("added by"))
    added_by_name = models.CharField(_("added by"), max_length=150)  # kept when the user is deleted
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["iro", "added_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="file", url="", size__isnull=False) & ~Q(file="") & ~Q(sha256=""))
                | (Q(kind="link", file="", size__isnull=True) & ~Q(url="")),
                name="iro_evidence_is_file_or_link",
            ),
        ]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return f"{self.iro_id}: {self.original_name or self.url}"[:300]

    @property
    def is_file(self) -> bool:
        return self.kind == self.Kind.FILE


class RaterAssignment(FrozenWithAssessment):
    """An internal rater asked to rate the IROs of some topics: a contact (management or internal ESG experts) or
    a staff user, reached by a secret link stored only as a hash, like a questionnaire invitation."""

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        OPENED = "opened", _("Opened")
        SUBMITTED = "submitted", _("Submitted")
        EXPIRED = "expired", _("Expired")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="rater_assignments",
                                   verbose_name=_("assessment"))
    # One of the two (the service checks it); a deleted contact or user leaves the assignment and its ratings.
    contact = models.ForeignKey("stakeholders.Stakeholder", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="rater_assignments", verbose_name=_("contact"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="rater_assignments", verbose_name=_("staff user"))
    topics = models.ManyToManyField(Topic, related_name="rater_assignments", verbose_name=_("topics"))
    token_hash = models.CharField(max_length=64, unique=True)  # the latest link's; RaterToken keeps every one
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CREATED)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessment", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(contact__isnull=True) | Q(user__isnull=True),
                                   name="rater_is_contact_or_user_not_both"),
            models.UniqueConstraint(fields=["assessment", "contact"], condition=Q(contact__isnull=False),
                                    name="one_rater_assignment_per_contact"),
            models.UniqueConstraint(fields=["assessment", "user"], condition=Q(user__isnull=False),
                                    name="one_rater_assignment_per_user"),
        ]
        verbose_name = _("rater assignment")
        verbose_name_plural = _("rater assignments")

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.contact or self.user}"

    @property
    def rater_key(self) -> str:
        """The IroRating.rater of this assignment's ratings (an offline rater's key is whatever the file says)."""
        return f"rater-{self.pk}"


class RaterToken(FrozenWithParent):
    """One link sent to a rater, stored only as the SHA-256 of its secret (every e-mail carries a fresh one)."""

    frozen_parent = "assignment"

    assignment = models.ForeignKey(RaterAssignment, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rater link")
        verbose_name_plural = _("rater links")

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.token_hash[:8]}…"


class IroRating(FrozenWithParent):
    """One rater's rating of one IRO on the criteria its kind needs; an empty criterion means "don't know".

    The bounds 1..S are checked by the services and forms (S is the assessment's scale); the database only
    refuses values below 1.
    """

    class Source(models.TextChoices):
        WEB = "web", _("Web")
        IMPORT = "import", _("Import")

    frozen_parent = "iro"

    iro = models.ForeignKey(Iro, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("IRO"))
    # Any identifier of the person, like `respondent` in the response file: offline raters need no account.
    rater = models.CharField(_("rater"), max_length=100)
    contact = models.ForeignKey("stakeholders.Stakeholder", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("contact"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("staff user"))
    assignment = models.ForeignKey(RaterAssignment, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="ratings", verbose_name=_("rater assignment"))
    scale = models.PositiveSmallIntegerField(_("scale"), null=True, blank=True)
    scope = models.PositiveSmallIntegerField(_("scope"), null=True, blank=True)
    irremediability = models.PositiveSmallIntegerField(_("irremediable character"), null=True, blank=True)
    likelihood = models.PositiveSmallIntegerField(_("likelihood"), null=True, blank=True)
    magnitude = models.PositiveSmallIntegerField(_("magnitude"), null=True, blank=True)
    # Criteria answered "Don't know" (their value stays NULL), so a resumed form shows the choice again.
    dont_know = models.JSONField(default=list, blank=True)
    rationale = models.TextField(_("rationale"), blank=True, max_length=4000)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.WEB)
    saved_at = models.DateTimeField(_("saved at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["iro", "rater"]
        constraints = [
            models.UniqueConstraint(fields=["iro", "rater"], name="one_rating_per_iro_and_rater"),
            models.CheckConstraint(
                condition=(
                    (Q(scale__isnull=True) | Q(scale__gte=1)) & (Q(scope__isnull=True) | Q(scope__gte=1))
                    & (Q(irremediability__isnull=True) | Q(irremediability__gte=1))
                    & (Q(likelihood__isnull=True) | Q(likelihood__gte=1))
                    & (Q(magnitude__isnull=True) | Q(magnitude__gte=1))
                ),
                name="iro_rating_values_from_one",
            ),
            models.CheckConstraint(condition=~Q(rater=""), name="iro_rating_rater_required"),
        ]
        verbose_name = _("IRO rating")
        verbose_name_plural = _("IRO ratings")

    def __str__(self) -> str:
        return f"{self.rater} / {self.iro_id}"

    def values(self) -> dict[str, int | None]:
        """Return every criterion's value (None: don't know or not asked)."""
        return {name: getattr(self, name) for name in CRITERIA}

    def clean(self) -> None:
        """Check the values against the IRO's kind and the assessment's scale (the database knows neither)."""
        if not self.iro_id:
            return
        scale = self.iro.assessment.scale
        problems = rating_problems(self.iro.criteria(), self.values(), scale)
        if problems:
            raise ValidationError({name: _(message) % {"criterion": self._meta.get_field(name).verbose_name,
                                                       "scale": scale}
                                   for name, message in problems.items()})


class IroScore(FrozenWithParent):
    """One IRO's result in a score run of method esrs-1 (DESIGN.md 3b)."""

    frozen_parent = "run"

    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="iro_scores")
    iro = models.ForeignKey(Iro, on_delete=models.PROTECT, related_name="scores")
    score = models.FloatField(_("score"), null=True, blank=True)
    n = models.PositiveIntegerField(_("raters with a score"), default=0)
    n_dont_know = models.PositiveIntegerField(
        _("raters without a score"), default=0,
        help_text=_("Raters who left a criterion the IRO needs empty (don't know)."),
    )
    sd = models.FloatField(_("standard deviation"), null=True, blank=True)
    low = models.FloatField(_("95% interval, low"), null=True, blank=True)
    high = models.FloatField(_("95% interval, high"), null=True, blank=True)
    # The raters' means of the parts, so the results page can say what drives a score.
    severity = models.FloatField(_("mean severity"), null=True, blank=True)
    likelihood = models.FloatField(_("mean likelihood"), null=True, blank=True)
    magnitude = models.FloatField(_("mean magnitude"), null=True, blank=True)
    material = models.BooleanField(_("material"), default=False)
    is_borderline = models.BooleanField(_("borderline"), default=False)
    rank = models.PositiveIntegerField(_("rank"))

    class Meta:
        ordering = ["run", "rank"]
        constraints = [models.UniqueConstraint(fields=["run", "iro"], name="one_score_per_iro_and_run")]
        verbose_name = _("IRO score")
        verbose_name_plural = _("IRO scores")

    def __str__(self) -> str:
        return f"{self.iro_id}: {self.score}"
