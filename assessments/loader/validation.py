"""The schema check: one JSON Schema (``schema/instrument.schema.json``) for the shape of every
file, its errors turned into readable problems with the line of the field they are about.
Every kind of error the schema can raise is said in our own sentence, marked for translation
(jsonschema's messages are English and speak of its machinery), with a general one for a kind
not worded yet; each problem keeps the schema keyword it broke (``Problem.rule``).

An unknown field gets a "did you mean" only for a close match (``SUGGEST_CUTOFF``) that the
mapping does not have already: ``questions`` is not a misspelt ``version``."""

from __future__ import annotations

import difflib
import json
from functools import cache

import jsonschema

from assessments.scoring.words import gettext, gettext_noop, ngettext

from .reading import SCHEMA_PATH, Path_, Problem, format_path, line_for

# difflib's similarity ratio a known field needs before it is offered for an unknown one: a
# slip of a letter or two ('subscle', 'reversed') is above it, another word ('questions' for
# 'version', 0.62) is not.
SUGGEST_CUTOFF = 0.8


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def _schema_at(path_schema: dict) -> dict:
    """Follow a local ``$ref`` so allowed property names can be suggested."""
    ref = path_schema.get("$ref")
    if ref and ref.startswith("#/$defs/"):
        return schema()["$defs"][ref.removeprefix("#/$defs/")]
    return path_schema


def _alternative_named(error: jsonschema.ValidationError) -> list:
    """The errors of the alternative a mapping names by its ``method`` (a prototype
    classification is not a quadrant one with unknown fields), if it names one."""
    if not isinstance(error.instance, dict) or "method" not in error.instance:
        return []
    for index, option in enumerate(error.validator_value):
        method = _schema_at(option).get("properties", {}).get("method", {})
        if method.get("const") == error.instance["method"]:
            return [e for e in error.context if e.schema_path and e.schema_path[0] == index]
    return []


# The schema's JSON types in the words of someone writing a file.
TYPE_WORDS = {
    "string": gettext_noop("text"),
    "integer": gettext_noop("a whole number"),
    "number": gettext_noop("a number"),
    "boolean": gettext_noop("true or false"),
    "array": gettext_noop("a list"),
    "object": gettext_noop("a mapping of fields"),
    "null": gettext_noop("empty (null)"),
}
SHOWN_CHARS = 60  # a value quoted in a message: longer ones are cut


