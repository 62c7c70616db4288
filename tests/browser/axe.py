"""axe-core (vendored, never fetched) run over the page in Chromium with the WCAG 2.x A/AA rule tags.

The script goes in through Playwright's evaluate, not a <script> tag: the site's Content-Security-Policy
refuses inline scripts, and it should go on refusing them while the test looks.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


@cache
def source() -> str:
    return AXE.read_text(encoding="utf-8")


def violations(page: object, selector: str | None = None) -> list[str]:
    """Each violation as 'rule-id: target, target', empty when the page (or the part `selector` picks) passes."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):  # type: ignore[attr-defined]
        page.evaluate(source())  # type: ignore[attr-defined]
    found = page.evaluate(  # type: ignore[attr-defined]
        "([selector, tags]) => axe.run(selector ? document.querySelector(selector) : document,"
        " {runOnly: {type: 'tag', values: tags}}).then(r => r.violations.map("
        "v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))", [selector, TAGS])
    return list(found)


def run_axe(page: object) -> list[str]:
    """The whole page's violations of the WCAG 2.x A/AA rules (issue 14.3); an empty list is a pass."""
    return violations(page)
