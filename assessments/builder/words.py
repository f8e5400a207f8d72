"""Problems in the builder's words: a field an owner sees ("Item 3, text") for the loader's path
(``items[2].text``), plain messages for the schema's JSON wording, the page's order."""

from __future__ import annotations

import re

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments import loader

# The loader's paths, in the words of the builder's fields.
FIELD_WORDS = {
    "code": _("Code"),
    "name": _("Name"),
    "version": _("Version label"),
    "language": _("Language"),
    "citations": _("Citation"),
    "licence": _("Licence note"),
    "note": _("Licence note"),
    "instructions": _("Instructions"),
    "scale": _("Answer scale"),
    "min": _("lowest"),
    "max": _("highest"),
    "labels": _("labels"),
    "items": _("items"),
    "text": _("text"),
    "subscale": _("score"),
    "reverse": _("reverse-keyed"),
    "required": _("optional"),
    "key": _("key"),
    "label": _("label"),
    "method": _("sum or mean"),
    "better": _("better when"),
    "bands": _("bands"),
    "bands_source": _("source of the bands"),
    "item": _("item"),
    "value": _("value"),
    "message": _("message"),
    "operator": _("when"),
    "critical": _("safety item"),
    "anchors_only": _("only some points labelled"),
    "weights": _("formula"),
    "weight": _("weight"),
    "missing": _("missing answers"),
    "max_missing_items": _("unanswered items allowed"),
    "prorate": _("prorate"),
    "source": _("source"),
    "classification": _("Classification"),
    "dimensions": _("score key for"),
    "midpoint": _("split point for"),
    "on_split": _("on the split point"),
    "prototypes": _("rating of"),
    "on_tie": _("equal highest ratings"),
    "forced_choice": _("forced choice"),
    "options": _("answers"),
    "style": _("prototype"),
}

# A numbered entry of a list, named before its number ("Item 3", "band 1").
NOUNS = {
    "items": _("Item"),
    "subscales": _("Score"),
    "bands": _("band"),
    "alerts": _("Alert"),
    "labels": _("label"),
    "citations": _("Citation"),
    "tie_options": _("Forced-choice answer"),
    "options": _("answer"),
    "weights": _("formula term"),
}

_INDEXED = re.compile(r"^(\w+)\[(\d+)\]\.?(.*)$")


def _words(name: str) -> str:
    return str(FIELD_WORDS.get(name, name.replace("_", " ")))


def where(path: str) -> str:
    """``items[2].text`` -> ``Item 3, text``; ``scoring.subscales[0].bands[1].min`` ->
    ``Score 1, band 1, from``: the field an owner sees, never the file's path."""
    if not path:
        return gettext("The instrument")
    path = path.removeprefix("scoring.")
    parts = []
    while path:
        match = _INDEXED.match(path)
        if match:
            name, index, path = match[1], int(match[2]), match[3]
            noun = NOUNS[name] if name in NOUNS else _words(name)
            parts.append(f"{noun} {index + 1}")
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
    "code": _(
        "use lower case letters, digits and single hyphens, starting with a letter "
        "(for example my-check)"
    ),
    "key": _(
        "use lower case letters, digits and underscores, starting with a letter "
        "(for example strain)"
    ),
}


def _message(problem: loader.Problem) -> str:
    """The schema's wording where it speaks of the file (an empty value, a regular expression),
    in the builder's words, found by the rule it broke; the loader's own rules already speak
    plainly."""
    field_name = problem.path.rsplit(".", 1)[-1]
    if problem.rule == "minLength":
        return gettext("fill this in")
    if problem.rule == "minItems" and problem.message == gettext("must not be an empty list"):
        return gettext("add at least one")
    if problem.rule == "pattern" and field_name in _PATTERNS:
        return str(_PATTERNS[field_name])
    return problem.message


def plain(problems: list[loader.Problem]) -> list[dict]:
    return [{"where": where(problem.path), "message": _message(problem)} for problem in problems]
