"""The parts of a definition beyond items and plain scores, in the builder's fields and back:
a weighted score's formula (``(1 + 2) - (3 + 4)``), a missing-answer rule, an alert with any
operator on an item or a score, and a classification (quadrant, or prototype ratings with a
forced-choice tie-break whose item gets its own answer scale)."""

from __future__ import annotations

import re
from fractions import Fraction

from django.utils.translation import gettext

from .fields import Problems, number, show

# --- A weighted score's formula ----------------------------------------------------------------

_MINUS = "-\u2212\u2013"  # hyphen, minus sign, en dash: what people type for "minus"
_TIMES = "*\u00d7x"
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([" + re.escape("+()" + _MINUS + _TIMES) + "]))")


class _Formula:
    """A sum of item numbers, each with an optional weight before it (``0.5 * 3``, or with a multiplication sign), signs and
    parentheses: ``(1 + 2) - (3 + 4)`` is items 1 and 2 with weight 1, 3 and 4 with -1."""

    def __init__(self, text: str):
        self.tokens: list[str] = []
        position = 0
        text = text.strip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if not match or match.end() == position:
                raise ValueError(
                    gettext("%(text)s is not part of a formula")
                    % {"text": repr(text[position:].strip()[:10])}
                )
            self.tokens.append(match[1] or match[2])
            position = match.end()
        self.at = 0

    def _peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _take(self) -> str | None:
        token = self._peek()
        self.at += 1
        return token

    def parse(self) -> dict[int, Fraction]:
        if not self.tokens:
            raise ValueError(gettext("write the formula, e.g. (1 + 2) - (3 + 4)"))
        weights = self._sum()
        if self._peek() is not None:
            raise ValueError(_out_of_place(self._peek()))
        return weights

    def _sum(self) -> dict[int, Fraction]:
        weights: dict[int, Fraction] = {}
        sign = Fraction(1)
        if self._peek() is not None and self._peek() in "+" + _MINUS:
            sign = Fraction(-1 if self._take() in _MINUS else 1)
        while True:
            for item, weight in self._term().items():
                weights[item] = weights.get(item, Fraction(0)) + sign * weight
            token = self._peek()
            if token is None or token not in "+" + _MINUS:
                return weights
            self._take()
            sign = Fraction(-1 if token in _MINUS else 1)

    def _term(self) -> dict[int, Fraction]:
        token = self._take()
        if token == "(":
            inner = self._sum()
            if self._take() != ")":
                raise ValueError(gettext("a bracket is not closed"))
            return inner
        if token is None or not token[0].isdigit():
            raise ValueError(
                gettext("an item number is missing") if token is None else _out_of_place(token)
            )
        if self._peek() is not None and self._peek() in _TIMES:
            self._take()
            weight = Fraction(token)
            if self._peek() == "(":
                return {item: weight * w for item, w in self._term().items()}
            token = self._take()
            if token is None or not token.isdigit():
                raise ValueError(gettext("an item number must follow *"))
            return {int(token): weight}
        if not token.isdigit():
            raise ValueError(
                gettext("%(token)s is not an item number; put a weight before its item with *")
                % {"token": token}
            )
        return {int(token): Fraction(1)}


def _out_of_place(token: str) -> str:
    return gettext("%(token)s is out of place") % {"token": repr(token)}


def _plain(weight: Fraction) -> int | float:
    return int(weight) if weight.denominator == 1 else float(weight)


def weights(text: str, where: str, problems: Problems) -> list[dict]:
    """The schema's ``weights`` for a formula, in the order its items first appear."""
    try:
        parsed = _Formula(text or "").parse()
    except ValueError as error:
        problems.add(where, str(error))
        return []
    return [{"item": item, "weight": _plain(weight)} for item, weight in parsed.items()]


def formula(entries: list[dict]) -> str:
    """A formula the builder reads back into the same ``weights`` (same order):
    ``(1 + 2) - (3 + 4)`` when the items weigh 1 then -1, else term by term."""
    if not entries:
        return ""
    if all(abs(e["weight"]) == 1 for e in entries):
        signs = [e["weight"] > 0 for e in entries]
        if signs == sorted(signs, reverse=True) and signs[0]:
            plus = [str(e["item"]) for e in entries if e["weight"] > 0]
            minus = [str(e["item"]) for e in entries if e["weight"] < 0]
            group = lambda numbers: (  # noqa: E731
                numbers[0] if len(numbers) == 1 else f"({' + '.join(numbers)})"
            )
            return group(plus) + (f" - {group(minus)}" if minus else "")
    text = ""
    for entry in entries:
        weight = entry["weight"]
        term = str(entry["item"]) if abs(weight) == 1 else f"{show(abs(weight))} * {entry['item']}"
        text += (
            (f" - {term}" if text else f"-{term}")
            if weight < 0
            else (f" + {term}" if text else term)
        )
    return text


# --- Missing answers ---------------------------------------------------------------------------


def missing(row: dict, where: str, problems: Problems) -> dict | None:
    """The subscale's ``missing`` rule, or None when the row allows no missing answers."""
    allowed = (row.get("max_missing") or "").strip()
    source = (row.get("missing_source") or "").strip()
    if not (allowed not in ("", "0") or row.get("prorate") or source):
        return None
    rule = {
        "max_missing_items": number(
            allowed or "0", f"{where}.max_missing_items", problems, whole=True
        ),
        "prorate": bool(row.get("prorate")),
    }
    if source:
        rule["source"] = source
    return rule


def missing_fields(rule: dict | None) -> dict:
    rule = rule or {"max_missing_items": 0, "prorate": False}
    return {
        "max_missing": show(rule["max_missing_items"]) if rule["max_missing_items"] else "",
        "prorate": rule["prorate"],
        "missing_source": rule.get("source", ""),
    }


