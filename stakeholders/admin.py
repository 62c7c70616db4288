from django.contrib import admin

from materiality.admin import AuditedAdmin
from stakeholders.models import Stakeholder, StakeholderGroup


@admin.register(StakeholderGroup)
class StakeholderGroupAdmin(AuditedAdmin):
    list_display = ["code", "name_en", "name_zh", "kind", "default_weight", "position"]


@admin.register(Stakeholder)
class StakeholderAdmin(AuditedAdmin):
    list_display = ["name", "email", "organisation", "group", "language"]
    audit_withheld = ("name", "email", "organisation")  # the committee reads the trail, not the contacts
    list_filter = ["group", "language"]
    search_fields = ["name", "email", "organisation"]
