from typing import Any

from django import forms
from django.contrib import admin
from django.forms.models import model_to_dict

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


def is_frozen(obj: object | None) -> bool:
    """Tell whether an admin object belongs to a confirmed assessment (the freeze, as the admin sees it)."""
    if obj is None:
        return False
    assessment = obj if isinstance(obj, Assessment) else getattr(obj, "assessment", None)
    if assessment is None:  # an invitation belongs to its questionnaire's assessment
        assessment = getattr(getattr(obj, "questionnaire", None), "assessment", None)
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
    exclude = ["matrix_png"]

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
