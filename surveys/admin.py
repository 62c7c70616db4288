from django.contrib import admin

from surveys.models import Invitation, Questionnaire, Rating, Response


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["title_en", "assessment", "opens_at", "closes_at"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["questionnaire", "contact", "group", "status", "sent_at"]
    list_filter = ["status", "group"]
    exclude = ["token_hash"]


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 0


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["respondent_key", "assessment", "group", "status", "source", "submitted_at"]
    list_filter = ["assessment", "status", "source", "group"]
    inlines = [RatingInline]
