"""What an import page shows for a refused file: the reader's message in the user's language, the problems capped.

The readers (materiality.tables and the *_csv parsers) are pure and keep English templates; this is where they are
translated, so the library, contacts and IRO import pages word a refusal the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from django.utils.translation import gettext, ngettext

from materiality.tables import TableError

Problem = TypeVar("Problem")


def table_error_message(error: TableError) -> str:
    """Word a file-level refusal (over a limit, not UTF-8, not a workbook) in the active language."""
    message = gettext(error.message)
    return message % error.params if error.params else message


def problem_lines(problems: Sequence[Problem], word: Callable[[Problem], str] = str) -> list[str]:
    """Word each listed problem, then say how many more were found but not listed (a Problems list's `more`)."""
    lines = [word(problem) for problem in problems]
    more = getattr(problems, "more", 0)
    if more:
        lines.append(ngettext("… and %(count)s more problem.", "… and %(count)s more problems.", more)
                     % {"count": f"{more:,}"})
    return lines
