"""Shared steps of the respondent browser tests: a cycle with an open link, answering cards, cookies."""

from __future__ import annotations

import time

from stakeholders.models import StakeholderGroup
from surveys import services
from surveys.models import Rating


def open_link_url(live_server: object, library: object, *, slug: str = "resp", group: str = "customers") -> str:
    """A new assessment with its standard questionnaires; the URL of one group's open link."""
    assessment = services.create_assessment(
        slug=slug, name=slug.title(), library=library, weights={g: 1.0 for g in StakeholderGroup.objects.all()})
    chosen = StakeholderGroup.objects.get(code=group)
    token = services.open_link(services.questionnaire_for_group(assessment, chosen), chosen)
    return f"{live_server.url}/r/{token}/"  # type: ignore[attr-defined]


def phone(browser: object, language: str | None = None, live_server: object = None) -> object:
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,  # type: ignore[attr-defined]
                                  has_touch=True)
    if language:
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    return context


ANSWER = """([first, last, value]) => {
  const cards = Array.from(document.querySelectorAll('[data-topic]')).slice(first, last);
  for (const card of cards) {
    card.querySelectorAll('fieldset').forEach((set, i) => {
      const radios = set.querySelectorAll('input[type=radio]');
      const radio = radios[(value + i) % (radios.length - 1)];
      radio.checked = true;
      radio.dispatchEvent(new Event('change', {bubbles: true}));
    });
  }
}"""


def answer(page: object, first: int, last: int, value: int = 2) -> None:
    """Pick a rating in every item of cards first..last-1 (as taps would), firing the change events autosave hears."""
    page.evaluate(ANSWER, [first, last, value])  # type: ignore[attr-defined]


def wait_for_ratings(count: int, *, seconds: float = 15) -> None:
    """Wait until the database holds `count` ratings (autosave works in the background)."""
    deadline = time.monotonic() + seconds
    while Rating.objects.count() < count:
        assert time.monotonic() < deadline, f"{Rating.objects.count()} ratings saved, expected {count}"
        time.sleep(0.1)


def drop_cookie(context: object, name_start: str) -> None:
    """Delete this browser's cookies whose name starts with `name_start`, as clearing site data would."""
    keep = [c for c in context.cookies() if not c["name"].startswith(name_start)]  # type: ignore[attr-defined]
    context.clear_cookies()  # type: ignore[attr-defined]
    if keep:
        context.add_cookies(keep)  # type: ignore[attr-defined]
