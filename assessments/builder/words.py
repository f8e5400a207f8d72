"""Problems in the builder's words: a field an owner sees ("Item 3, text") for the loader's path
(``items[2].text``), plain messages for the schema's JSON wording, the page's order."""

from __future__ import annotations

import re

from assessments import loader

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
    "value": "value",
    "message": "message",
    "operator": "when",
    "critical": "safety item",
    "anchors_only": "only some points labelled",
    "weights": "formula",
    "weight": "weight",
    "missing": "missing answers",
    "max_missing_items": "unanswered items allowed",
    "prorate": "prorate",
    "source": "source",
    "classification": "Classification",
    "dimensions": "score key for",
    "midpoint": "split point for",
    "on_split": "on the split point",
    "prototypes": "rating of",
    "on_tie": "equal highest ratings",
    "forced_choice": "forced choice",
    "options": "answers",
    "style": "prototype",
}

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
                "tie_options": "Forced-choice answer",
                "options": "answer",
                "weights": "formula term",
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
    "classification",
    "tie_options",
]


def order(path: str) -> tuple:
    """Where a problem's field sits in the builder, to list problems in the page's order."""
    head = re.split(r"[.\[]", path)[0]
    position = _ORDER.index(head) if head in _ORDER else len(_ORDER)
    return (position, tuple(int(n) for n in re.findall(r"\d+", path)), path)


_PATTERNS = {
    "code": "use lower case letters, digits and single hyphens, starting with a letter "
    "(for example my-check)",
    "key": "use lower case letters, digits and underscores, starting with a letter "
    "(for example strain)",
}


def _message(problem: loader.Problem) -> str:
    """The schema's wording where it speaks of JSON ("'' should be non-empty", a regular
    expression), in the builder's words; the loader's own rules already speak plainly."""
    field_name = problem.path.rsplit(".", 1)[-1]
    if problem.message == "'' should be non-empty":
        return "fill this in"
    if problem.message == "[] should be non-empty":
        return "add at least one"
    if " does not match '^" in problem.message and field_name in _PATTERNS:
        return _PATTERNS[field_name]
    return problem.message


def plain(problems: list[loader.Problem]) -> list[dict]:
    return [{"where": where(problem.path), "message": _message(problem)} for problem in problems]
