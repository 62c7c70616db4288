from django.contrib import admin

from materiality.models import Assessment, AssessmentGroup, AuditEntry, IssueLibrary, Topic


class TopicInline(admin.TabularInline):
    model = Topic
    fields = ["code", "pillar", "name_en", "name_zh", "position", "change_kind"]
    extra = 0
    show_change_link = True


@admin.register(IssueLibrary)
class IssueLibraryAdmin(admin.ModelAdmin):
    list_display = ["year", "name", "template", "published_at"]
    inlines = [TopicInline]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "pillar", "library", "change_kind"]
    list_filter = ["library", "pillar", "change_kind"]
    search_fields = ["code", "name_en", "name_zh"]
    filter_horizontal = ["predecessors"]


class AssessmentGroupInline(admin.TabularInline):
    model = AssessmentGroup
    extra = 0


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "library", "scale", "opens_at", "closes_at", "confirmed_at"]
    inlines = [AssessmentGroupInline]


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
