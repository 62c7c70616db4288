from typing import Any

from django import forms
from django.contrib import admin
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from materiality import audit, services
from materiality.models import (
    Approval,
    Assessment,
    AssessmentFrozen,
    AssessmentGroup,
    AuditEntry,
    ClassOverride,
    Comment,
    IssueLibrary,
    RegisterEntry,
    ScoreRun,
    Topic,
)

# The parent through which a row without an assessment of its own belongs to one (an invitation, an IRO's rating).
ASSESSMENT_PARENTS = ("questionnaire", "iro", "run", "assignment")


def is_frozen(obj: object | None) -> bool:
    """Tell whether an admin object belongs to a confirmed assessment (the freeze, as the admin sees it)."""
    if obj is None:
        return False
    assessment = obj if isinstance(obj, Assessment) else getattr(obj, "assessment", None)
    for parent in ASSESSMENT_PARENTS:
        if assessment is not None:
            break
        assessment = getattr(getattr(obj, parent, None), "assessment", None)
    return assessment is not None and assessment.is_confirmed


def admin_snapshot(obj: object) -> dict:
    """Return a model instance's fields as JSON-ready values for the audit trail."""
    return audit.snapshot_dict(model_to_dict(obj))


def withhold(values: dict | None, fields: tuple[str, ...], before: dict | None = None) -> dict | None:
    """Replace the withheld fields' values, saying only whether each changed (when `before` is given)."""
    if values is None:
        return None
    hidden = {k: "(withheld, changed)" if before is not None and before.get(k) != values.get(k) else "(withheld)"
              for k in fields if k in values}
    return {**values, **hidden}


class Withheld:
    """Stands in for a row whose description names a person or holds a secret: the trail keeps its type and id."""

    def __init__(self, obj: Any) -> None:
        self.pk = obj.pk
        self.model_name = type(obj).__name__
        self.label = f"{self.model_name} #{obj.pk}"

    def __str__(self) -> str:
        return self.label


class GuardedForm(forms.ModelForm):
    """An admin form that refuses to add or move a row into something read-only (a confirmed assessment, a
    published library): the model would refuse it at save time, which the admin shows as a server error."""

    def refusal(self) -> str | None:
        return None

    def _post_clean(self) -> None:
        super()._post_clean()  # builds self.instance from the cleaned data
        if message := self.refusal():
            self.add_error(None, message)


class FrozenGuardForm(GuardedForm):
    def refusal(self) -> str | None:
        return str(AssessmentFrozen.MESSAGE) if is_frozen(self.instance) else None


