"""The communication channels of the shipped libraries' groups, marked for translation: the chapter shows a
group's channels in the chapter's language when the catalogue knows them (a channel a user typed stays as written).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

CHANNELS = (
    gettext_noop("Customer satisfaction survey"),
    gettext_noop("Exhibition"),
    gettext_noop("Social media"),
    gettext_noop("Customer research and audit"),
    gettext_noop("Daily communication conference"),
    gettext_noop("Partner conference"),
    gettext_noop("Customer service hotline"),
    gettext_noop("Company's official website"),
    gettext_noop("Shareholders' meeting"),
    gettext_noop("Information disclosure"),
    gettext_noop("Investor relations activities"),
    gettext_noop("Employee questionnaire"),
    gettext_noop("Employee exchange meeting"),
    gettext_noop("Internal communication platform"),
    gettext_noop("Workers' congress"),
    gettext_noop("Employee training"),
    gettext_noop("Employee activities"),
    gettext_noop("Government meetings"),
    gettext_noop("Supervision and inspection"),
    gettext_noop("Visits/Survey"),
    gettext_noop("Supplier audit and evaluation"),
    gettext_noop("Public welfare activities"),
    gettext_noop("Environmental protection measures"),
    gettext_noop("Volunteer project"),
    gettext_noop("Industry information exchange"),
    gettext_noop("Participation in industry standard formulation"),
)
