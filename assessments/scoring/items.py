"""Items and their keys: answers checked against each item's type and scale, reverse keying,
and the range a subscale's score can take. The helpers the other parts of the engine share
(exact fractions, JSON-ready numbers, a definition's items and subscales) live here too."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from fractions import Fraction

from .words import gettext

_WHOLE_NUMBER = re.compile(r"^\s*[+-]?\d+\s*$")


class AnswerError(ValueError):
    """Answers that cannot be scored (unknown item, out of range, wrong type). Lists them all."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _exact(number) -> Fraction:
    return Fraction(str(number))


def _number(value: Fraction, method: str) -> int | float:
    """JSON-ready: whole sums (weighted ones too) as integers, everything else as floats."""
    if method in ("sum", "weighted") and value.denominator == 1:
        return int(value)
    return float(value)


def item_scale(definition: dict, item: dict) -> dict:
    return item.get("scale") or definition["scale"]


def _items(definition: dict) -> list[dict]:
    return definition["items"]


def _subscales(definition: dict) -> list[dict]:
    return definition.get("scoring", {}).get("subscales", [])


def _name(definition: dict) -> str:
    return definition.get("short_name") or definition["code"]


# --- Answers -----------------------------------------------------------------------------------


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def normalise_answers(definition: dict, answers) -> dict[int, int | str]:
    """Answers keyed by item number, checked against each item's type and scale.

    ``answers`` is a mapping of item number (int or digits) to answer, or a sequence in the
    definition's item order. ``None`` or an empty string is a missing answer. Choice answers are
    whole numbers (or strings of digits) within the item's scale; text answers are strings.
    Every problem is collected and raised together as ``AnswerError``.
    """
    items = _items(definition)
    by_number = {item["number"]: item for item in items}
    problems: list[str] = []
    pairs: list[tuple[object, object]]
    if isinstance(answers, Mapping):
        pairs = list(answers.items())
    elif isinstance(answers, Sequence) and not isinstance(answers, str | bytes):
        if len(answers) > len(items):
            raise AnswerError(
                [
                    gettext("%(given)s answers given, but %(name)s has %(count)s items")
                    % {"given": len(answers), "name": _name(definition), "count": len(items)}
                ]
            )
        pairs = [(item["number"], value) for item, value in zip(items, answers, strict=False)]
    else:
        raise AnswerError(
            [gettext("answers must be a mapping of item number to answer, or a list")]
        )

    clean: dict[int, int | str] = {}
    for raw_key, value in pairs:
        number = raw_key
        if isinstance(raw_key, str) and _WHOLE_NUMBER.match(raw_key):
            number = int(raw_key)
        if isinstance(number, bool) or not isinstance(number, int) or number not in by_number:
            problems.append(
                gettext("%(name)s has no item %(key)s")
                % {"name": _name(definition), "key": repr(raw_key)}
            )
            continue
        if number in clean:
            problems.append(gettext("item %(number)s is answered twice") % {"number": number})
            continue
        if _is_blank(value):
            continue
        item = by_number[number]
        if item["type"] == "text":
            if not isinstance(value, str):
                problems.append(gettext("item %(number)s takes text") % {"number": number})
            elif len(value) > item.get("max_length", 2000):
                problems.append(
                    gettext("item %(number)s is longer than %(max_length)s characters")
                    % {"number": number, "max_length": item["max_length"]}
                )
            else:
                clean[number] = value
            continue
        scale = item_scale(definition, item)
        if isinstance(value, str) and _WHOLE_NUMBER.match(value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(
                gettext(
                    "item %(number)s needs a whole number from %(min)s to %(max)s, not %(value)s"
                )
                % {"number": number, "min": scale["min"], "max": scale["max"], "value": repr(value)}
            )
        elif not scale["min"] <= value <= scale["max"]:
            problems.append(
                gettext("item %(number)s: %(value)s is outside the scale %(min)s to %(max)s")
                % {"number": number, "value": value, "min": scale["min"], "max": scale["max"]}
            )
        else:
            clean[number] = value
    if problems:
        raise AnswerError(problems)
    return clean


def keyed_value(definition: dict, item: dict, answer: int) -> int:
    """The answer as it counts towards the score: reverse-keyed items count min + max - answer."""
    if item.get("reverse"):
        scale = item_scale(definition, item)
        return scale["min"] + scale["max"] - answer
    return answer


def subscale_members(definition: dict, subscale: dict) -> list[tuple[dict, Fraction]]:
    """The items a subscale's score is made of, each with its weight: the items that name the
    subscale (weight 1), or for ``method: weighted`` the items its ``weights`` list."""
    if subscale["method"] == "weighted":
        by_number = {item["number"]: item for item in _items(definition)}
        return [
            (by_number[entry["item"]], _exact(entry["weight"])) for entry in subscale["weights"]
        ]
    return [
        (item, Fraction(1))
        for item in _items(definition)
        if item.get("subscale") == subscale["key"]
    ]


def subscale_range(definition: dict, subscale: dict) -> tuple[Fraction, Fraction]:
    members = subscale_members(definition, subscale)
    if subscale["method"] == "weighted":
        # Each term is lowest at one end of its item's scale: the low end for a positive weight,
        # the high end for a negative one.
        low = high = Fraction(0)
        for item, weight in members:
            scale = item_scale(definition, item)
            ends = (weight * scale["min"], weight * scale["max"])
            low, high = low + min(ends), high + max(ends)
        return low, high
    scale = item_scale(definition, members[0][0])
    if subscale["method"] == "mean":
        return Fraction(scale["min"]), Fraction(scale["max"])
    return Fraction(scale["min"] * len(members)), Fraction(scale["max"] * len(members))
