"""An instrument version as a FHIR Questionnaire, and a Questionnaire as an instrument definition.

Export: one item per question, ``linkId`` the question's number (Attune's own linkIds), its
codes (LOINC where the file gives them), ``required``, and for a choice question one answer
option per point of its scale: a Coding (the file's code for the answer, else Attune's
scale-point code) whose display is the label and whose ordinalValue extension is the value the
engine scores. What FHIR has no element for (citations, licence, scoring keys, bands, alerts,
classification, notes) travels in Attune's instrument-definition extension, as JSON, on the
Questionnaire and on each item.

Import reads the same elements back, and a Questionnaire from another system too, as far as the
instrument schema can express it: choice questions whose options carry a whole-number score
(ordinalValue, an integer option or an Attune scale-point code) on a scale without gaps, and
free-text questions. Anything else (groups, conditions, repeats, value sets, other item types)
is a ``QuestionnaireProblem`` naming the item. The result is a definition for the loader,
which then checks it like any uploaded file.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from decimal import Decimal

from assessments.fhir import codes
from assessments.fhir.validation import FhirProblem

# The instrument file fields a Questionnaire's own elements carry; the rest goes in the
# extension.
_ELEMENT_FIELDS = {"code", "name", "language", "instructions", "codings", "items", "version"}
_ITEM_ELEMENT_FIELDS = {"number", "text", "type", "required", "codings", "scale", "max_length"}
_UNSUPPORTED_ITEM_ELEMENTS = (
    "enableWhen",
    "enableBehavior",
    "answerValueSet",
    "initial",
    "item",
    "definition",
)
_CODE_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_INTEGER = re.compile(r"-?[0-9]{1,9}")  # ASCII digits only: int() reads other scripts' too
_LARGEST = 10**9


class QuestionnaireProblem(FhirProblem):
    """A Questionnaire the instrument schema cannot express; ``problems`` names each part."""


def _extension(url: str, blob: dict) -> list[dict]:
    return [{"url": url, "valueString": json.dumps(blob, ensure_ascii=False)}] if blob else []


def _effective_scale(definition: dict, item: dict) -> dict:
    return item.get("scale") or definition["scale"]


def answer_coding(scale: dict, value: int) -> dict:
    """The point ``value`` of ``scale`` as a Coding: the file's code for it (LOINC) or Attune's
    scale-point code, the label as display, the value as its ordinalValue. The same in a
    Questionnaire's answer options and a QuestionnaireResponse's answers."""
    label = next((entry for entry in scale["labels"] if entry["value"] == value), None)
    if label and "coding" in label:
        coding = codes.coding(label["coding"]) | {"display": label["label"]}
    else:
        coding = {
            "system": codes.SCALE_POINTS_SYSTEM,
            "code": str(value),
            "display": label["label"] if label else str(value),
        }
    coding["extension"] = [{"url": codes.ORDINAL_VALUE_EXTENSION, "valueDecimal": value}]
    return coding


def answer_options(scale: dict) -> list[dict]:
    """Every point of ``scale`` as an answer option, lowest first."""
    return [
        {"valueCoding": answer_coding(scale, value)}
        for value in range(scale["min"], scale["max"] + 1)
    ]


def _export_item(definition: dict, item: dict) -> dict:
    exported: dict = {
        "linkId": str(item["number"]),
        "text": item["text"],
        "type": "choice" if item["type"] == "choice" else "text",
        "required": bool(item.get("required", True)),
    }
    if item.get("codings"):
        exported["code"] = [codes.coding(entry) for entry in item["codings"]]
    if item["type"] == "choice":
        exported["answerOption"] = answer_options(_effective_scale(definition, item))
    elif item.get("max_length"):
        exported["maxLength"] = item["max_length"]
    rest = {key: value for key, value in item.items() if key not in _ITEM_ELEMENT_FIELDS}
    if extension := _extension(codes.DEFINITION_EXTENSION, rest):
        exported["extension"] = extension
    return exported


def build_questionnaire(definition: dict, version: int, *, resource_id: str | None = None) -> dict:
    """The Questionnaire of ``definition`` as Attune's version number ``version`` stores it."""
    questionnaire: dict = {
        "resourceType": "Questionnaire",
        "id": resource_id or f"{definition['code']}-{version}",
        "extension": _extension(
            codes.DEFINITION_EXTENSION,
            {key: value for key, value in definition.items() if key not in _ELEMENT_FIELDS}
            | {"version": definition["version"]},
        ),
        "url": codes.questionnaire_url(definition["code"]),
        "identifier": [{"system": codes.INSTRUMENTS_SYSTEM, "value": definition["code"]}],
        "version": str(version),
        "title": definition["name"],
        "status": "active",
        "subjectType": ["Patient"],
        "language": definition["language"],
        "copyright": definition["licence"]["note"],
        "item": [_export_item(definition, item) for item in definition["items"]],
    }
    if definition.get("instructions"):
        questionnaire["description"] = definition["instructions"]
    if definition.get("codings"):
        questionnaire["code"] = [codes.coding(entry) for entry in definition["codings"]]
    return questionnaire


