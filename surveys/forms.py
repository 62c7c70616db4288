"""Forms for the assessment pages (crispy layouts) and the respondent's questionnaire (hand-rendered radios)."""

from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Fieldset, Layout, Row, Submit
from django import forms
from django.utils import translation
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from materiality.models import Assessment, IssueLibrary, Topic
from stakeholders.models import StakeholderGroup
from surveys.items import DONT_KNOW, RATED_ITEMS, Item
from surveys.models import Questionnaire, Rating
from surveys.responses_csv import MAX_COMMENT_LENGTH
from surveys.services import (
    EARLIEST_DATE,
    LATEST_DATE,
    Answer,
    check_previous,
    check_questionnaire,
    check_weights,
    questionnaire_topics,
)

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class CycleDateTimeField(forms.DateTimeField):
    """A date-time of a survey cycle: refuses years outside EARLIEST_DATE..LATEST_DATE, which would overflow
    (year 1 shifted to UTC) or are plainly typing mistakes (year 9999)."""

    def to_python(self, value: object) -> dt.datetime | None:
        try:
            result = super().to_python(value)
        except (OverflowError, ValueError):
            result = None
            self.refuse()
        if result is not None and not EARLIEST_DATE <= result.date() <= LATEST_DATE:
            self.refuse()
        return result

    @staticmethod
    def refuse() -> None:
        raise forms.ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
            code="out_of_range",
        )


