"""Core domain: the yearly issue library and its topics, and the assessment cycle that scores them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


def bilingual(obj: object, field: str, language: str | None) -> str:
    """Return obj.<field>_zh for a Chinese language code, else obj.<field>_en (falling back to English)."""
    english = getattr(obj, f"{field}_en")
    if language and language.lower().startswith("zh"):
        return getattr(obj, f"{field}_zh") or english
    return english


class AssessmentFrozen(Exception):
    """The assessment is confirmed: nothing that belongs to it may change (reopen it as a new assessment)."""

    MESSAGE = _("This assessment is confirmed and can no longer change. "
                "Create a new assessment from it to reopen the analysis.")


def refuse_if_frozen(obj: Any) -> None:
    """Raise AssessmentFrozen when obj belongs to an assessment the database holds as confirmed.

    The one allowed logic in save()/delete(): the last check before the database trigger refuses the write.
    """
    assessment_id = obj.frozen_assessment_id()
    if assessment_id and Assessment.objects.filter(pk=assessment_id, confirmed_at__isnull=False).exists():
        raise AssessmentFrozen(AssessmentFrozen.MESSAGE)


class FrozenWithAssessment(models.Model):
    """Rows of a confirmed assessment refuse save() and delete() (the database trigger refuses raw SQL)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        refuse_if_frozen(self)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        refuse_if_frozen(self)
        return super().delete(*args, **kwargs)

    def frozen_assessment_id(self) -> int | None:
        return self.assessment_id  # type: ignore[attr-defined,no-any-return]


