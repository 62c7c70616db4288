from django.contrib import admin

from materiality.models import Assessment, AssessmentGroup, IssueLibrary, Topic


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
