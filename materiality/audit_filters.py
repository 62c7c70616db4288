"""The audit page's filters: by assessment, action, user and date; a bad value is named and filters nothing."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from materiality import audit_labels
from materiality.models import Assessment, AuditEntry


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterForm(forms.Form):
    assessment = forms.ModelChoiceField(queryset=Assessment.objects.order_by("-opens_at", "slug"), to_field_name="slug",
                                        required=False, label=_("Assessment"), empty_label=_("All"))
    action = forms.ChoiceField(required=False, label=_("Action"))
    who = forms.ChoiceField(required=False, label=_("User"),
                            help_text=_("“system”: the scoring job, commands and the shipped templates."))
    since = forms.DateField(required=False, label=_("From"), widget=DateInput)
    until = forms.DateField(required=False, label=_("To"), widget=DateInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["action"].choices = [("", _("All")), *audit_labels.action_choices()]
        users = get_user_model()
        names = users.objects.order_by(users.USERNAME_FIELD).values_list(users.USERNAME_FIELD, flat=True)
        self.fields["who"].choices = [("", _("All")), ("system", "system"), *((n, n) for n in names)]
        for name in ("since", "until"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The “From” date is after the “To” date."))
        return data


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filtered_entries(form: AuditFilterForm) -> QuerySet[AuditEntry]:
    """Return the entries that match a valid form's filters, newest first; all entries for an invalid form."""
    entries = AuditEntry.objects.order_by("-pk")
    if not form.is_bound or not form.is_valid():
        return entries
    data = form.cleaned_data
    if data["assessment"]:
        entries = entries.filter(assessment_id=data["assessment"].pk)
    if action := data["action"]:
        entries = entries.filter(action=action) if "." in action else entries.filter(action__startswith=f"{action}.")
    if data["who"]:
        entries = entries.filter(actor_name=data["who"])
    if data["since"]:
        entries = entries.filter(created_at__gte=_day_start(data["since"]))
    if data["until"]:
        entries = entries.filter(created_at__lt=_day_start(data["until"] + dt.timedelta(days=1)))
    return entries