class AuditedAdmin(admin.ModelAdmin):
    """The admin writes audit entries like every page does, so a superuser's change is never silent.

    The committee reads the trail: fields that name a person or hold a secret (audit_withheld) are kept out of
    it, and such a row is then described by its type and id only.
    """

    audit_withheld: tuple[str, ...] = ()

    def record(self, request: Any, action: str, obj: Any, before: Any = None, after: Any = None) -> None:
        if self.audit_withheld:
            obj, before, after = Withheld(obj), withhold(before, self.audit_withheld), withhold(
                after, self.audit_withheld, before)
        audit.record(request.user, f"admin.{action}", obj, before=before, after=after,
                     object_type=getattr(obj, "model_name", type(obj).__name__))

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        before = admin_snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        after = admin_snapshot(obj)
        if before != after:
            self.record(request, "change" if change else "add", obj, before=before, after=after)

    def save_formset(self, request, form, formset, change) -> None:  # type: ignore[no-untyped-def]
        before = [admin_snapshot(o) for o in formset.queryset]
        super().save_formset(request, form, formset, change)
        after = [admin_snapshot(o) for o in formset.model.objects.filter(pk__in=formset.queryset.values("pk"))] + [
            admin_snapshot(o) for o in formset.new_objects]
        if before != after:
            self.record(request, "change", form.instance, before={formset.model.__name__: before},
                        after={formset.model.__name__: after})

    def delete_model(self, request, obj) -> None:  # type: ignore[no-untyped-def]
        self.record(request, "delete", obj, before=admin_snapshot(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:  # type: ignore[no-untyped-def]
        """The list's "delete selected" action: one entry per deleted object, as the delete button writes."""
        for obj in queryset:
            self.record(request, "delete", obj, before=admin_snapshot(obj))
        super().delete_queryset(request, queryset)


def is_published(obj: object | None) -> bool:
    library = obj if isinstance(obj, IssueLibrary) else getattr(obj, "library", None)
    return library is not None and library.is_published


class PublishedGuardForm(GuardedForm):
    def refusal(self) -> str | None:
        library = self.instance if isinstance(self.instance, IssueLibrary) else getattr(self.instance, "library", None)
        try:
            if library is not None:
                services.check_editable(library)
        except services.LibraryLocked as exc:
            return str(exc)
        return None


class LibraryAdmin(AuditedAdmin):
    """A published library is read-only everywhere, the admin included."""

    form = PublishedGuardForm

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return not is_published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return not is_published(obj) and super().has_delete_permission(request, obj)


class FreezeAdmin(AuditedAdmin):
    """Objects of a confirmed assessment open read-only: no change, no delete, and none can be added to it."""

    form = FrozenGuardForm

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return not is_frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return not is_frozen(obj) and super().has_delete_permission(request, obj)


class FreezeInline(admin.TabularInline):
    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return not is_frozen(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return not is_frozen(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return not is_frozen(obj) and super().has_delete_permission(request, obj)


class TopicInline(admin.TabularInline):
    model = Topic
    fields = ["code", "pillar", "name_en", "name_zh", "position", "change_kind"]
    extra = 0
    show_change_link = True

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return not is_published(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return not is_published(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return not is_published(obj) and super().has_delete_permission(request, obj)


@admin.register(IssueLibrary)
class IssueLibraryAdmin(LibraryAdmin):
    list_display = ["year", "name", "template", "published_at"]
    inlines = [TopicInline]


@admin.register(Topic)
class TopicAdmin(LibraryAdmin):
    list_display = ["code", "name_en", "pillar", "library", "change_kind"]
    list_filter = ["library", "pillar", "change_kind"]
    search_fields = ["code", "name_en", "name_zh"]
    filter_horizontal = ["predecessors"]


class AssessmentGroupInline(FreezeInline):
    model = AssessmentGroup
    extra = 0


@admin.register(Assessment)
class AssessmentAdmin(FreezeAdmin):
    list_display = ["slug", "name", "library", "scale", "opens_at", "closes_at", "confirmed_at"]
    readonly_fields = ["confirmed_at", "confirmed_by"]  # confirmation goes through the chair's page and its audit
    inlines = [AssessmentGroupInline]


@admin.register(ScoreRun)
class ScoreRunAdmin(FreezeAdmin):
    list_display = ["pk", "assessment", "status", "method", "created_at", "finished_at"]
    list_filter = ["status"]
    exclude = ["matrix_png", "matrix_png_zh"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False  # runs come from the scoring job only


@admin.register(ClassOverride)
class ClassOverrideAdmin(FreezeAdmin):
    list_display = ["assessment", "topic", "computed_class", "new_class", "created_by_name", "created_at"]


@admin.register(Approval)
class ApprovalAdmin(FreezeAdmin):
    list_display = ["assessment", "run", "member", "decision", "decided_at"]


@admin.register(Comment)
class CommentAdmin(FreezeAdmin):
    list_display = ["assessment", "topic", "author_name", "created_at"]


@admin.register(RegisterEntry)
class RegisterEntryAdmin(FreezeAdmin):
    list_display = ["assessment", "topic", "influence_period", "updated_at"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by the services and checked by `verify_audit`."""

    list_display = ["pk", "created_at", "actor_name", "action", "object_repr"]
    list_filter = ["action"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


# --- impacts, risks and opportunities and method esrs-1 (issue 12) ----------------------------------------------

from materiality import iros  # noqa: E402
from materiality.models import Iro, IroEvidence, IroRating, IroScore, RaterAssignment  # noqa: E402


class IroAdminForm(FrozenGuardForm):
    class Meta:
        model = Iro
        exclude: list[str] = []  # every field: the admin is the last resort for any of them

    def clean(self) -> dict:
        data = super().clean()
        impacts = data.get("arises_from") or []
        if impacts and data.get("kind") == Iro.Kind.IMPACT:
            self.add_error("arises_from", _("Only a risk or an opportunity arises from impacts."))
        elif any(i.kind != Iro.Kind.IMPACT or i.assessment_id != getattr(data.get("assessment"), "pk", None)
                 or i.pk == self.instance.pk for i in impacts):
            self.add_error("arises_from", _("Choose other impacts of the same assessment."))
        return data


@admin.register(Iro)
class IroAdmin(FreezeAdmin):
    """Audited with its links and groups: those are saved after the row, so the entry is written after them."""

    form = IroAdminForm
    list_display = ["code", "assessment", "topic", "kind", "sign", "status", "horizon", "to_reassess"]
    list_filter = ["assessment", "kind", "horizon", "to_reassess"]
    list_select_related = ["assessment", "topic"]
    search_fields = ["code", "title_en", "title_zh"]
    filter_horizontal = ["groups", "arises_from"]
    raw_id_fields = ["predecessor"]

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        form.audit_before = iros.iro_snapshot(Iro.objects.get(pk=obj.pk)) if change else None
        admin.ModelAdmin.save_model(self, request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        after = iros.iro_snapshot(form.instance)
        if form.audit_before != after:
            audit.record(request.user, "admin.change" if change else "admin.add", form.instance,
                         before=form.audit_before, after=after, assessment=form.instance.assessment)

    def delete_model(self, request, obj) -> None:  # type: ignore[no-untyped-def]
        audit.record(request.user, "admin.delete", obj, before=iros.iro_snapshot(obj), assessment=obj.assessment)
        admin.ModelAdmin.delete_model(self, request, obj)

    def delete_queryset(self, request, queryset) -> None:  # type: ignore[no-untyped-def]
        for obj in queryset:
            audit.record(request.user, "admin.delete", obj, before=iros.iro_snapshot(obj), assessment=obj.assessment)
        admin.ModelAdmin.delete_queryset(self, request, queryset)


@admin.register(IroEvidence)
class IroEvidenceAdmin(FreezeAdmin):
    """Files arrive through the register's upload page only (it checks size and type); here only the note changes,
    and the file is never linked (it is served by a staff view, not from a public media address)."""

    list_display = ["iro", "kind", "original_name", "url", "added_by_name", "added_at"]
    list_filter = ["kind"]
    list_select_related = ["iro"]
    exclude = ["file"]
    readonly_fields = ["iro", "kind", "original_name", "size", "content_type", "sha256", "url", "added_by",
                       "added_by_name", "added_at"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(IroRating)
class IroRatingAdmin(FreezeAdmin):
    list_display = ["rater", "iro", "scale", "scope", "irremediability", "likelihood", "magnitude", "source",
                    "submitted_at"]
    list_filter = ["source"]
    list_select_related = ["iro"]
    search_fields = ["rater", "iro__code"]
    raw_id_fields = ["iro", "contact", "user", "assignment"]


@admin.register(IroScore)
class IroScoreAdmin(FreezeAdmin):
    """Read-only: scores come from the scoring job."""

    list_display = ["run", "iro", "score", "n", "n_dont_know", "material", "rank"]
    list_select_related = ["iro"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(RaterAssignment)
class RaterAssignmentAdmin(FreezeAdmin):
    list_display = ["assessment", "contact", "user", "status", "sent_at", "submitted_at"]
    list_filter = ["status"]
    exclude = ["token_hash"]
    filter_horizontal = ["topics"]
    audit_withheld = ("token_hash", "contact")  # its description names the contact
