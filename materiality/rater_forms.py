"""The rating page's form (issue 12.2): per IRO, one choice 1..S or "Don't know" for each criterion its kind needs
(DESIGN.md 3b) and a rationale. Built by hand from the rater's IROs so the page costs the same few queries
whatever their number; `answers()` turns the posted values into iro_ratings.Answer objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django import forms
from django.contrib.auth.models import User
from django.http import QueryDict
from django.utils import translation
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from materiality import raters
from materiality.iro_ratings import Answer
from materiality.iro_ratings_csv import RATIONALE_LIMIT
from materiality.models import Assessment, Iro, IroRating, Topic
from stakeholders.models import Stakeholder

DONT_KNOW = "dk"


@dataclass(frozen=True)
class Criterion:
    label: Promise
    help: Promise
    low: Promise
    high: Promise


CRITERIA = {
    "scale": Criterion(gettext_lazy("Scale"), gettext_lazy("How grave is the impact for people or the environment?"),
                       gettext_lazy("minimal"), gettext_lazy("very grave")),
    "scope": Criterion(gettext_lazy("Scope"), gettext_lazy("How widespread is it: how many people, how large an "
                                                           "area?"), gettext_lazy("very limited"),
                       gettext_lazy("global or total")),
    "irremediability": Criterion(gettext_lazy("Irremediable character"),
                                 gettext_lazy("How hard is it to put right the harm done?"),
                                 gettext_lazy("easily remedied"), gettext_lazy("cannot be remedied")),
    "likelihood": Criterion(gettext_lazy("Likelihood"), gettext_lazy("How likely is it to happen?"),
                            gettext_lazy("very unlikely"), gettext_lazy("almost certain")),
    "magnitude": Criterion(gettext_lazy("Magnitude"), gettext_lazy("How large would the financial effect be?"),
                           gettext_lazy("negligible"), gettext_lazy("very large")),
}


@dataclass(frozen=True)
class Field:
    name: str
    criterion: Criterion
    value: str  # "" unanswered, "1".."S", or "dk"
    scale: int

    def buttons(self) -> SafeString:
        """The radio buttons 1..S and "Don't know", built here: the template engine took 3 ms per IRO for them, and
        the rating page of a rater with 60 IROs must answer in under 150 ms (issue 12)."""
        low, high, dont_know = escape(self.criterion.low), escape(self.criterion.high), escape(_("Don't know"))
        parts = []
        for v in [str(n) for n in range(1, self.scale + 1)] + [DONT_KNOW]:
            checked = " checked" if v == self.value else ""
            end = f" ({low})" if v == "1" else f" ({high})" if v == str(self.scale) else ""
            hint = f'<span class="visually-hidden">{end}</span>' if end else ""
            style = "btn-outline-secondary" if v == DONT_KNOW else "btn-outline-success rating-btn"
            parts.append(f'<input type="radio" class="btn-check" name="{self.name}" id="{self.name}-{v}" value="{v}" '
                         f'autocomplete="off"{checked}><label class="btn {style}" for="{self.name}-{v}">'
                         f'{dont_know if v == DONT_KNOW else v}{hint}</label>')
        return mark_safe("\n".join(parts))  # noqa: S308 - names are ours, labels escaped above


def field_name(iro: Iro, criterion: str) -> str:
    return f"i{iro.pk}-{criterion}"


def rationale_name(iro: Iro) -> str:
    return f"i{iro.pk}-rationale"


def shown_value(rating: IroRating | None, criterion: str) -> str:
    if rating is None:
        return ""
    value = getattr(rating, criterion)
    if value is not None:
        return str(value)
    return DONT_KNOW if criterion in rating.dont_know else ""


def fields_for(iro: Iro, rating: IroRating | None, scale: int) -> list[Field]:
    """The criteria of one IRO with the rater's saved choices, in the form's order."""
    return [Field(field_name(iro, c), CRITERIA[c], shown_value(rating, c), scale) for c in iro.criteria()]


def is_done(iro: Iro, rating: IroRating | None) -> bool:
    return rating is not None and all(shown_value(rating, c) for c in iro.criteria())


def answers(data: QueryDict, iros: Mapping[int, Iro], scale: int) -> tuple[dict[Iro, Answer], list[str]]:
    """Read the posted IROs' answers; return them and the problems (any problem: the caller saves nothing)."""
    found: dict[Iro, Answer] = {}
    errors: list[str] = []
    allowed = {str(v) for v in range(1, scale + 1)}
    for raw in dict.fromkeys(data.getlist("topics")):
        iro = iros.get(int(raw)) if raw.isdigit() else None
        if iro is None:
            errors.append(_("The page sent an impact, risk or opportunity that is not yours to rate. Reload the "
                            "page."))
            continue
        values: dict[str, int | None] = {}
        dont_know = []
        for criterion in iro.criteria():
            value = data.get(field_name(iro, criterion), "")
            if value == DONT_KNOW:
                dont_know.append(criterion)
            elif value and value not in allowed:
                errors.append(_("%(code)s: %(criterion)s must be from 1 to %(scale)s or “Don't know”.") % {
                    "code": iro.code, "criterion": CRITERIA[criterion].label, "scale": scale})
            values[criterion] = int(value) if value in allowed else None
        rationale = data.get(rationale_name(iro), "").strip()
        if len(rationale) > RATIONALE_LIMIT:
            errors.append(_("%(code)s: the rationale is longer than %(limit)s characters.") % {
                "code": iro.code, "limit": RATIONALE_LIMIT})
        found[iro] = Answer(values, tuple(dont_know), rationale)
    return found, errors


class AssignForm(forms.Form):
    """The work team's form: one rater (a contact of a rating group or a staff user) and the topics they rate."""

    rater = forms.ChoiceField(label=gettext_lazy("Rater"))
    topics = forms.MultipleChoiceField(label=gettext_lazy("Topics to rate"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: object, assessment: Assessment, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        language = translation.get_language()
        self.contacts = {str(c.pk): c for c in raters.eligible_contacts()}
        self.users = {str(u.pk): u for u in raters.eligible_users()}
        self.fields["rater"].choices = [("", "—")] + [
            (_("Contacts"), [(f"contact:{pk}", f"{c.name} ({c.group.name_for(language)})")
                             for pk, c in self.contacts.items()]),
            (_("Staff users"), [(f"user:{pk}", u.get_full_name() or u.get_username()) for pk, u in self.users.items()]),
        ]
        self.topic_rows = {t.code: t for t in assessment.library.topics.exclude(change_kind=Topic.Change.RETIRED)
                           .order_by("position", "code")}
        self.fields["topics"].choices = [(code, f"{code} {t.name_for(language)}") for code, t in self.topic_rows.items()]

    def clean_rater(self) -> tuple[Stakeholder | None, User | None]:
        kind, _sep, pk = self.cleaned_data["rater"].partition(":")
        if kind == "contact" and pk in self.contacts:
            return self.contacts[pk], None
        if kind == "user" and pk in self.users:
            return None, self.users[pk]
        raise forms.ValidationError(_("Choose a rater from the list."))

    def chosen_topics(self) -> list[Topic]:
        return [self.topic_rows[code] for code in self.cleaned_data["topics"]]
