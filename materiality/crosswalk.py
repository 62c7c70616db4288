"""The crosswalk from a company's topics to the ESRS sustainability matters they cover (ESRS 1 AR 16).

The shipped, versioned files in crosswalk_data/ map the topic codes of one library template (calb-2024) to codes
of the esrs-2023 template. `matters_for(topic)` is the read the pages, exports and the disclosure index use; a
topic of a library cloned from a mapped one is mapped through its lineage.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from materiality.models import IssueLibrary, Topic, bilingual

DATA = Path(__file__).resolve().parent / "crosswalk_data"
LIBRARY_DATA = Path(__file__).resolve().parent / "library_data"
ESRS_TEMPLATE = "esrs-2023"


@dataclass(frozen=True)
class Matter:
    """One ESRS sustainability matter: a topical standard (E1), a sub-topic (E1.1) or a sub-sub-topic (S1.1.8)."""

    code: str
    level: str  # topic, sub-topic or sub-sub-topic
    parent: str
    name_en: str
    name_zh: str

    @property
    def standard(self) -> str:
        """The topical standard it belongs to (E1 ... G1): what the disclosure requirements hang on."""
        return self.code.split(".")[0]

    def name_for(self, language: str | None) -> str:
        return bilingual(self, "name", language)

    def path_for(self, language: str | None) -> str:
        """Return the matter with its parents, e.g. "S1 Own workforce › Working conditions › Health and safety"."""
        names = []
        matter: Matter | None = self
        while matter is not None:
            names.append(matter.name_for(language))
            matter = esrs_matters().get(matter.parent)
        return f"{self.standard} " + " › ".join(reversed(names))


@dataclass(frozen=True)
class Entry:
    topic: str
    matters: tuple[Matter, ...]
    note_en: str
    note_zh: str

    def note_for(self, language: str | None) -> str:
        return bilingual(self, "note", language)


@dataclass(frozen=True)
class Crosswalk:
    source: str  # the library template whose topic codes it maps
    target: str
    version: int
    entries: dict[str, Entry]


@functools.cache
def esrs_matters() -> dict[str, Matter]:
    """Return the ESRS 1 AR 16 matters of the shipped esrs-2023 template by code."""
    data = json.loads((LIBRARY_DATA / f"{ESRS_TEMPLATE}.json").read_text(encoding="utf-8"))
    return {t["code"]: Matter(t["code"], t["level"], t["parent"], t["name_en"], t["name_zh"]) for t in data["topics"]}


@functools.cache
def crosswalks() -> dict[str, Crosswalk]:
    """Return the shipped crosswalks by the template whose topics they map."""
    found = {}
    matters = esrs_matters()
    for path in sorted(DATA.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = {row["topic"]: Entry(row["topic"], tuple(matters[c] for c in row["esrs"]), row["note_en"],
                                       row["note_zh"]) for row in data["topics"]}
        found[data["from"]] = Crosswalk(data["from"], data["to"], data["version"], entries)
    return found


def entry_for(topic: Topic) -> Entry | None:
    """Return the crosswalk entry of a topic: its own library's, else the nearest predecessor's (a cloned library).

    None when no shipped crosswalk covers the topic's library or its lineage.
    """
    seen: set[int] = set()
    step: list[Topic] = [topic]
    while step:
        current = step.pop(0)
        if current.pk in seen:
            continue
        seen.add(current.pk)
        walk = crosswalks().get(current.library.template)
        if walk is not None:
            return walk.entries.get(current.code)
        step += list(current.predecessors.select_related("library"))
    return None


def matters_for(topic: Topic) -> tuple[Matter, ...]:
    """Return the ESRS matters a topic covers (empty: entity-specific, or no crosswalk for its library)."""
    entry = entry_for(topic)
    return entry.matters if entry else ()


def topics_covering(code: str, source: str = "calb-2024") -> list[str]:
    """Return the codes of the source template's topics that cover an ESRS matter or one inside it."""
    walk = crosswalks().get(source)
    if walk is None:
        return []
    return [e.topic for e in walk.entries.values()
            if any(m.code == code or m.code.startswith(code + ".") or code.startswith(m.code + ".") for m in e.matters)]


def codes_text(topic: Topic) -> str:
    """Return the topic's ESRS codes as one cell for exports ("E1.1; E1.2"; empty for none)."""
    return "; ".join(m.code for m in matters_for(topic))


def with_esrs(results: pd.DataFrame, library: IssueLibrary) -> pd.DataFrame:
    """Return a results frame (indexed by topic code) with an "esrs" column of the codes each topic covers."""
    codes = {t.code: codes_text(t) for t in library.topics.select_related("library")}
    return results.assign(esrs=[codes.get(str(code), "") for code in results.index])