# --- Alerts ------------------------------------------------------------------------------------


def alert(row: dict, index: int, problems: Problems) -> dict:
    """One alert: on an item's answer or on a score, with its operator."""
    where = f"alerts[{index}]"
    subscale = (row.get("subscale") or "").strip()
    item_text = (row.get("item") or "").strip()
    rule: dict = {}
    if subscale and item_text:
        problems.add(f"{where}.item", gettext("give an item number or a score key, not both"))
    if subscale:
        rule["key"] = f"{subscale.replace('_', '-')}-alert-{index + 1}"
        rule["subscale"] = subscale
    else:
        item = number(item_text, f"{where}.item", problems, whole=True)
        rule["key"] = f"item-{item if item is not None else 0}-alert-{index + 1}"
        rule["item"] = item
    rule["operator"] = row.get("operator") or ">"
    rule["value"] = number(row["value"], f"{where}.value", problems)
    rule["message"] = row["message"].strip()
    if row.get("critical"):
        rule["critical"] = True
    return rule


def alert_fields(rule: dict) -> dict:
    return {
        "item": show(rule.get("item")),
        "subscale": rule.get("subscale", ""),
        "operator": rule["operator"],
        "value": show(rule["value"]),
        "message": rule["message"],
        "critical": bool(rule.get("critical")),
    }


# --- Classification ----------------------------------------------------------------------------

PROTOTYPE_FIELDS = {
    "secure": "secure",
    "anxious-preoccupied": "anxious_preoccupied",
    "dismissive-avoidant": "dismissive_avoidant",
    "fearful-avoidant": "fearful_avoidant",
}


def no_such_key(key: str) -> str:
    return gettext("no score has the key %(key)s; use a key from Scores") % {"key": repr(key)}


def _key(row: dict, name: str, where: str, keys: set[str], problems: Problems) -> str:
    key = (row.get(name) or "").strip()
    if key not in keys:
        problems.add(
            where,
            no_such_key(key) if key else gettext("enter a score key"),
        )
    return key


def classification(
    row: dict, tie_rows: list[dict], items: list[dict], keys: set[str], problems: Problems
) -> dict:
    """The definition's ``classification`` from the builder's row; a forced-choice item gets
    the answer scale its tie-break answers describe (set on ``items``)."""
    where = "classification"
    source = (row.get("source") or "").strip()
    if row["method"] == "quadrant":
        return {
            "method": "quadrant",
            "dimensions": {
                name: _key(row, name, f"{where}.dimensions.{name}", keys, problems)
                for name in ("anxiety", "avoidance")
            },
            "default_rule": "midpoint",
            "midpoint": {
                "anxiety": number(row["anxiety_split"], f"{where}.midpoint.anxiety", problems),
                "avoidance": number(
                    row["avoidance_split"], f"{where}.midpoint.avoidance", problems
                ),
                "source": (row.get("split_source") or "").strip(),
            },
            "on_split": row.get("on_split") or "unclassified",
            "source": source,
        }
    rule: dict = {
        "method": "prototype",
        "prototypes": {
            style: _key(row, name, f"{where}.prototypes.{style}", keys, problems)
            for style, name in PROTOTYPE_FIELDS.items()
        },
        "on_tie": row.get("on_tie") or "unclassified",
    }
    if rule["on_tie"] != "forced_choice" and (tie_rows or (row.get("tie_item") or "").strip()):
        problems.add(
            f"{where}.on_tie",
            gettext(
                "the forced-choice item and its answers are read only when equal highest "
                "ratings are decided by a forced-choice item"
            ),
        )
    if rule["on_tie"] == "forced_choice":
        item = number(row.get("tie_item"), f"{where}.forced_choice.item", problems, whole=True)
        options, labels = [], []
        for n, option in enumerate(tie_rows):
            value = number(option["value"], f"tie_options[{n}].value", problems, whole=True)
            if value is not None:
                options.append({"value": value, "style": option.get("style") or "secure"})
                labels.append({"value": value, "label": option["label"].strip()})
        if not options:
            problems.add(
                f"{where}.forced_choice.options",
                gettext("list the item's answers and the prototype each names"),
            )
        rule["forced_choice"] = {"item": item, "options": options}
        if item is not None and 1 <= item <= len(items) and options:
            values = [option["value"] for option in options]
            items[item - 1]["scale"] = {"min": min(values), "max": max(values), "labels": labels}
    rule["source"] = source
    return rule


def classification_rows(definition: dict) -> tuple[list[dict], list[dict]]:
    """The builder's classification row and tie-break answers for a stored definition."""
    rule = definition.get("classification")
    if not rule:
        return [], []
    row = {"method": rule["method"], "source": rule["source"]}
    if rule["method"] == "quadrant":
        row.update(
            anxiety=rule["dimensions"]["anxiety"],
            avoidance=rule["dimensions"]["avoidance"],
            anxiety_split=show(rule["midpoint"]["anxiety"]),
            avoidance_split=show(rule["midpoint"]["avoidance"]),
            split_source=rule["midpoint"]["source"],
            on_split=rule["on_split"],
        )
        return [row], []
    row.update({name: rule["prototypes"][style] for style, name in PROTOTYPE_FIELDS.items()})
    row["on_tie"] = rule["on_tie"]
    forced = rule.get("forced_choice")
    if not forced:
        return [row], []
    row["tie_item"] = show(forced["item"])
    item = next(i for i in definition["items"] if i["number"] == forced["item"])
    labels = {
        label["value"]: label["label"] for label in (item.get("scale") or {}).get("labels", [])
    }
    tie_rows = [
        {"value": show(o["value"]), "label": labels.get(o["value"], ""), "style": o["style"]}
        for o in forced["options"]
    ]
    return [row], tie_rows
