"""The instrument builder's forms and their conversion to and from a definition.

An owner fills in plain forms (the instrument, its answer scale, items, scores with their
bands, and alerts on single items); ``build`` turns them into the very definition a YAML upload
holds, and ``check`` validates its YAML text with the loader's upload entry point
(``loader.load_text(..., uploaded=True)``), so the builder, the upload and the shipped library
share one schema and one set of rules. Every problem comes back with a plain field reference
("Item 3, text") instead of a path. ``rows_from_definition`` starts an edit from a stored
definition; a definition the builder cannot express in full (free-text items, weighted scores,
classification, domains, cited numbers, ...) is refused with the reason rather than silently
trimmed.

Every field is text, parsed here, so one list holds every problem at once: a number that is not
a number and a band that misses the range read alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml
from django import forms

from assessments import loader

SOURCE = "builder"
BLANK_ROWS = 2
# The loader's paths, in the words of the builder's fields.
FIELD_WORDS = {
    "code": "Code",
    "name": "Name",
    "version": "Version label",
    "language": "Language",
    "citations": "Citation",
    "licence": "Licence note",
    "note": "Licence note",
    "instructions": "Instructions",
    "scale": "Answer scale",
    "min": "lowest",
    "max": "highest",
    "labels": "labels",
    "items": "items",
    "text": "text",
    "subscale": "score",
    "reverse": "reverse-keyed",
    "required": "optional",
    "key": "key",
    "label": "label",
    "method": "sum or mean",
    "better": "better when",
    "bands": "bands",
    "bands_source": "source of the bands",
    "item": "item",
    "value": "above",
    "message": "message",
}


class InstrumentForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    code = forms.CharField(
        max_length=40,
        required=False,
        help_text="Lower case letters, digits and hyphens, for example my-check. "
        "Used in addresses; it cannot change later.",
    )
    short_name = forms.CharField(max_length=60, required=False, label="Short name (optional)")
    version = forms.CharField(
        max_length=40,
        required=False,
        initial="1",
        label="Version label",
        help_text="Your label for this edition; every saved change is numbered anyway.",
    )
    language = forms.CharField(max_length=20, required=False, initial="en")
    instructions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Instructions (optional)",
        help_text="What clients read before the first item.",
    )
    citation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Where the instrument is published: authors, year, title.",
    )
    licence_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Why your practice may use it. An owner acknowledges this before anyone can "
        "assign the instrument.",
    )
    scale_min = forms.CharField(max_length=10, required=False, label="Lowest answer", initial="0")
    scale_max = forms.CharField(max_length=10, required=False, label="Highest answer", initial="3")


class ItemForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    optional = forms.BooleanField(required=False, label="Optional")
    reverse = forms.BooleanField(required=False, label="Reverse-keyed")


class ScaleLabelForm(forms.Form):
    value = forms.CharField(max_length=10, required=False, label="Answer")
    label = forms.CharField(max_length=200, required=False)


class SubscaleForm(forms.Form):
    key = forms.CharField(
        max_length=40, required=False, help_text="Lower case and underscores, e.g. strain."
    )
    label = forms.CharField(max_length=200, required=False, label="Name")
    method = forms.ChoiceField(
        choices=[("sum", "Sum"), ("mean", "Mean")], initial="sum", label="Sum or mean"
    )
    better = forms.ChoiceField(
        choices=[("lower", "Lower is better"), ("higher", "Higher is better")],
        initial="lower",
        label="Better when",
    )
    items = forms.CharField(
        max_length=400, required=False, label="Items", help_text="Numbers, e.g. 1, 2, 4 or 1-4."
    )
    bands_source = forms.CharField(
        max_length=400, required=False, label="Source of the bands (if it has bands)"
    )


class BandForm(forms.Form):
    subscale = forms.CharField(max_length=40, required=False, label="Score key")
    min = forms.CharField(max_length=10, required=False, label="From")
    max = forms.CharField(max_length=10, required=False, label="To")
    label = forms.CharField(max_length=200, required=False)


class AlertForm(forms.Form):
    item = forms.CharField(max_length=10, required=False, label="Item number")
    value = forms.CharField(max_length=10, required=False, label="Alert when the answer is above")
    message = forms.CharField(max_length=400, required=False, label="Message to the clinician")
    critical = forms.BooleanField(
        required=False, label="Safety item: show the client the crisis contacts"
    )


FORMSETS = {
    "items": ItemForm,
    "labels": ScaleLabelForm,
    "subscales": SubscaleForm,
    "bands": BandForm,
    "alerts": AlertForm,
}


@dataclass
class Builder:
    """The builder's forms, bound to a POST or filled from rows."""

    form: forms.Form
    formsets: dict[str, forms.BaseFormSet] = field(default_factory=dict)

    def rows(self) -> tuple[dict, dict[str, list[dict]]]:
        """The filled-in values: the instrument's fields and each formset's non-blank rows."""
        self.form.is_valid()
        rows = {}
        for name, formset in self.formsets.items():
            formset.is_valid()
            rows[name] = [
                dict(f.cleaned_data)
                for f in formset.forms
                if getattr(f, "cleaned_data", None) and _filled(f.cleaned_data)
            ]
        return dict(self.form.cleaned_data), rows