class IssueLibrary(models.Model):
    """The list of sustainability topics for one reporting year."""

    year = models.PositiveSmallIntegerField(_("reporting year"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    template = models.SlugField(_("shipped template"), blank=True, help_text=_("e.g. calb-2024"))
    cloned_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="clones",
        verbose_name=_("cloned from"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("issue library")
        verbose_name_plural = _("issue libraries")
        permissions = [("publish_issuelibrary", "Can publish an issue library")]

    def __str__(self) -> str:
        return f"{self.year}: {self.name}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def previous(self) -> IssueLibrary | None:
        """Return the library this one's lineage points at: its source, else the year before."""
        if self.cloned_from_id:
            return self.cloned_from
        return IssueLibrary.objects.filter(year__lt=self.year).order_by("-year").first()


class Topic(models.Model):
    """One sustainability topic (the report calls it an issue) in one year's library."""

    class Pillar(models.TextChoices):
        ENVIRONMENTAL = "E", _("Environmental")
        SOCIAL = "S", _("Social")
        GOVERNANCE = "G", _("Governance")

    class Change(models.TextChoices):
        UNCHANGED = "unchanged", _("Unchanged")
        RENAMED = "renamed", _("Renamed")
        EXPANDED = "expanded", _("Expanded")
        MERGED = "merged", _("Merged")
        SPLIT = "split", _("Split")
        NEW = "new", _("New")
        RETIRED = "retired", _("Retired")

    library = models.ForeignKey(IssueLibrary, on_delete=models.CASCADE, related_name="topics")
    code = models.CharField(
        _("code"), max_length=16,
        validators=[RegexValidator(r"^[A-Za-z0-9_.-]+$", _("Use letters, digits, '.', '_' or '-' only."))],
    )
    pillar = models.CharField(_("pillar"), max_length=1, choices=Pillar.choices)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    change_kind = models.CharField(_("change since last year"), max_length=12, choices=Change.choices, default=Change.NEW)
    change_note = models.TextField(_("change note"), blank=True)
    # The Chinese chapter prints this one; where it is empty, the English note marked as untranslated.
    change_note_zh = models.TextField(_("change note (Chinese)"), blank=True)
    predecessors = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="successors",
        verbose_name=_("last year's topics"),
    )

    class Meta:
        ordering = ["library", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["library", "code"], name="topic_code_unique_in_library")]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"

    def name_for(self, language: str | None) -> str:
        return bilingual(self, "name", language)

    def description_for(self, language: str | None) -> str:
        return bilingual(self, "description", language)

    @property
    def is_retired(self) -> bool:
        return self.change_kind == self.Change.RETIRED


class Assessment(models.Model):
    """One double-materiality cycle: a library, a rating scale, respondent groups with weights, thresholds."""

    class Method(models.TextChoices):
        DMA_1 = "dma-1", _("dma-1: stakeholders rate topics in questionnaires")
        ESRS_1 = "esrs-1", _("esrs-1: internal raters rate impacts, risks and opportunities (ESRS 1)")

    class SeverityRule(models.TextChoices):
        MEAN_MAX = "mean_max", _("(mean + highest) / 2 of scale, scope and irremediability")
        MEAN = "mean", _("mean of scale, scope and irremediability")
        MAX = "max", _("highest of scale, scope and irremediability")

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True,
                               help_text=_("Shown to Chinese respondents and in Chinese e-mails."))
    library = models.ForeignKey(IssueLibrary, on_delete=models.PROTECT, related_name="assessments",
                                verbose_name=_("issue library"))
    scale = models.PositiveSmallIntegerField(
        _("rating scale (points)"), default=5, validators=[MinValueValidator(3), MaxValueValidator(10)]
    )
    major_threshold = models.FloatField(_("major threshold"), default=4.0)
    important_threshold = models.FloatField(_("important threshold"), default=3.0)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_assessments",
        verbose_name=_("previous assessment"), help_text=_("Used for year-over-year movement."),
    )
    groups = models.ManyToManyField(
        "stakeholders.StakeholderGroup", through="AssessmentGroup", related_name="assessments",
        verbose_name=_("respondent groups"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("confirmed by"),
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("committee chair"),
        help_text=_("Who confirms this assessment. Empty: any member of the ESG committee chair role."),
    )
    required_approvals = models.PositiveSmallIntegerField(
        _("approvals required before confirmation"), default=0,
        help_text=_("Committee members (besides the chair) who must approve. 0: the chair alone decides."),
    )
    method = models.CharField(
        _("scoring method"), max_length=10, choices=Method.choices, default=Method.DMA_1,
        help_text=_("dma-1 scores topics from the questionnaires; esrs-1 scores the IRO register from the raters' "
                    "ratings (the questionnaires' scores stay visible beside it as the stakeholder view)."),
    )
    severity_rule = models.CharField(
        _("severity rule (esrs-1)"), max_length=10, choices=SeverityRule.choices, default=SeverityRule.MEAN_MAX,
        help_text=_("How method esrs-1 combines a rater's severity criteria into one severity."),
    )

    class Meta:
        ordering = ["-opens_at", "slug"]
        constraints = [
            models.CheckConstraint(condition=models.Q(method__in=["dma-1", "esrs-1"]), name="assessment_method_known"),
            models.CheckConstraint(condition=models.Q(severity_rule__in=["mean_max", "mean", "max"]),
                                   name="assessment_severity_rule_known"),
        ]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        permissions = [
            ("run_aggregation", "Can run the scoring job"),
            ("view_results", "Can view scoring results"),
            ("review_assessment", "Can comment on, propose class changes for and approve an assessment"),
            ("confirm_assessment", "Can confirm an assessment as committee chair"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        refuse_if_frozen(self)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        refuse_if_frozen(self)
        return super().delete(*args, **kwargs)

    def name_for(self, language: str | None) -> str:
        """The name in that language: the Chinese name for Chinese readers when there is one."""
        if language and language.lower().startswith("zh"):
            return self.name_zh or self.name
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.important_threshold is not None and self.major_threshold is not None:
            if self.important_threshold > self.major_threshold:
                errors["important_threshold"] = _("The important threshold cannot exceed the major threshold.")
            for field in ("major_threshold", "important_threshold"):
                value = getattr(self, field)
                if self.scale and not (1 <= value <= self.scale):
                    errors[field] = _("Thresholds must lie on the rating scale (1 to %(scale)s).") % {
                        "scale": self.scale
                    }
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = _("The close date must be after the open date.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    def frozen_assessment_id(self) -> int | None:
        return self.pk


class AssessmentGroup(FrozenWithAssessment):
    """A respondent group taking part in an assessment, with its weight in the scores."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="group_weights")
    group = models.ForeignKey("stakeholders.StakeholderGroup", on_delete=models.PROTECT, related_name="+")
    weight = models.FloatField(_("weight"), default=1.0, validators=[MinValueValidator(0.0)])

    class Meta:
        ordering = ["group__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "group"], name="assessment_group_unique"),
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="assessment_group_weight_not_negative"),
        ]
        verbose_name = _("respondent group")
        verbose_name_plural = _("respondent groups")

    def __str__(self) -> str:
        return f"{self.group} × {self.weight:g}"


# --- the audit trail: entries chained by hash, and the checks that anchor the chain's head (issues 11, 16) -------


class AuditEntry(models.Model):
    """One recorded change: who, when, what, before and after. Entries form a hash chain (see audit.py).

    The references to the user and the assessment are plain ids the hash covers: deleting either leaves the entry
    as it was written (no constraint, no SET NULL), so the chain still verifies.
    """

    created_at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, related_name="+")
    actor_name = models.CharField(_("who"), max_length=150, db_index=True)  # kept when the user is deleted
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.DO_NOTHING,
                                   db_constraint=False, related_name="+")
    assessment_name = models.CharField(_("assessment as named then"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    # Which formula made `hash` (audit.HASH_VERSION): entries written before version 2 keep their old hash.
    hash_version = models.PositiveSmallIntegerField(_("hash version"), default=2)
    # A unique predecessor makes the chain a line: two writers cannot both extend the same entry.
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"


class AuditCheck(models.Model):
    """One verification of the chain and the head it saw: a later verification finds a chain cut below it.

    Kept in its own table, so that deleting entries leaves evidence elsewhere (audit.verify compares every
    successful check's head with the chain).
    """

    checked_at = models.DateTimeField(_("checked at"))
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("checked by"))
    checked_by_name = models.CharField(_("checked by"), max_length=150)
    is_full = models.BooleanField(_("whole chain"), help_text=_("False: only the entries after the last verified head."))
    is_ok = models.BooleanField(_("intact"))
    from_seq = models.BigIntegerField(_("from entry"), default=0)
    head_seq = models.BigIntegerField(_("head entry"))
    head_hash = models.CharField(_("head hash"), max_length=64)
    entries_checked = models.PositiveIntegerField(_("entries checked"))
    failed_seq = models.BigIntegerField(_("failed at entry"), null=True, blank=True)
    problem = models.CharField(_("problem"), max_length=20, blank=True)  # audit.PROBLEMS, rendered in each language
    problem_params = models.JSONField(_("problem details"), default=dict, blank=True)
    seconds = models.FloatField(_("seconds"), default=0)

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["is_ok", "head_seq"], name="auditcheck_ok_head")]
        verbose_name = _("audit chain check")
        verbose_name_plural = _("audit chain checks")

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M} {self.checked_by_name} {self.head_seq}:{self.head_hash[:12]}"


class ScoreRun(FrozenWithAssessment):
    """One execution of the scoring job: immutable once succeeded (parameters, input checksum, results, matrix)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    # The job's stages (materiality.aggregation), as the progress bar names them.
    STAGES = {"reading": _("reading the answers"), "scoring": _("scoring"), "sensitivity": _("sensitivity"),
              "matrix": _("drawing the matrix"), "saving": _("saving the results"), "done": _("done")}

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="score_runs")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(_("stage"), max_length=40, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=20, default="dma-1")
    params = models.JSONField(_("parameters"), default=dict)
    input_checksum = models.CharField(_("input checksum (SHA-256)"), max_length=64, blank=True)
    respondents = models.PositiveIntegerField(_("respondents"), default=0)
    error = models.TextField(_("error"), blank=True)
    # Sensitivity scenarios: {scenario: [[topic code, base class, scenario class], ...]} (changes only).
    sensitivity = models.JSONField(_("sensitivity"), default=dict, blank=True)
    # The matrix is stored in the row so that it appears in the same transaction as the scores: one figure per
    # language, since its legend names every topic (English in matrix_png/svg, Chinese in the _zh pair).
    matrix_png = models.BinaryField(_("matrix (PNG)"), null=True, blank=True)
    matrix_svg = models.TextField(_("matrix (SVG)"), blank=True)
    matrix_png_zh = models.BinaryField(_("matrix in Chinese (PNG)"), null=True, blank=True)
    matrix_svg_zh = models.TextField(_("matrix in Chinese (SVG)"), blank=True)
    # esrs-1: the same figure with every IRO as a point (vector only: the page shows it, a download takes it).
    matrix_iros_svg = models.TextField(_("matrix with the IROs (SVG)"), blank=True)
    matrix_iros_svg_zh = models.TextField(_("matrix with the IROs in Chinese (SVG)"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["assessment", "status"])]
        verbose_name = _("score run")
        verbose_name_plural = _("score runs")

    def __str__(self) -> str:
        return f"{self.assessment} #{self.pk} ({self.get_status_display()})"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def stage_label(self) -> str:
        return str(self.STAGES.get(self.stage, self.stage))

    def matrix_image(self, fmt: str, language: str | None, *, iros: bool = False) -> bytes:
        """Return the matrix in the language's words as PNG or SVG bytes (empty if the run has none).

        Runs scored before the Chinese figure was stored have one bilingual figure, shown in both languages.
        `iros` asks for the figure with the IRO layer (esrs-1 runs; SVG only).
        """
        chinese = bool(language and language.lower().startswith("zh"))
        if iros:
            return ((self.matrix_iros_svg_zh if chinese else "") or self.matrix_iros_svg or "").encode() \
                if fmt == "svg" else b""
        if fmt == "png":
            return bytes((self.matrix_png_zh if chinese else None) or self.matrix_png or b"")
        if fmt == "svg":
            return ((self.matrix_svg_zh if chinese else "") or self.matrix_svg or "").encode()
        return b""


class TopicScore(models.Model):
    """One topic's result in a score run (method dma-1, DESIGN.md section 3)."""

    class Classification(models.TextChoices):
        MAJOR = "major", _("Major")
        IMPORTANT = "important", _("Important")
        GENERAL = "general", _("General")

    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="topic_scores")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="scores")
    impact = models.FloatField(_("impact"), null=True, blank=True)
    financial = models.FloatField(_("financial"), null=True, blank=True)
    combined = models.FloatField(_("combined"), null=True, blank=True)
    n_impact = models.PositiveIntegerField(_("impact answers"), default=0)
    n_financial = models.PositiveIntegerField(_("financial answers"), default=0)
    impact_low = models.FloatField(null=True, blank=True)
    impact_high = models.FloatField(null=True, blank=True)
    financial_low = models.FloatField(null=True, blank=True)
    financial_high = models.FloatField(null=True, blank=True)
    classification = models.CharField(_("classification"), max_length=10, choices=Classification.choices)
    rank = models.PositiveIntegerField(_("rank"))
    is_borderline = models.BooleanField(_("borderline"), default=False)
    influence_period = models.CharField(_("influence period"), max_length=6, blank=True)
    horizon_short = models.PositiveIntegerField(default=0)
    horizon_medium = models.PositiveIntegerField(default=0)
    horizon_long = models.PositiveIntegerField(default=0)
    # Year-over-year: empty previous_* with is_new means the topic has no predecessor in the last confirmed cycle.
    is_new = models.BooleanField(_("new since last cycle"), default=False)
    previous_topics = models.CharField(_("last cycle's topics"), max_length=200, blank=True)
    previous_impact = models.FloatField(null=True, blank=True)
    previous_financial = models.FloatField(null=True, blank=True)
    previous_combined = models.FloatField(null=True, blank=True)
    previous_classification = models.CharField(max_length=10, choices=Classification.choices, blank=True)

    class Meta:
        ordering = ["run", "rank"]
        constraints = [models.UniqueConstraint(fields=["run", "topic"], name="one_score_per_topic_and_run")]
        verbose_name = _("topic score")
        verbose_name_plural = _("topic scores")

    def __str__(self) -> str:
        return f"{self.topic_id}: {self.classification}"

    @property
    def has_answers(self) -> bool:
        """Whether any answer scored this topic: one without is classed general by the rule, but shown as unscored."""
        return bool(self.n_impact or self.n_financial)

    @property
    def combined_change(self) -> float | None:
        if self.combined is None or self.previous_combined is None:
            return None
        return self.combined - self.previous_combined


class GroupScore(models.Model):
    """One respondent group's mean ratings of one topic in a score run (the per-group breakdown)."""

    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="group_scores")
    group = models.ForeignKey("stakeholders.StakeholderGroup", on_delete=models.PROTECT, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="+")
    n_impact = models.PositiveIntegerField(default=0)
    impact = models.FloatField(null=True, blank=True)
    impact_variance = models.FloatField(null=True, blank=True)
    n_financial = models.PositiveIntegerField(default=0)
    financial = models.FloatField(null=True, blank=True)
    financial_variance = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "group", "topic"], name="one_group_score_per_topic_and_run"),
        ]
        verbose_name = _("group score")
        verbose_name_plural = _("group scores")

    def __str__(self) -> str:
        return f"{self.group_id}/{self.topic_id}"


