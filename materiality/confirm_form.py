"""The chair's confirmation form: the assessment's name typed out, and a written reason for each waived check."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from materiality.confirmation import WAIVABLE
from materiality.models import Assessment

WAIVER_LABELS = {
    "questionnaires": _("Why confirm while a questionnaire is still open?"),
    "borderline": _("Why confirm without a comment on every borderline topic?"),
}


class ConfirmForm(forms.Form):
    """Typing the name guards against a confirmation by a stray click; a crafted POST without it is refused too."""

    typed_name = forms.CharField(label=_("Type the assessment's name to confirm"), max_length=200,
                                 error_messages={"required": _("Type the assessment's name to confirm.")})

    def __init__(self, assessment: Assessment, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.assessment = assessment
        for key in WAIVABLE:
            self.fields[f"waive_{key}"] = forms.CharField(
                label=WAIVER_LABELS[key], required=False, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))
        self.fields["typed_name"].widget.attrs.update({"class": "form-control", "autocomplete": "off",
                                                       "data-expected": assessment.name})

    def clean_typed_name(self) -> str:
        typed = self.cleaned_data["typed_name"].strip()
        if typed != self.assessment.name.strip():
            raise forms.ValidationError(_("The name typed does not match the assessment's name: nothing was "
                                          "confirmed."))
        return typed

    def waivers(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(f"waive_{key}", "") for key in WAIVABLE}
