"""Reading the builder's text fields: numbers, item lists, and the problems found on the way,
each kept against the loader's path of the field (``scoring.subscales[0].items``)."""

from __future__ import annotations

import re

from django.utils.translation import gettext

from assessments import loader

SOURCE = "builder"


class Problems:
    def __init__(self):
        self.found: list[loader.Problem] = []

    def add(self, where: str, message: str) -> None:
        self.found.append(loader.Problem(SOURCE, where, message))


def number(text: str, where: str, problems: Problems, *, whole: bool = False):
    """``text`` as an int (a whole number) or a float, or None with a problem recorded."""
    text = (text or "").strip()
    if not text:
        problems.add(where, gettext("enter a number"))
        return None
    try:
        value = float(text)
    except ValueError:
        problems.add(where, gettext("%(text)s is not a number") % {"text": repr(text)})
        return None
    if whole or value == int(value):
        if value != int(value):
            problems.add(where, gettext("%(text)s is not a whole number") % {"text": repr(text)})
            return None
        return int(value)
    return value


def show(value) -> str:
    """A number as a field shows it: 4, 0.5, or blank for None."""
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


_RANGE = re.compile(r"^\s*(\d+)\s*(?:-|to|\u2013)\s*(\d+)\s*$")


def item_numbers(text: str, where: str, problems: Problems) -> list[int]:
    """``1, 2, 4`` or ``1-4`` as item numbers."""
    numbers: list[int] = []
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        span = _RANGE.match(part)
        if span:
            numbers.extend(range(int(span[1]), int(span[2]) + 1))
        elif part.isdigit():
            numbers.append(int(part))
        else:
            problems.add(
                where,
                gettext("%(text)s is not an item number or a range such as 1-4")
                % {"text": repr(part)},
            )
    if not numbers:
        problems.add(where, gettext("list the items this score adds up, e.g. 1, 2, 4 or 1-4"))
    return numbers
