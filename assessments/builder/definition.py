"""Rows to a definition (``build``), its YAML (``to_yaml``) checked by the loader's upload entry
point (``check``), and a stored definition back to rows (``rows_from_definition``)."""

from __future__ import annotations

import re

import yaml

from assessments import loader

SOURCE = "builder"


class _Problems:
    def __init__(self):
        self.found: list[loader.Problem] = []

    def add(self, where: str, message: str) -> None:
        self.found.append(loader.Problem(SOURCE, where, message))


def _number(text: str, where: str, problems: _Problems, *, whole: bool = False):
    text = (text or "").strip()
    if not text:
        problems.add(where, "enter a number")
        return None
    try:
        value = float(text)
    except ValueError:
        problems.add(where, f"{text!r} is not a number")
        return None
    if whole or value == int(value):
        if value != int(value):
            problems.add(where, f"{text!r} is not a whole number")
            return None
        return int(value)
    return value


_RANGE = re.compile(r"^\s*(\d+)\s*(?:-|to|\u2013)\s*(\d+)\s*$")


def _item_numbers(text: str, where: str, problems: _Problems) -> list[int]:
    numbers: list[int] = []
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        span = _RANGE.match(part)
        if span:
            numbers.extend(range(int(span[1]), int(span[2]) + 1))
        elif part.isdigit():
            numbers.append(int(part))
        else:
            problems.add(where, f"{part!r} is not an item number or a range such as 1-4")
    if not numbers:
        problems.add(where, "list the items this score adds up, e.g. 1, 2, 4 or 1-4")
    return numbers


def build(instrument: dict, rows: dict[str, list[dict]]) -> tuple[dict, list[loader.Problem]]:
    """The definition the forms describe, as a YAML upload holds it, and the problems found
    while reading the fields (a number that is not one, an item in two scores). The loader's
    own rules run in ``check``."""
    problems = _Problems()
    definition: dict = {
        "format_version": 1,
        "code": instrument.get("code", "").strip(),
        "name": instrument.get("name", "").strip(),
    }
    if instrument.get("short_name", "").strip():
        definition["short_name"] = instrument["short_name"].strip()
    definition["version"] = instrument.get("version", "").strip()
    definition["language"] = instrument.get("language", "").strip()
    definition["citations"] = [{"text": instrument.get("citation", "").strip()}]
    definition["licence"] = {"note": instrument.get("licence_note", "").strip()}
    definition["instructions"] = instrument.get("instructions", "").strip() or None
    labels = []
    for index, row in enumerate(rows.get("labels", [])):
        value = _number(row["value"], f"scale.labels[{index}].value", problems, whole=True)
        if value is not None:
            labels.append({"value": value, "label": row["label"].strip()})
    definition["scale"] = {
        "min": _number(instrument.get("scale_min"), "scale.min", problems, whole=True),
        "max": _number(instrument.get("scale_max"), "scale.max", problems, whole=True),
        "labels": labels,
    }
    items = []
    for index, row in enumerate(rows.get("items", [])):
        item = {"number": index + 1, "text": row["text"].strip()}
        if row.get("optional"):
            item["required"] = False
        if row.get("reverse"):
            item["reverse"] = True
        items.append(item)
    definition["items"] = items
    subscales = []
    for index, row in enumerate(rows.get("subscales", [])):
        key = row["key"].strip()
        subscale = {
            "key": key,
            "label": row["label"].strip(),
            "method": row["method"] or "sum",
            "better": row["better"] or "lower",
        }
        where = f"scoring.subscales[{index}].items"
        for number in _item_numbers(row["items"], where, problems):
            if not 1 <= number <= len(items):
                problems.add(where, f"there is no item {number}")
                continue
            taken = items[number - 1].get("subscale")
            if taken and taken != key:
                problems.add(where, f"item {number} already counts towards {taken!r}")
                continue
            items[number - 1]["subscale"] = key
        bands = [band for band in rows.get("bands", []) if band["subscale"].strip() == key]
        if bands:
            subscale["bands"] = [
                {
                    "min": _number(
                        band["min"], f"scoring.subscales[{index}].bands[{n}].min", problems
                    ),
                    "max": _number(
                        band["max"], f"scoring.subscales[{index}].bands[{n}].max", problems
                    ),
                    "label": band["label"].strip(),
                }
                for n, band in enumerate(bands)
            ]
        if row["bands_source"].strip():
            subscale["bands_source"] = row["bands_source"].strip()
        subscales.append(subscale)
    keys = {subscale["key"] for subscale in subscales}
    for index, band in enumerate(rows.get("bands", [])):
        if band["subscale"].strip() not in keys:
            problems.add(
                f"bands[{index}].subscale",
                f"no score has the key {band['subscale'].strip()!r}; use a key from Scores",
            )
    if subscales:
        definition["scoring"] = {"subscales": subscales}
    alerts = []
    for index, row in enumerate(rows.get("alerts", [])):
        number = _number(row["item"], f"alerts[{index}].item", problems, whole=True)
        alert = {
            "key": f"item-{number if number is not None else 0}-alert-{index + 1}",
            "item": number,
            "operator": ">",
            "value": _number(row["value"], f"alerts[{index}].value", problems),
            "message": row["message"].strip(),
        }
        if row.get("critical"):
            alert["critical"] = True
        alerts.append(alert)
    if alerts:
        definition["alerts"] = alerts
    return definition, problems.found


