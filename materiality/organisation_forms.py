"""The organisation profile's form: texts plus a logo upload checked by its first bytes, not its name."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from materiality.organisation import MAX_LOGO_BYTES, OrganisationProfile, logo_type


class OrganisationForm(forms.ModelForm):
    logo_file = forms.FileField(label=_("Logo"), required=False,
                                help_text=_("PNG or JPEG, at most %(size)s; shown on the respondents' pages.")
                                % {"size": filesizeformat(MAX_LOGO_BYTES)})
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = OrganisationProfile
        fields = ["name_en", "name_zh", "sender_name", "reply_to", "privacy_contact"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(_("Name"), "name_en", "name_zh"),
            Fieldset(_("E-mails"), "sender_name", "reply_to"),
            Fieldset(_("Privacy"), "privacy_contact"),
            Fieldset(_("Logo"), "logo_file", *(["remove_logo"] if self.instance.has_logo else [])),
        )
        self.helper.add_input(Submit("submit", _("Save the profile"), css_class="btn-success"))

    def clean_logo_file(self) -> bytes | None:
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        if upload.size > MAX_LOGO_BYTES:
            raise forms.ValidationError(_("The logo is larger than %(size)s.") % {"size": filesizeformat(MAX_LOGO_BYTES)})
        data = upload.read()
        if logo_type(data) is None:
            raise forms.ValidationError(_("The logo must be a PNG or JPEG image."))
        return data
