"""Rows to a definition (``build``), its YAML (``to_yaml``) checked by the loader's upload entry
point (``check``), and a stored definition back to rows (``rows_from_definition``)."""

from __future__ import annotations

import yaml
from django.utils.translation import gettext

from assessments import loader

from . import rules
from .fields import SOURCE, Problems, item_numbers, number, show

__all__ = ["SOURCE", "build", "check", "rows_from_definition", "to_yaml"]


def build(instrument: dict, rows: dict[str, list[dict]]) -> tuple[dict, list[loader.Problem]]:
    """The definition the forms describe, as a YAML upload holds it, and the problems found
    while reading the fields (a number that is not one, an item in two scores). The loader's
    own rules run in ``check``."""
    problems = Problems()
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
        if not row["label"].strip():
            continue  # a point left unlabelled: the loader names the points a scale needs
        value = number(row["value"], f"scale.labels[{index}].value", problems, whole=True)
        if value is not None:
            labels.append({"value": value, "label": row["label"].strip()})
    definition["scale"] = {
        "min": number(instrument.get("scale_min"), "scale.min", problems, whole=True),
        "max": number(instrument.get("scale_max"), "scale.max", problems, whole=True),
        "labels": labels,
    }
    if instrument.get("scale_anchors_only"):
        definition["scale"]["anchors_only"] = True
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
        where = f"scoring.subscales[{index}]"
        if subscale["method"] == "weighted":
            subscale["weights"] = rules.weights(
                row.get("weights", ""), f"{where}.weights", problems
            )
            if row.get("items", "").strip():
                problems.add(
                    f"{where}.items", gettext("a weighted score takes its items from the formula")
                )
        else:
            _count_towards(key, row.get("items", ""), items, f"{where}.items", problems)
            if row.get("weights", "").strip():
                problems.add(
                    f"{where}.weights", gettext("a formula is read only for a weighted score")
                )
        rule = rules.missing(row, f"scoring.subscales[{index}].missing", problems)
        if rule:
            subscale["missing"] = rule
        bands = [band for band in rows.get("bands", []) if band["subscale"].strip() == key]
        if bands:
            subscale["bands"] = [
                {
                    "min": number(
                        band["min"], f"scoring.subscales[{index}].bands[{n}].min", problems
                    ),
                    "max": number(
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
                rules.no_such_key(band["subscale"].strip()),
            )
    if subscales:
        definition["scoring"] = {"subscales": subscales}
    alerts = [rules.alert(row, index, problems) for index, row in enumerate(rows.get("alerts", []))]
    if alerts:
        definition["alerts"] = alerts
    for row in rows.get("classification", [])[:1]:
        definition["classification"] = rules.classification(
            row, rows.get("tie_options", []), items, keys, problems
        )
    return definition, problems.found


def _count_towards(key: str, text: str, items: list[dict], where: str, problems: Problems):
    """Mark the items ``text`` lists as counting towards the score ``key``."""
    for number_ in item_numbers(text, where, problems):
        if not 1 <= number_ <= len(items):
            problems.add(where, gettext("there is no item %(number)s") % {"number": number_})
            continue
        taken = items[number_ - 1].get("subscale")
        if taken and taken != key:
            problems.add(
                where,
                gettext("item %(number)s already counts towards %(key)s")
                % {"number": number_, "key": repr(taken)},
            )
            continue
        items[number_ - 1]["subscale"] = key


def to_yaml(definition: dict) -> str:
    """The definition as an upload file: what the YAML download gives and ``check`` reads."""
    return yaml.safe_dump(definition, sort_keys=False, allow_unicode=True, width=100)


def check(definition: dict) -> list[dict]:
    """Validate the built definition as an uploaded file is validated; returns the loaded,
    normalised definitions or raises ``loader.InstrumentFileError``."""
    return loader.load_text(to_yaml(definition), SOURCE, uploaded=True)


# --- A definition back to rows ---------------------------------------------------------------


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
        "scale_min": show(scale.get("min")),
        "scale_max": show(scale.get("max")),
        "scale_anchors_only": bool(scale.get("anchors_only")),
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
                "weights": rules.formula(subscale.get("weights", [])),
                **rules.missing_fields(subscale.get("missing")),
                "bands_source": subscale.get("bands_source", ""),
            }
        )
        bands += [
            {
                "subscale": subscale["key"],
                "min": show(b["min"]),
                "max": show(b["max"]),
                "label": b["label"],
            }
            for b in subscale.get("bands") or []
        ]
    alerts = [rules.alert_fields(a) for a in definition.get("alerts", [])]
    classification, tie_options = rules.classification_rows(definition)
    labels = [
        {"value": show(label["value"]), "label": label["label"]}
        for label in scale.get("labels", [])
    ]
    rows = {
        "items": items,
        "labels": labels,
        "subscales": subscales,
        "bands": bands,
        "alerts": alerts,
        "classification": classification,
        "tie_options": tie_options,
    }
    rebuilt, problems = build(instrument, rows)
    if problems or _comparable(loader.normalise(rebuilt)) != _comparable(definition):
        raise ValueError(
            gettext(
                "This instrument uses parts the builder does not edit (for example free-text "
                "items, an item's own scale other than a forced choice's, cited numbers, a "
                "total, domains or codes). Change its file and upload it again instead."
            )
        )
    return instrument, rows


def _comparable(definition: dict) -> dict:
    """A definition without what an alert's generated key and the version label change."""
    copy = {k: v for k, v in definition.items() if k != "alerts"}
    copy["alerts"] = [
        {k: v for k, v in a.items() if k != "key"} for a in definition.get("alerts", [])
    ]
    return copy
