"""Forms of the IRO register pages (validation and layout only; iros.py does the writing)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from materiality import evidence_files, iro_csv, iros
from materiality.models import Assessment, Iro, Topic
from stakeholders.models import StakeholderGroup

VALUE_CHAIN_CHOICES = [("upstream", _("Upstream")), ("own", _("Own operations")), ("downstream", _("Downstream"))]
EFFECT_CHOICES = [(name, Iro._meta.get_field(f"effect_{name}").verbose_name) for name in iro_csv.EFFECTS]
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
IMPORT_LIMIT_MB = 5
IMPACT_FIELDS = ("sign", "status", "human_rights")
FINANCIAL_FIELDS = ("effects", "arises_from", "dependencies")


def helper(label: str) -> FormHelper:
    h = FormHelper()
    h.add_input(Submit("submit", label, css_class="btn-success"))
    return h


class IroForm(forms.ModelForm):
    """Every field of DESIGN.md 3b; the fields of the other kinds are hidden by js/iro_form.js and ignored here."""

    value_chain = forms.MultipleChoiceField(label=_("Value chain"), choices=VALUE_CHAIN_CHOICES, required=False,
                                            widget=forms.CheckboxSelectMultiple)
    effects = forms.MultipleChoiceField(label=_("Financial effects"), choices=EFFECT_CHOICES, required=False,
                                        widget=forms.CheckboxSelectMultiple)
    human_rights = forms.TypedChoiceField(label=_("Human-rights impact"), choices=YES_NO, required=False,
                                          coerce=lambda v: v == "yes", empty_value=None, widget=forms.RadioSelect,
                                          help_text=Iro._meta.get_field("human_rights").help_text)

    class Meta:
        model = Iro
        fields = ["code", "topic", "kind", "sign", "status", "human_rights", "title_en", "title_zh", "description_en",
                  "description_zh", "horizon", "groups", "arises_from", "dependencies", "to_reassess"]
        widgets = {
            "kind": forms.RadioSelect, "sign": forms.RadioSelect, "status": forms.RadioSelect,
            "groups": forms.CheckboxSelectMultiple, "arises_from": forms.CheckboxSelectMultiple,
            "description_en": forms.Textarea(attrs={"rows": 3}), "description_zh": forms.Textarea(attrs={"rows": 3}),
            "dependencies": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: object, assessment: Assessment, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.instance.assessment = assessment
        self.fields["topic"].queryset = assessment.library.topics.exclude(change_kind=Topic.Change.RETIRED).order_by(
            "position", "code")
        self.fields["topic"].label_from_instance = lambda t: f"{t.code} {t.name_en} {t.name_zh}".strip()
        self.fields["groups"].queryset = StakeholderGroup.objects.all()
        self.fields["arises_from"].queryset = assessment.iros.filter(kind=Iro.Kind.IMPACT).exclude(
            pk=self.instance.pk).order_by("code")
        self.fields["arises_from"].label_from_instance = lambda i: f"{i.code} {i.title_en}"
        self.fields["kind"].choices = Iro.Kind.choices  # no empty choice: every IRO has a kind
        for name in ("sign", "status"):
            self.fields[name].choices = getattr(Iro, name.capitalize()).choices
            self.fields[name].required = False  # required for impacts only: the model's clean() says so
        if self.instance.pk:
            self.initial["value_chain"] = self.instance.value_chain
            self.initial["effects"] = self.instance.effects
            if self.instance.human_rights is not None:
                self.initial["human_rights"] = "yes" if self.instance.human_rights else "no"
            if iros.has_ratings(self.instance):
                for name in ("kind", "sign", "status"):
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _("Fixed: this IRO already has ratings.")
        self.helper = helper(_("Save IRO"))
        self.helper.layout = Layout(
            Fieldset(_("Impact, risk or opportunity"), "code", "topic", "kind"),
            Div(Fieldset(_("For an impact"), "sign", "status", "human_rights"), css_id="iro-impact-fields"),
            Fieldset(_("Description"), "title_en", "title_zh", "description_en", "description_zh"),
            Fieldset(_("Where and when"), "value_chain", "horizon", "groups"),
            Div(Fieldset(_("For a risk or an opportunity"), "effects", "arises_from", "dependencies"),
                css_id="iro-financial-fields"),
            "to_reassess",
        )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        clash = self.instance.assessment.iros.filter(code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(gettext("Another IRO of this assessment already has code %(code)s.")
                                        % {"code": code})
        return code

    def clean(self) -> dict:
        data = super().clean()
        # The fields of the other kinds are hidden on the page: what they still hold is dropped, not refused.
        if data.get("kind") == Iro.Kind.IMPACT:
            data.update(effects=[], arises_from=[], dependencies="")
        elif data.get("kind"):
            data.update(sign="", status="", human_rights=None)
        return data

    def _post_clean(self) -> None:
        for word, name in Iro.VALUE_CHAIN_FIELDS.items():
            setattr(self.instance, name, word in self.cleaned_data.get("value_chain", []))
        for word in iro_csv.EFFECTS:
            setattr(self.instance, f"effect_{word}", word in self.cleaned_data.get("effects", []))
        super()._post_clean()


class IroFilterForm(forms.Form):
    """The register list's filters (GET): each narrows the list; empty shows everything."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Iro.Kind.choices])
    horizon = forms.ChoiceField(label=_("Time horizon"), required=False,
                                choices=[("", _("All horizons")), *Iro.Horizon.choices])
    reassess = forms.BooleanField(label=_("To reassess only"), required=False)

    def __init__(self, *args: object, assessment: Assessment, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["topic"].choices = [("", _("All topics"))] + [
            (t.code, f"{t.code} {t.name_en}") for t in assessment.library.topics.order_by("position", "code")]


class IroImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["file"].help_text = gettext("Up to %(size)s MB.") % {"size": IMPORT_LIMIT_MB}
        self.helper = helper(gettext("Import"))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_LIMIT_MB * 1024 * 1024:
            raise forms.ValidationError(gettext("The file is larger than %(size)s MB.") % {"size": IMPORT_LIMIT_MB})
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


class EvidenceFileForm(forms.Form):
    file = forms.FileField(label=_("Document"))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["file"].help_text = gettext("Up to %(size)s MB: %(types)s.") % {
            "size": iros.EVIDENCE_LIMIT_MB, "types": evidence_files.allowed_labels()}


class EvidenceLinkForm(forms.Form):
    url = forms.URLField(label=_("Link"), max_length=2000, assume_scheme="https",
                         help_text=_("A web page or a document on the intranet, starting with https://."))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