def _filled(row: dict) -> bool:
    return any(
        value not in ("", None, False) and key not in ("method", "better")
        for key, value in row.items()
    )


def _formset(name: str, **kwargs) -> forms.BaseFormSet:
    return forms.formset_factory(FORMSETS[name], extra=BLANK_ROWS)(prefix=name, **kwargs)


def bound(data) -> Builder:
    return Builder(InstrumentForm(data), {name: _formset(name, data=data) for name in FORMSETS})


def filled(instrument: dict, rows: dict[str, list[dict]]) -> Builder:
    """Unbound forms showing ``rows``, each formset with blank rows to add more."""
    return Builder(
        InstrumentForm(initial=instrument),
        {name: _formset(name, initial=rows.get(name, [])) for name in FORMSETS},
    )


def empty() -> Builder:
    """A new instrument: a 0 to 3 scale with a row for each point's label."""
    labels = [{"value": str(value), "label": ""} for value in range(4)]
    return filled({}, {"labels": labels})


# --- Rows to a definition --------------------------------------------------------------------


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


# --- Problems in the builder's words ---------------------------------------------------------

_INDEXED = re.compile(r"^(\w+)\[(\d+)\]\.?(.*)$")


def _words(name: str) -> str:
    return FIELD_WORDS.get(name, name.replace("_", " "))


def where(path: str) -> str:
    """``items[2].text`` -> ``Item 3, text``; ``scoring.subscales[0].bands[1].min`` ->
    ``Score 1, band 1, from``: the field an owner sees, never the file's path."""
    if not path:
        return "The instrument"
    path = path.removeprefix("scoring.")
    parts = []
    while path:
        match = _INDEXED.match(path)
        if match:
            name, index, path = match[1], int(match[2]), match[3]
            noun = {
                "items": "Item",
                "subscales": "Score",
                "bands": "band",
                "alerts": "Alert",
                "labels": "label",
                "citations": "Citation",
            }.get(name, _words(name))
            parts.append(f"{noun} {index + 1}" if name != "labels" else f"label {index + 1}")
            continue
        head, _, path = path.partition(".")
        parts.append(_words(head))
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


_ORDER = [
    "name",
    "code",
    "short_name",
    "version",
    "language",
    "instructions",
    "citations",
    "licence",
    "scale",
    "items",
    "scoring",
    "bands",
    "alerts",
]


def order(path: str) -> tuple:
    """Where a problem's field sits in the builder, to list problems in the page's order."""
    head = re.split(r"[.\[]", path)[0]
    position = _ORDER.index(head) if head in _ORDER else len(_ORDER)
    return (position, tuple(int(n) for n in re.findall(r"\d+", path)), path)


def plain(problems: list[loader.Problem]) -> list[dict]:
    return [{"where": where(problem.path), "message": problem.message} for problem in problems]


def chosen_answers(data, definition: dict) -> dict[int, int]:
    """The test answers chosen in the preview (``answer-<number>``), as the engine takes them."""
    answers = {}
    for item in definition.get("items", []):
        value = (data.get(f"answer-{item['number']}") or "").strip()
        if value.lstrip("-").isdigit():
            answers[item["number"]] = int(value)
    return answers


def preview_rows(definition: dict, answers: dict[int, int]) -> list[dict]:
    """The client's form for ``definition`` (a loaded one): each item with its answer options,
    the test answer chosen checked."""
    rows = []
    for item in definition["items"]:
        scale = item.get("scale") or definition["scale"]
        labels = {label["value"]: label["label"] for label in scale["labels"]}
        rows.append(
            {
                "number": item["number"],
                "text": item["text"],
                "required": item["required"],
                "options": [
                    {
                        "value": value,
                        "label": labels.get(value, ""),
                        "id": f"answer-{item['number']}-{value}",
                        "checked": answers.get(item["number"]) == value,
                    }
                    for value in range(scale["min"], scale["max"] + 1)
                ],
            }
        )
    return rows
