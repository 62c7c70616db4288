"""Forms for the library pages; crispy FormHelpers carry the layout."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from materiality.models import IssueLibrary, Topic
from surveys.forms import CycleDateTimeField, ModelsChoiceField

TEXT_LIMIT = 2000  # descriptions and notes are read on a phone and in a report table, not essays
CHINESE_TEXT_HELP = _("Optional. The Chinese chapter of the report prints this text; left empty, it prints the "
                      "English text marked as untranslated.")


def _helper(label: str) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label, css_class="btn-success"))
    return helper


class LibraryForm(forms.ModelForm):
    class Meta:
        model = IssueLibrary
        fields = ["year", "name"]

    year = forms.IntegerField(label=_("Reporting year"), min_value=2000, max_value=2100)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Create library"))


class CloneForm(forms.Form):
    year = forms.IntegerField(label=_("New reporting year"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)

    def __init__(self, *args: object, source: IssueLibrary, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = source.year + 1
        self.helper = _helper(_("Clone"))

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if IssueLibrary.objects.filter(year=year).exists():
            raise forms.ValidationError(_("A library for %(year)s already exists.") % {"year": year})
        return year


class TopicForm(forms.ModelForm):
    class Meta:
        model = Topic
        fields = ["code", "pillar", "name_en", "name_zh", "description_en", "description_zh",
                  "change_kind", "predecessors", "change_note", "change_note_zh"]
        widgets = {
            "description_en": forms.Textarea(attrs={"rows": 3}),
            "description_zh": forms.Textarea(attrs={"rows": 3}),
            "change_note": forms.Textarea(attrs={"rows": 2}),
            "change_note_zh": forms.Textarea(attrs={"rows": 2}),
            "predecessors": forms.CheckboxSelectMultiple,
        }
        field_classes = {"predecessors": ModelsChoiceField}

    def __init__(self, *args: object, library: IssueLibrary, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.instance.library = library
        previous = library.previous()
        self.fields["predecessors"].queryset = (
            previous.topics.order_by("position", "code") if previous else Topic.objects.none()
        )
        self.fields["predecessors"].label_from_instance = lambda t: f"{t.code} {t.name_en}"
        self.fields["predecessors"].help_text = (
            _("Topics of the %(year)s library this one continues.") % {"year": previous.year}
            if previous else _("There is no earlier library to link to.")
        )
        self.fields["change_note_zh"].help_text = CHINESE_TEXT_HELP
        for name in ("description_en", "description_zh", "change_note", "change_note_zh"):
            self.fields[name].max_length = TEXT_LIMIT
            self.fields[name].validators.append(MaxLengthValidator(TEXT_LIMIT))
            self.fields[name].widget.attrs["maxlength"] = TEXT_LIMIT
        self.helper = _helper(_("Save topic"))

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        clash = Topic.objects.filter(library=self.instance.library, code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Another topic in this library already has code %(code)s.")
                                        % {"code": code})
        return code

    def clean(self) -> dict:
        data = super().clean()
        if data.get("change_kind") == Topic.Change.NEW and data.get("predecessors"):
            self.add_error("predecessors", _("A new topic has no predecessors; choose another change kind."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"), help_text=_("Up to 5 MB."))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Import"))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


# --- committee review and the step-3 register (issue 5) ----------------------------------------------------------

from materiality.models import Approval, RegisterEntry, TopicScore  # noqa: E402


class OverrideForm(forms.Form):
    new_class = forms.ChoiceField(label=_("Committee class"), choices=TopicScore.Classification.choices)
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("A change of class needs a written reason.")})
    reason_zh = forms.CharField(label=_("Reason (Chinese)"), max_length=4000, required=False,
                                widget=forms.Textarea(attrs={"rows": 2}), help_text=CHINESE_TEXT_HELP)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("Write a comment first.")})


class ApprovalForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Approval.Decision.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class RegisterEntryForm(forms.ModelForm):
    stakeholder_groups = forms.MultipleChoiceField(label=_("Affected stakeholder groups"), required=False,
                                                   widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = RegisterEntry
        fields = ["upstream", "own_operations", "downstream", "stakeholder_groups", "risks", "risks_zh",
                  "opportunities", "opportunities_zh", "influence_period"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in ("risks", "opportunities", "risks_zh",
                                                                          "opportunities_zh")}

    def __init__(self, *args: object, group_choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["stakeholder_groups"].choices = group_choices
        for name in ("risks_zh", "opportunities_zh"):
            self.fields[name].help_text = CHINESE_TEXT_HELP
        self.helper = _helper(_("Save entry"))


class RetireForm(forms.Form):
    note = forms.CharField(max_length=TEXT_LIMIT, required=False)


class ReopenForm(forms.Form):
    slug = forms.SlugField(label=_("Slug of the new assessment"))
    name = forms.CharField(label=_("Name"), max_length=200)
    # Cycle dates: a year outside the supported range is a form error, not an overflow when the row is saved.
    opens_at = CycleDateTimeField(label=_("Opens at"))
    closes_at = CycleDateTimeField(label=_("Closes at"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.helper = _helper(_("Create the new assessment"))
