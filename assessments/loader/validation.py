"""The schema check: one JSON Schema (``schema/instrument.schema.json``) for the shape of every
file, its errors turned into readable problems with the line of the field they are about.

An unknown field gets a "did you mean" only for a close match (``SUGGEST_CUTOFF``) that the
mapping does not have already: ``questions`` is not a misspelt ``version``."""

from __future__ import annotations

import difflib
import json
from functools import cache

import jsonschema

from assessments.scoring.words import gettext

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


def _describe(error: jsonschema.ValidationError) -> list[tuple[Path_, str]]:
    """Readable messages for one schema error, each with the path it is about."""
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
            return [(path, gettext("give exactly one of %(names)s") % {"names": names})]
        chosen = _alternative_named(error)
        if chosen:
            return [pair for suberror in chosen for pair in _describe(suberror)]
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
                found.append(((*path, key), message))
        return found or [(path, error.message)]
    if error.validator == "required":
        field = repr(error.message.split(chr(39))[1])
        return [(path, gettext("missing required field %(field)s") % {"field": field})]
    if error.validator == "type":
        expected = error.validator_value
        expected = gettext(" or ").join(expected) if isinstance(expected, list) else expected
        return [
            (
                path,
                gettext("%(value)s is not of type %(type)s")
                % {"value": repr(error.instance), "type": expected},
            )
        ]
    if error.validator == "const":
        return [
            (
                path,
                gettext("must be %(expected)s, not %(value)s")
                % {"expected": repr(error.validator_value), "value": repr(error.instance)},
            )
        ]
    return [(path, error.message)]


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
        for path, message in _describe(error):
            key = (path, message)
            if key in seen:
                continue
            seen.add(key)
            line = line_for(lines, path) if path else None
            problems.append(Problem(source, format_path(path), message, line))
            if error.validator != "required" and path:
                faulty.append(path)
    problems.sort(key=lambda problem: (problem.line or 0, problem.path))
    return problems, faulty


def schema_problems(data: object, source: str, lines: dict[Path_, int]) -> list[Problem]:
    return schema_check(data, source, lines)[0]