def _shown(value: object) -> str:
    """``value`` as the file would show it (Python's repr), cut to ``SHOWN_CHARS``."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _types(expected) -> str:
    names = expected if isinstance(expected, list) else [expected]
    return gettext(" or ").join(gettext(TYPE_WORDS.get(name, name)) for name in names)


def _described(error: jsonschema.ValidationError) -> str:
    """Our sentence for one schema error about a single value (jsonschema's own messages are
    English and name the schema's machinery); a kind we do not know gets a general sentence
    that still names the value and the rule."""
    kind, limit, value = error.validator, error.validator_value, error.instance
    words = {"value": _shown(value), "limit": _shown(limit)}
    if kind == "type":
        return gettext("%(value)s is not %(type)s") % {**words, "type": _types(limit)}
    if kind == "enum":
        return gettext("%(value)s is not one of %(choices)s") % {**words, "choices": repr(limit)}
    if kind == "const":
        return gettext("must be %(limit)s, not %(value)s") % words
    if kind == "minLength" and limit == 1:
        return gettext("must not be empty")
    if kind == "minLength":
        return ngettext(
            "must be at least %(n)s character long",
            "must be at least %(n)s characters long",
            limit,
        ) % {"n": limit}
    if kind == "maxLength":
        return ngettext(
            "must be at most %(n)s character long (this is %(length)s)",
            "must be at most %(n)s characters long (this is %(length)s)",
            limit,
        ) % {"n": limit, "length": len(value)}
    if kind == "minItems" and limit == 1:
        return gettext("must not be an empty list")
    if kind == "minItems":
        return ngettext(
            "must list at least %(n)s entry", "must list at least %(n)s entries", limit
        ) % {"n": limit}
    if kind == "maxItems":
        return ngettext(
            "must list at most %(n)s entry", "must list at most %(n)s entries", limit
        ) % {"n": limit}
    if kind == "minimum":
        return gettext("must be %(limit)s or more, not %(value)s") % words
    if kind == "maximum":
        return gettext("must be %(limit)s or less, not %(value)s") % words
    if kind == "exclusiveMinimum":
        return gettext("must be more than %(limit)s, not %(value)s") % words
    if kind == "exclusiveMaximum":
        return gettext("must be less than %(limit)s, not %(value)s") % words
    if kind == "pattern":
        return gettext("%(value)s is not in the form this field takes (%(pattern)s)") % {
            **words,
            "pattern": limit,
        }
    if kind == "uniqueItems":
        return gettext("lists the same entry more than once")
    if kind in ("oneOf", "anyOf"):
        return gettext("%(value)s fits more than one of the forms this field can take") % words
    return gettext("%(value)s does not fit the file format here (rule: %(rule)s)") % {
        **words,
        "rule": kind,
    }


def _describe(error: jsonschema.ValidationError) -> list[tuple[Path_, str, str]]:
    """Readable messages for one schema error, each with the path it is about and the schema
    keyword it broke."""
    path: Path_ = tuple(error.absolute_path)
    if error.validator in ("oneOf", "anyOf") and error.context:
        # A value that fits none of the alternatives: report the alternative it came closest to.
        if (
            isinstance(error.instance, dict)
            and error.validator_value
            and all(set(option) == {"required"} for option in error.validator_value)
        ):
            names = gettext(" or ").join(
                repr(option["required"][0]) for option in error.validator_value
            )
            message = gettext("give exactly one of %(names)s") % {"names": names}
            return [(path, message, error.validator)]
        chosen = _alternative_named(error)
        if chosen:
            return [found for suberror in chosen for found in _describe(suberror)]
        best = jsonschema.exceptions.best_match(error.context)
        return _describe(best)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(_schema_at(error.schema).get("properties", {}))
        absent = [name for name in allowed if name not in error.instance]
        found = []
        for key in error.instance:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), absent, n=1, cutoff=SUGGEST_CUTOFF)
                message = gettext("unknown field %(key)s") % {"key": repr(key)}
                if hint:
                    message = gettext("unknown field %(key)s; did you mean %(hint)s?") % {
                        "key": repr(key),
                        "hint": repr(hint[0]),
                    }
                found.append(((*path, key), message, error.validator))
        return found or [(path, _described(error), error.validator)]
    if error.validator == "required" and isinstance(error.instance, dict):
        return [
            (
                path,
                gettext("missing required field %(field)s") % {"field": repr(name)},
                error.validator,
            )
            for name in error.validator_value
            if name not in error.instance
        ]
    return [(path, _described(error), error.validator)]


def schema_check(
    data: object, source: str, lines: dict[Path_, int]
) -> tuple[list[Problem], list[Path_]]:
    """The schema's problems, in the order of their lines, and the paths of the values they are
    about (an unknown field, a value of the wrong kind): without those values the cross-field
    rules can still look at the rest of the file. A missing field has no line of its own; it
    is placed at the mapping that lacks it, or nowhere for a field of the whole file."""
    problems = []
    faulty: list[Path_] = []
    seen = set()
    for error in _validator().iter_errors(data):
        for path, message, rule in _describe(error):
            key = (path, message)
            if key in seen:
                continue
            seen.add(key)
            line = line_for(lines, path) if path else None
            problems.append(Problem(source, format_path(path), message, line, rule))
            if error.validator != "required" and path:
                faulty.append(path)
    problems.sort(key=lambda problem: (problem.line or 0, problem.path))
    return problems, faulty


def schema_problems(data: object, source: str, lines: dict[Path_, int]) -> list[Problem]:
    return schema_check(data, source, lines)[0]
