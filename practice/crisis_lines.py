"""The national crisis lines Attune ships (``practice/crisis_lines.yaml``), each number cited to a
public source; a practice only chooses among them (``SafetySettings.crisis_lines``). A line's
words (name, country, hours) may carry a translation per language (``translations``), which the
crisis page shows in that language (``CrisisLine.in_language``).

Plain data and no app code: the client model takes its country choices from here while Django
loads the models, so this module imports nothing that needs the app registry (``practice.crisis``
builds the crisis page on top of it).
"""

from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import yaml

LINES_FILE = Path(__file__).with_name("crisis_lines.yaml")
TRANSLATED = ("name", "country_name", "hours")


@dataclass(frozen=True)
class CrisisLine:
    key: str
    country: str
    country_name: str
    name: str
    number: str
    hours: str
    source: str
    translations: dict = field(default_factory=dict, compare=False, hash=False)
    # The words (of TRANSLATED) that ``in_language`` left in the file's own language, English:
    # the crisis page marks them lang="en" (WCAG 3.1.2, Language of Parts).
    in_english: frozenset = field(default_factory=frozenset, compare=False, hash=False)

    @property
    def tel(self) -> str:
        """The number for a ``tel:`` link: digits only."""
        return "".join(ch for ch in self.number if ch.isdigit())

    def in_language(self, language: str | None) -> "CrisisLine":
        """The line with its words in ``language`` where the file translates them; the others
        stay in English, named in ``in_english`` when ``language`` is another."""
        code = (language or "")[:2]
        words = self.translations.get(code, {})
        kept = frozenset() if code == "en" else frozenset(TRANSLATED) - words.keys()
        return replace(
            self, **{key: words[key] for key in TRANSLATED if key in words}, in_english=kept
        )


@cache
def crisis_lines() -> dict[str, CrisisLine]:
    """Every shipped line by key, in the file's order."""
    with LINES_FILE.open(encoding="utf-8") as handle:
        entries = yaml.safe_load(handle)
    return {entry["key"]: CrisisLine(**entry) for entry in entries}


def country_choices() -> list[tuple[str, str]]:
    """The countries the shipped list covers, as (code, name), in the file's order."""
    seen = {}
    for line in crisis_lines().values():
        seen.setdefault(line.country, line.country_name)
    return list(seen.items())


def line_choices() -> list[tuple[str, str]]:
    return [
        (line.key, f"{line.country_name}: {line.name}, {line.number}")
        for line in crisis_lines().values()
    ]