# --- Import -------------------------------------------------------------------------------------


def _blob(element: dict, where: str, problems: list[str]) -> dict:
    for extension in element.get("extension", []):
        if extension.get("url") == codes.DEFINITION_EXTENSION:
            try:
                value = json.loads(extension.get("valueString", ""))
            except ValueError:
                value = None
            if not isinstance(value, dict):
                problems.append(f"{where}: the instrument-definition extension is not JSON")
                return {}
            return value
    return {}


def ordinal(element: dict) -> object:
    """The ordinalValue (or older itemWeight) extension's value on ``element``, if any."""
    for extension in element.get("extension", []):
        if extension.get("url") in (codes.ORDINAL_VALUE_EXTENSION, codes.ITEM_WEIGHT_EXTENSION):
            return extension.get("valueDecimal", extension.get("valueInteger"))
    return None


def whole_number(value) -> int | None:
    """``value`` as an int if it is a whole number (3, 3.0, "3" in a code), else None."""
    if isinstance(value, str):
        return int(value) if _INTEGER.fullmatch(value) else None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if not math.isfinite(value) or abs(value) > _LARGEST:
        return None
    return int(value) if value == int(value) else None


def _option(option: dict, where: str, problems: list[str]) -> tuple[int, dict] | None:
    """An answer option as (value, label entry)."""
    if "valueInteger" in option:
        value = whole_number(option["valueInteger"])
        if value is None:
            problems.append(f"{where}: the score {option['valueInteger']!r} is too large")
            return None
        return value, {"value": value}
    coding = option.get("valueCoding")
    if not coding:
        problems.append(f"{where}: only coded or whole-number answer options can be scored")
        return None
    if coding.get("system") == codes.SCALE_POINTS_SYSTEM:
        value = whole_number(coding.get("code", ""))
    else:
        value = whole_number(ordinal(coding) if ordinal(coding) is not None else ordinal(option))
    if value is None:
        problems.append(
            f"{where}: the option {coding.get('code')!r} has no whole-number score "
            "(an ordinalValue extension)"
        )
        return None
    label: dict = {"value": value}
    if coding.get("display"):
        label["label"] = coding["display"]
    if coding.get("system") not in (None, codes.SCALE_POINTS_SYSTEM) and coding.get("code"):
        label["coding"] = codes.coding(coding)
    return value, label


def _scale(item: dict, where: str, problems: list[str]) -> dict | None:
    options = item.get("answerOption") or []
    if not options:
        problems.append(f"{where}: a choice question needs its answer options")
        return None
    read = [
        _option(option, f"{where}, option {n}", problems) for n, option in enumerate(options, 1)
    ]
    if None in read:
        return None
    values = [value for value, _ in read]
    if len(set(values)) != len(values):
        problems.append(f"{where}: two answer options have the same score")
        return None
    low, high = min(values), max(values)
    if high - low + 1 != len(values):  # the scores are distinct: so none is missing
        problems.append(
            f"{where}: the scores {sorted(values)} leave gaps; Attune's scales run in steps of 1"
        )
        return None
    labels = [
        label
        for _, label in sorted(read, key=lambda pair: pair[0])
        if "coding" in label or label.get("label", str(label["value"])) != str(label["value"])
    ] or [{"value": value, "label": str(value)} for value in sorted(values)]
    for label in labels:
        label.setdefault("label", str(label["value"]))
    return {"min": low, "max": high, "labels": labels}


