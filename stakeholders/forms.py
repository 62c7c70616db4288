"""Forms for the registry pages; crispy FormHelpers carry the layout."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from stakeholders import services
from stakeholders.contacts_csv import MAX_EMAIL
from stakeholders.models import Stakeholder, StakeholderGroup

RESERVED_CODES = {"new"}  # would clash with the page address groups/new/


def _helper(label: str) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label, css_class="btn-success"))
    return helper


MAX_CHANNELS = 50


class GroupForm(forms.ModelForm):
    needs_topics = forms.MultipleChoiceField(
        label=_("Needs and expectations"), required=False, widget=forms.CheckboxSelectMultiple,
    )
    channels = forms.CharField(
        label=_("Communication channels"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One channel per line."),
    )
    default_weight = forms.FloatField(
        label=_("Default weight"), min_value=0, max_value=100, initial=1.0,
        help_text=_("The group's weight in the scores of a new assessment, from 0 to 100."),
    )

    class Meta:
        model = StakeholderGroup
        fields = ["code", "name_en", "name_zh", "kind", "needs_topics", "channels", "default_weight", "is_rater"]
        help_texts = {"code": _("Lower-case letters, digits, '-' or '_'; used in import files, e.g. customers.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        library = services.latest_library()
        language = get_language()
        choices = []
        if library is not None:
            topics = library.topics.exclude(change_kind="retired").order_by("position", "code")
            choices = [(t.code, f"{t.code} {t.name_for(language)}") for t in topics]
            self.fields["needs_topics"].help_text = _("Topics of the %(year)s library.") % {"year": library.year}
        else:
            self.fields["needs_topics"].help_text = _("Load or create an issue library to choose topics.")
        offered = {code for code, _label in choices}
        # Keep codes the group already has even if the latest library dropped them, so saving loses nothing.
        dropped = _("%(code)s (not in the latest library)")
        choices += [(code, dropped % {"code": code}) for code in self.instance.needs_topics if code not in offered]
        self.fields["needs_topics"].choices = choices
        if self.instance.pk:
            self.initial["channels"] = "\n".join(self.instance.channels)
        self.helper = _helper(_("Save group"))

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().lower()
        if code in RESERVED_CODES:
            raise forms.ValidationError(_("%(code)s is reserved; choose another code.") % {"code": code})
        if StakeholderGroup.objects.filter(code__iexact=code).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another group already has the code %(code)s.") % {"code": code})
        if self.instance.pk and code != self.instance.code and services.group_usage(self.instance):
            # Import files, open links and scripts name groups by code: a used code must stay as it is.
            raise forms.ValidationError(_("This group is already in use, so its code can no longer change."))
        return code

    def clean_channels(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["channels"].splitlines() if line.strip()]
        if len(lines) > MAX_CHANNELS or any(len(line) > 200 for line in lines):
            raise forms.ValidationError(_("Give at most %(count)d channels of up to 200 characters each.")
                                        % {"count": MAX_CHANNELS})
        return list(dict.fromkeys(lines))



class ContactForm(forms.ModelForm):
    class Meta:
        model = Stakeholder
        fields = ["name", "email", "organisation", "group", "language"]
        labels = {"name": pgettext_lazy("person", "Name")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].max_length = MAX_EMAIL
        self.fields["group"].label_from_instance = lambda g: g.name_for(get_language())
        self.helper = _helper(_("Save contact"))

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if email:
            other = Stakeholder.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).first()
            if other is not None:
                raise forms.ValidationError(
                    _("%(email)s is already the e-mail of %(name)s (%(group)s).")
                    % {"email": email, "name": other.name, "group": other.group.name_for(get_language())}
                )
        return email