def to_yaml(definition: dict) -> str:
    """The definition as an upload file: what the YAML download gives and ``check`` reads."""
    return yaml.safe_dump(definition, sort_keys=False, allow_unicode=True, width=100)


def check(definition: dict) -> list[dict]:
    """Validate the built definition as an uploaded file is validated; returns the loaded,
    normalised definitions or raises ``loader.InstrumentFileError``."""
    return loader.load_text(to_yaml(definition), SOURCE, uploaded=True)


# --- A definition back to rows ---------------------------------------------------------------


def _show(number) -> str:
    return "" if number is None else f"{number:g}" if isinstance(number, float) else str(number)


def rows_from_definition(definition: dict) -> tuple[dict, dict[str, list[dict]]]:
    """The builder's rows for a stored definition. Raises ``ValueError`` naming what the
    builder cannot express, when building the rows again would not give the same definition."""
    scale = definition.get("scale") or {}
    instrument = {
        "name": definition["name"],
        "code": definition["code"],
        "short_name": definition.get("short_name", ""),
        "version": str(definition["version"]),
        "language": definition["language"],
        "instructions": definition.get("instructions") or "",
        "citation": definition["citations"][0]["text"],
        "licence_note": definition["licence"]["note"],
        "scale_min": _show(scale.get("min")),
        "scale_max": _show(scale.get("max")),
    }
    items = [
        {
            "text": item["text"],
            "optional": not item.get("required", True),
            "reverse": bool(item.get("reverse")),
        }
        for item in definition["items"]
    ]
    subscales, bands = [], []
    for subscale in definition.get("scoring", {}).get("subscales", []):
        numbers = [i["number"] for i in definition["items"] if i.get("subscale") == subscale["key"]]
        subscales.append(
            {
                "key": subscale["key"],
                "label": subscale["label"],
                "method": subscale["method"],
                "better": subscale["better"],
                "items": ", ".join(map(str, numbers)),
                "bands_source": subscale.get("bands_source", ""),
            }
        )
        bands += [
            {
                "subscale": subscale["key"],
                "min": _show(b["min"]),
                "max": _show(b["max"]),
                "label": b["label"],
            }
            for b in subscale.get("bands") or []
        ]
    alerts = [
        {
            "item": _show(a.get("item")),
            "value": _show(a["value"]),
            "message": a["message"],
            "critical": bool(a.get("critical")),
        }
        for a in definition.get("alerts", [])
    ]
    labels = [
        {"value": _show(label["value"]), "label": label["label"]}
        for label in scale.get("labels", [])
    ]
    rows = {
        "items": items,
        "labels": labels,
        "subscales": subscales,
        "bands": bands,
        "alerts": alerts,
    }
    rebuilt, problems = build(instrument, rows)
    if problems or _comparable(loader.normalise(rebuilt)) != _comparable(definition):
        raise ValueError(
            "This instrument uses parts the builder does not edit (for example free-text "
            "items, an item's own scale, weighted scores, cited numbers or a classification). "
            "Change its file and upload it again instead."
        )
    return instrument, rows


def _comparable(definition: dict) -> dict:
    """A definition without what an alert's generated key and the version label change."""
    copy = {k: v for k, v in definition.items() if k != "alerts"}
    copy["alerts"] = [
        {k: v for k, v in a.items() if k != "key"} for a in definition.get("alerts", [])
    ]
    return copy