def _item(item: dict, number: int, problems: list[str]) -> tuple[dict, dict | None]:
    where = f"item {item.get('linkId')!r}"
    kind = item.get("type")
    for element in _UNSUPPORTED_ITEM_ELEMENTS:
        if item.get(element):
            problems.append(f"{where}: {element} cannot be expressed in an Attune instrument")
    if item.get("repeats"):
        problems.append(f"{where}: questions with repeating answers cannot be expressed")
    read: dict = {"number": number, "text": item.get("text") or ""}
    if not read["text"]:
        problems.append(f"{where}: a question needs its text")
    scale = None
    if kind == "choice":
        read["type"] = "choice"
        scale = _scale(item, where, problems)
    elif kind in ("text", "string"):
        read["type"] = "text"
        if item.get("maxLength"):
            read["max_length"] = item["maxLength"]
    else:
        problems.append(
            f"{where}: {kind!r} questions cannot be expressed (only choice and text questions)"
        )
    read["required"] = bool(item.get("required", False))
    if item.get("code"):
        read["codings"] = [codes.coding(entry) for entry in item["code"]]
    read.update(_blob(item, where, problems))
    return read, scale


def _code(resource: dict) -> str | None:
    for identifier in resource.get("identifier", []):
        if identifier.get("system") == codes.INSTRUMENTS_SYSTEM and identifier.get("value"):
            return identifier["value"]
    for candidate in (resource.get("name"), resource.get("id")):
        if candidate:
            code = re.sub(r"[^a-z0-9]+", "-", candidate.lower()).strip("-")[:40].strip("-")
            if _CODE_PATTERN.match(code):
                return code
    return None


def _numbers(items: list[dict]) -> list[int]:
    """Attune's linkIds are the question numbers; any other linkIds number by position."""
    link_ids = [str(item.get("linkId", "")) for item in items]
    if all((whole_number(link) or 0) > 0 for link in link_ids) and len(set(link_ids)) == len(
        link_ids
    ):
        return [int(link) for link in link_ids]
    return list(range(1, len(items) + 1))


def definition_from_questionnaire(resource: dict) -> dict:
    """An instrument definition for the loader from a (validated) Questionnaire resource.
    Raises ``QuestionnaireProblem`` listing everything the schema cannot express."""
    problems: list[str] = []
    blob = _blob(resource, "the Questionnaire", problems)
    definition: dict = {"format_version": 1}
    definition.update(blob)
    code = _code(resource)
    if code is None:
        problems.append(
            "the Questionnaire has no usable code: give it a name of letters and digits "
            f"(or an identifier in {codes.INSTRUMENTS_SYSTEM})"
        )
    name = resource.get("title") or resource.get("name")
    if not name:
        problems.append("the Questionnaire has no title")
    definition.update(code=code, name=name, language=resource.get("language") or "en")
    definition.setdefault("version", resource.get("version") or "1")
    definition["instructions"] = resource.get("description") or None
    if resource.get("code"):
        definition["codings"] = [codes.coding(entry) for entry in resource["code"]]
    if "citations" not in definition:
        citations = [
            {"text": extension["valueString"]}
            for extension in resource.get("extension", [])
            if extension.get("url") == codes.CITATION_EXTENSION and extension.get("valueString")
        ]
        if not citations:
            problems.append(
                "the Questionnaire cites no source: Attune records the published source of "
                f"every instrument (add an extension {codes.CITATION_EXTENSION} with valueString)"
            )
        definition["citations"] = citations
    if "licence" not in definition:
        if not resource.get("copyright"):
            problems.append(
                "the Questionnaire has no copyright: Attune shows each instrument's licence note "
                "to the practice owner before it can be used"
            )
        definition["licence"] = {"note": resource.get("copyright") or ""}
    items = resource.get("item") or []
    if not items:
        problems.append("the Questionnaire has no questions")
    read = [
        _item(item, number, problems) for item, number in zip(items, _numbers(items), strict=True)
    ]
    if problems:
        raise QuestionnaireProblem(problems)
    _place_scales(definition, read)
    return definition


def _place_scales(definition: dict, read: list[tuple[dict, dict | None]]) -> None:
    """The most common scale becomes the instrument's (unless the extension states it); an item
    whose options differ keeps its own."""
    scales = [json.dumps(scale, sort_keys=True) for _, scale in read if scale is not None]
    if scales and "scale" not in definition:
        definition["scale"] = json.loads(Counter(scales).most_common(1)[0][0])
    shared = definition.get("scale")
    shared_points = (
        json.dumps({key: shared[key] for key in ("min", "max", "labels")}, sort_keys=True)
        if shared
        else None
    )
    definition["items"] = []
    for item, scale in read:
        if scale is not None and json.dumps(scale, sort_keys=True) != shared_points:
            item["scale"] = scale
        definition["items"].append(item)