# --- committee review, confirmation and the step-3 register (issue 5) ----------------------------------------------

class Comment(FrozenWithAssessment):
    """A committee member's remark on a topic (or on the assessment as a whole when topic is empty)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="comments")
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(_("author"), max_length=150)
    text = models.TextField(_("comment"), max_length=4000)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.author_name}: {self.text[:40]}"


class ClassOverride(FrozenWithAssessment):
    """The committee's class for a topic in a run, with its reason; the computed class stays in TopicScore."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="overrides")
    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="overrides")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="+")
    computed_class = models.CharField(_("computed class"), max_length=10, choices=TopicScore.Classification.choices)
    new_class = models.CharField(_("committee class"), max_length=10, choices=TopicScore.Classification.choices)
    reason = models.TextField(_("reason"), max_length=4000)
    reason_zh = models.TextField(_("reason (Chinese)"), blank=True, max_length=4000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_by_name = models.CharField(_("proposed by"), max_length=150)
    created_at = models.DateTimeField(_("proposed at"), auto_now=True)

    class Meta:
        ordering = ["run", "topic__position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "topic"], name="one_override_per_topic_and_run"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="override_reason_required"),
        ]
        verbose_name = _("class override")
        verbose_name_plural = _("class overrides")

    def __str__(self) -> str:
        return f"{self.topic_id}: {self.computed_class} → {self.new_class}"


class Approval(FrozenWithAssessment):
    """One committee member's decision on a score run: approve, or request changes (the latest one counts)."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REQUEST_CHANGES = "changes", _("Request changes")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="approvals")
    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="approvals")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    note = models.TextField(_("note"), blank=True, max_length=4000)
    decided_at = models.DateTimeField(_("decided at"), auto_now=True)

    class Meta:
        ordering = ["decided_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["run", "member"], name="one_decision_per_member_and_run")]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")

    def __str__(self) -> str:
        return f"{self.member_id}: {self.decision}"


class RegisterEntry(FrozenWithAssessment):
    """Step 3 of the analysis for one major or important topic: where it bites, whom, its risks and opportunities."""

    class Period(models.TextChoices):
        SHORT = "short", _("Short term")
        MEDIUM = "medium", _("Medium term")
        LONG = "long", _("Long term")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="register_entries")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="+")
    upstream = models.BooleanField(_("upstream"), default=False)
    own_operations = models.BooleanField(_("own operations"), default=False)
    downstream = models.BooleanField(_("downstream"), default=False)
    stakeholder_groups = models.JSONField(_("affected stakeholder groups (codes)"), default=list, blank=True)
    risks = models.TextField(_("risks"), blank=True, max_length=4000)
    opportunities = models.TextField(_("opportunities"), blank=True, max_length=4000)
    # The Chinese chapter prints these; where one is empty, the English text marked as untranslated.
    risks_zh = models.TextField(_("risks (Chinese)"), blank=True, max_length=4000)
    opportunities_zh = models.TextField(_("opportunities (Chinese)"), blank=True, max_length=4000)
    influence_period = models.CharField(_("influence period"), max_length=6, choices=Period.choices, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["assessment", "topic__position", "topic__code"]
        constraints = [models.UniqueConstraint(fields=["assessment", "topic"], name="one_register_entry_per_topic")]
        verbose_name = _("register entry")
        verbose_name_plural = _("register entries")

    def __str__(self) -> str:
        return f"{self.assessment_id}/{self.topic_id}"

    @property
    def value_chain(self) -> list[str]:
        return [name for name in ("upstream", "own_operations", "downstream") if getattr(self, name)]


# --- impacts, risks and opportunities and method esrs-1 (issue 12): the models live in materiality/iro_models.py ---

from materiality.iro_models import (  # noqa: E402,F401
    Iro,
    IroEvidence,
    IroRating,
    IroScore,
    RaterAssignment,
    RaterToken,
)
from materiality.organisation import OrganisationProfile  # noqa: E402,F401

# --- the report pack stored at confirmation (issue 11.7) ----------------------------------------------------------
from materiality.pack_models import ConfirmedPack  # noqa: E402,F401