def datetime_field(label: str) -> forms.DateTimeField:
    return CycleDateTimeField(
        label=label, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


def group_label(group: StakeholderGroup) -> str:
    """A group's name in the page's language, for choice lists."""
    return group.name_for(translation.get_language())


class ModelsChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows by id that refuses an id beyond a 64-bit integer as an invalid choice.

    Django looks such an id up as it is: SQLite then raises OverflowError (a 500) instead of finding nothing.
    """

    def _check_values(self, value):  # type: ignore[no-untyped-def]
        for pk in value:
            digits = str(pk).strip().lstrip("+-")
            if digits.isascii() and digits.isdigit() and (len(digits) > 19 or int(digits) >= 2**63):
                raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                            params={"pk": pk})
        return super()._check_values(value)


def group_choices(queryset: object, **kwargs: object) -> forms.ModelMultipleChoiceField:
    """Checkboxes of stakeholder groups; a posted id beyond 64 bits is an invalid choice, not an OverflowError."""
    field = ModelsChoiceField(queryset=queryset, widget=forms.CheckboxSelectMultiple, **kwargs)
    field.label_from_instance = group_label
    return field


def derive_slug(name: str, taken: set[str], fallback: str = "assessment") -> str:
    """A slug for the web address made from the name, so nobody has to invent one; a Chinese-only name (which
    slugify empties) falls back to `fallback`, and a taken slug gets the first free "-2", "-3"... suffix."""
    base = slugify(name)[:40].strip("-") or fallback
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def advanced(field: str) -> list[object]:
    """A field most users never need, folded under a native <details> "Advanced" (no script needed) that is open
    when the field has an error."""
    opening = '<details class="mb-3"{%% if form.%s.errors %%} open{%% endif %%}><summary class="mb-2">%s</summary>'
    return [HTML(opening % (field, _("Advanced"))), field, HTML("</details>")]


class AssessmentForm(forms.ModelForm):
    """The cycle's settings plus, per stakeholder group, whether it takes part and its weight."""

    opens_at = datetime_field(_("Opens at"))
    closes_at = datetime_field(_("Closes at"))
    default_questionnaires = forms.BooleanField(
        label=_("Create the standard questionnaires"), required=False, initial=True,
        help_text=_("Impact items for stakeholder groups; impact and financial items for management and "
                    "internal ESG experts. You can edit them afterwards."),
    )

    class Meta:
        model = Assessment
        fields = ["name", "name_zh", "slug", "library", "scale", "major_threshold", "important_threshold",
                  "opens_at", "closes_at", "previous", "method", "severity_rule"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = IssueLibrary.objects.exclude(published_at=None)
        self.fields["library"].help_text = _("Only published libraries can be assessed.")
        self.fields["previous"].queryset = Assessment.objects.exclude(pk=self.instance.pk)
        self.fields["scale"].help_text = _("From 3 to 10 points. Fixed once answers arrive.")
        for name, default in (("method", Assessment.Method.DMA_1), ("severity_rule", Assessment.SeverityRule.MEAN_MAX)):
            self.fields[name].required = False  # a form (or script) that leaves them out keeps the default
            self.fields[name].initial = getattr(self.instance, name, None) or default
        editing = self.instance.pk is not None
        if not editing:
            self.fields["previous"].help_text = _("Used for year-over-year movement; its impacts, risks and "
                                                  "opportunities are carried forward into the new assessment.")
        if editing:
            del self.fields["default_questionnaires"]
            self.fields["slug"].disabled = True
            self.fields["library"].disabled = True
        else:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = _("The assessment's part of the web address. Left empty, it is "
                                              "made from the name.")
        weights = {g.group_id: g.weight for g in self.instance.group_weights.all()} if editing else {}
        language = translation.get_language()
        self.groups = list(StakeholderGroup.objects.all())
        group_fields = []
        for group in self.groups:
            taking_part = group.pk in weights if editing else True
            self.fields[f"group_{group.code}"] = forms.BooleanField(
                label=group.name_for(language), required=False, initial=taking_part,
            )
            self.fields[f"weight_{group.code}"] = forms.FloatField(
                label=_("Weight of %(group)s") % {"group": group.name_for(language)}, min_value=0, max_value=100,
                initial=weights.get(group.pk, group.default_weight),
            )
            group_fields.append(Row(Column(f"group_{group.code}", css_class="col-7 pt-2"),
                                    Column(f"weight_{group.code}", css_class="col-5"), css_class="g-2"))
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(_("Cycle"), "name", "name_zh", *(["slug"] if editing else []), "library", "previous", "opens_at",
                     "closes_at"),
            Fieldset(_("Scale and thresholds"), "scale", "major_threshold", "important_threshold"),
            Fieldset(_("Scoring method"), "method", "severity_rule"),
            Fieldset(_("Respondent groups and weights"), *group_fields),
            *(["default_questionnaires"] if not editing else []),
            *(advanced("slug") if not editing else []),
        )
        self.helper.add_input(Submit("submit", _("Save changes") if editing else _("Create assessment"),
                                     css_class="btn-success"))

    def weights(self) -> dict[StakeholderGroup, float]:
        """Return the chosen groups with their weights."""
        return {g: self.cleaned_data[f"weight_{g.code}"] for g in self.groups if self.cleaned_data.get(f"group_{g.code}")}

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug")
        if slug or self.instance.pk is not None:
            return slug
        name = self.cleaned_data.get("name") or ""
        return derive_slug(name, set(Assessment.objects.values_list("slug", flat=True)))

    def clean_method(self) -> str:
        return self.cleaned_data["method"] or self.instance.method or Assessment.Method.DMA_1

    def clean_severity_rule(self) -> str:
        return self.cleaned_data["severity_rule"] or self.instance.severity_rule or Assessment.SeverityRule.MEAN_MAX

    def clean_previous(self) -> Assessment | None:
        previous = self.cleaned_data["previous"]
        for message in check_previous(self.instance, previous):
            raise forms.ValidationError(message)
        return previous

    def clean(self) -> dict:
        data = super().clean()
        chosen = [g for g in self.groups if data.get(f"group_{g.code}")]
        if all(f"weight_{g.code}" in data for g in chosen):  # a refused weight already says why
            for message in check_weights(self.weights()):
                self.add_error(None, message)
        return data


SUBSETS_HELP = _("Each audience group is asked every topic unless you untick some. A group's topics are fixed once "
                 "it has given answers.")
SELECT_ALL, SELECT_NONE = _("Select all"), _("Select none")


class QuestionnaireForm(forms.ModelForm):
    opens_at = datetime_field(_("Opens at"))
    closes_at = datetime_field(_("Closes at"))

    class Meta:
        model = Questionnaire
        fields = ["title_en", "title_zh", "intro_en", "intro_zh", "groups", "asks_severity", "asks_likelihood",
                  "asks_magnitude", "asks_financial_likelihood", "asks_horizon", "asks_comment",
                  "one_topic_per_screen", "opens_at", "closes_at"]
        widgets = {
            "intro_en": forms.Textarea(attrs={"rows": 4}),
            "intro_zh": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: object, assessment: Assessment, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.instance.assessment = assessment
        self.fields["groups"] = group_choices(
            assessment.groups.all(), label=self.fields["groups"].label,
            help_text=_("A group answers at most one questionnaire of the assessment."),
        )
        if self.instance.pk is None:
            self.initial.setdefault("opens_at", assessment.opens_at)
            self.initial.setdefault("closes_at", assessment.closes_at)
        self.topics = questionnaire_topics(self.instance)
        self.subset_groups = list(assessment.groups.all())
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(_("Texts"), "title_en", "title_zh", "intro_en", "intro_zh"),
            Fieldset(_("Audience"), "groups"),
            Fieldset(_("Topics asked of each group"), *self.subset_layout()),
            Fieldset(_("Items asked for each topic"), "asks_severity", "asks_likelihood", "asks_magnitude",
                     "asks_financial_likelihood", "asks_horizon", "asks_comment"),
            Fieldset(_("Layout"), "one_topic_per_screen"),
            Fieldset(_("Dates"), "opens_at", "closes_at"),
        )
        self.helper.add_input(Submit("submit", _("Save questionnaire"), css_class="btn-success"))

    @staticmethod
    def subset_field(group: StakeholderGroup, pillar: str) -> str:
        return f"topics_{group.pk}_{pillar}"

    def subset_layout(self) -> list[object]:
        """One folded block per group of the assessment: its topics as checkboxes by pillar, all ticked by default
        (only the ticked ones are asked), with buttons to tick all or none; used only for the groups chosen above."""
        pillars = dict(Topic.Pillar.choices)
        # Tells a post of this page (where unticking every box posts nothing) from one made without the boxes.
        self.fields["subsets_shown"] = forms.CharField(required=False, initial="1", widget=forms.HiddenInput)
        layout: list[object] = ["subsets_shown", HTML(f'<p class="form-text">{escape(SUBSETS_HELP)}</p>')]
        for group in self.subset_groups:
            subset = self.instance.subset_for(group.pk) if self.instance.pk else None
            box = f"subset-{group.pk}"
            fields = []
            for code, label in pillars.items():
                topics = [t for t in self.topics if t.pillar == code]
                if not topics:
                    continue
                name = self.subset_field(group, code)
                self.fields[name] = forms.MultipleChoiceField(
                    label=label, required=False, widget=forms.CheckboxSelectMultiple,
                    choices=[(str(t.pk), f"{t.code} {t.name_for(translation.get_language())}") for t in topics],
                    initial=[str(t.pk) for t in topics if subset is None or t.pk in subset])
                fields.append(name)
            asked = len(self.topics) if subset is None else len(subset)
            summary = _("%(group)s: %(asked)s of %(total)s topics") % {
                "group": group_label(group), "asked": asked, "total": len(self.topics)}
            layout += [
                HTML(f'<details class="mb-2" id="{box}"><summary>{escape(summary)}</summary>'
                     '<div class="my-2 d-flex gap-2">'
                     f'<button type="button" class="btn btn-sm btn-outline-secondary" data-check-all="{box}">'
                     f'{escape(SELECT_ALL)}</button>'
                     f'<button type="button" class="btn btn-sm btn-outline-secondary" data-check-none="{box}">'
                     f'{escape(SELECT_NONE)}</button></div>'),
                *fields, HTML("</details>"),
            ]
        return layout

    def clean_subsets(self, groups: list[StakeholderGroup]) -> dict[str, list[int]]:
        """Return the subsets of the chosen groups from the ticked boxes; a group asked every topic is left out."""
        if not self.cleaned_data.get("subsets_shown"):
            stored = self.instance.topic_subsets or {}
            return {str(g.pk): stored[str(g.pk)] for g in groups if str(g.pk) in stored}
        all_ids = {t.pk for t in self.topics}
        subsets = {}
        for group in groups:
            ticked = {int(pk) for code in dict(Topic.Pillar.choices)
                      for pk in self.cleaned_data.get(self.subset_field(group, code), [])}
            if not ticked:
                self.add_error(None, _("Ask %(group)s at least one topic.") % {"group": group_label(group)})
            elif ticked != all_ids:
                subsets[str(group.pk)] = sorted(ticked)
        return subsets

    def clean(self) -> dict:
        data = super().clean()
        for name, value in data.items():
            if name != "groups" and hasattr(self.instance, name):
                setattr(self.instance, name, value)
        groups = list(data.get("groups") or [])
        self.instance.topic_subsets = self.clean_subsets(groups)
        for message in check_questionnaire(self.instance, groups):
            self.add_error(None, message)
        return data


class GroupChoiceForm(forms.Form):
    """Which groups an action applies to; none ticked means all."""

    def __init__(self, *args: object, assessment: Assessment, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["groups"] = group_choices(assessment.groups.all(), required=False, label=_("Only these groups"))


class OpenLinkForm(forms.Form):
    group = forms.ModelChoiceField(queryset=StakeholderGroup.objects.none(), label=_("Group"),
                                   widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args: object, assessment: Assessment, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = StakeholderGroup.objects.filter(questionnaires__assessment=assessment)
        self.fields["group"].label_from_instance = group_label


# --- the respondent's questionnaire -------------------------------------------------------------

HORIZON_BUTTONS = {"short": _("< 1 year"), "medium": _("1–5 years"), "long": _("> 5 years")}


class AnswerField:
    """One question on the page: its form name, the item, the choices and the current value."""

    def __init__(self, name: str, topic: Topic, item: Item | None, kind: str, value: str) -> None:
        self.name, self.topic, self.item, self.kind, self.value = name, topic, item, kind, value


class AnswerForm:
    """The questionnaire's answers: one radio group per topic and item, 1..S plus "Don't know".

    Parses a whole page or just the topics named in `topics` (what autosave posts), so a partial save never
    blanks the topics it did not send.
    """

    def __init__(self, questionnaire: Questionnaire, topics: list[Topic], scale: int,
                 data: dict | None = None, ratings: dict[int, Rating] | None = None) -> None:
        self.questionnaire, self.topics, self.scale = questionnaire, topics, scale
        self.items = [item for item in RATED_ITEMS if getattr(questionnaire, item.flag)]
        self.data = data
        self.ratings = ratings or {}
        self.errors: list[str] = []
        self._answers: dict[Topic, Answer] = {}

    @staticmethod
    def field_name(topic: Topic, item: str) -> str:
        return f"t{topic.pk}-{item}"

    def scale_choices(self) -> list[str]:
        return [str(v) for v in range(1, self.scale + 1)]

    def horizon_choices(self) -> list[tuple[str, str]]:
        """The horizons as the buttons show them: short, so the three fit one row on a phone."""
        return [(value, HORIZON_BUTTONS[value]) for value in Rating.Horizon.values]

    def initial_value(self, topic: Topic, item: str) -> str:
        rating = self.ratings.get(topic.pk)
        if rating is None:
            return ""
        if item in rating.dont_know:
            return DONT_KNOW
        value = getattr(rating, item)
        return "" if value is None else str(value)

    def fields_for(self, topic: Topic) -> list[AnswerField]:
        """Return the questions for one topic in page order, with the saved answers filled in."""
        fields = [AnswerField(self.field_name(topic, i.name), topic, i, "rated", self.initial_value(topic, i.name))
                  for i in self.items]
        if self.questionnaire.asks_horizon:
            fields.append(AnswerField(self.field_name(topic, "horizon"), topic, None, "horizon",
                                      self.initial_value(topic, "horizon")))
        if self.questionnaire.asks_comment:
            rating = self.ratings.get(topic.pk)
            fields.append(AnswerField(self.field_name(topic, "comment"), topic, None, "comment",
                                      rating.comment if rating else ""))
        return fields

    def is_valid(self) -> bool:
        """Parse the posted topics; a value outside 1..S, an unknown horizon or a bad comment refuses the whole post.

        A rating must be one of the offered values exactly: str.isdigit() also passes "²", "①", "３" and "٣", and
        int() refuses a string of thousands of digits with a ValueError.
        """
        assert self.data is not None
        by_id = {str(t.pk): t for t in self.topics}
        posted = self.data.getlist("topics") if hasattr(self.data, "getlist") else self.data.get("topics", [])
        unknown = [p for p in posted if p not in by_id]
        if unknown:
            self.errors.append(_("The page is out of date: some topics are no longer asked. Reload the page."))
            return False
        ratings = set(self.scale_choices())
        for topic_id in dict.fromkeys(posted):
            topic = by_id[topic_id]
            values: dict[str, object] = {}
            dont_know = []
            for item in self.items:
                raw = (self.data.get(self.field_name(topic, item.name)) or "").strip()
                if raw == DONT_KNOW:
                    dont_know.append(item.name)
                elif raw:
                    if raw not in ratings:
                        self.errors.append(
                            _("%(topic)s, %(item)s: “%(value)s” is not a rating; choose 1 to %(scale)s or "
                              "“Don't know”.") % {"topic": topic.code, "item": item.label, "value": raw[:20],
                                                  "scale": self.scale})
                        continue
                    values[item.name] = int(raw)
            if self.questionnaire.asks_horizon:
                raw = (self.data.get(self.field_name(topic, "horizon")) or "").strip()
                if raw == DONT_KNOW:
                    dont_know.append("horizon")
                elif raw:
                    if raw not in Rating.Horizon.values:
                        self.errors.append(_("%(topic)s: “%(value)s” is not a time horizon.")
                                           % {"topic": topic.code, "value": raw[:20]})
                        continue
                    values["horizon"] = raw
            if self.questionnaire.asks_comment:
                # The browser counts a line break as one character against maxlength, then posts it as CRLF.
                comment = (self.data.get(self.field_name(topic, "comment")) or "").replace("\r\n", "\n").strip()
                if "\x00" in comment:  # PostgreSQL cannot store it in a text column
                    self.errors.append(_("%(topic)s: the comment contains a null character; remove it and try again.")
                                       % {"topic": topic.code})
                    continue
                if len(comment) > MAX_COMMENT_LENGTH:
                    self.errors.append(_("%(topic)s: the comment is longer than %(limit)s characters.")
                                       % {"topic": topic.code, "limit": MAX_COMMENT_LENGTH})
                    continue
                values["comment"] = comment
            self._answers[topic] = Answer(dont_know=tuple(dont_know), **values)
        return not self.errors

    def answers(self) -> dict[Topic, Answer]:
        return self._answers
