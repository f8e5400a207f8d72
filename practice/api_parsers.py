"""JSON from clients of the API: malformed or absurdly nested input is a 400, never a 500.

DRF's ``JSONParser`` turns a ``ValueError`` into a 400 but lets ``RecursionError`` through, so a
body of ``"[" * 100000`` answered 500 on every JSON endpoint. Bodies nested a few hundred levels
deep parse, but then recurse through serializers and reach PostgreSQL's own JSON depth limit.
No Attune request is nested more than a few levels, so anything deeper than ``MAX_DEPTH`` is
refused at the door with a message that says why: ``BoundedJSONParser`` for request bodies
(the API's default parser), ``BoundedJSONField`` for a JSON value sent as a form field.
"""

from django.utils.translation import gettext
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def too_deep() -> str:
    return gettext("JSON nested more than %(depth)s levels deep is not accepted.") % {
        "depth": MAX_DEPTH
    }


def _parse_error() -> ParseError:
    return ParseError(gettext("JSON parse error - %(reason)s") % {"reason": too_deep()})


def nesting_depth(value) -> int:
    """How many arrays and objects deep ``value`` goes (a scalar is 0); iterative, so the check
    itself cannot overflow the stack."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    """``JSONParser`` that answers 400 to bodies nested deeper than ``MAX_DEPTH``."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise _parse_error() from None
        if nesting_depth(data) > MAX_DEPTH:
            raise _parse_error()
        return data


class BoundedJSONField(serializers.JSONField):
    """``JSONField`` whose value, when it arrives as a string in a form field (which DRF decodes
    with ``json.loads``), answers 400 rather than 500 when nested too deep."""

    def to_internal_value(self, data):
        try:
            value = super().to_internal_value(data)
        except RecursionError:
            raise serializers.ValidationError(too_deep()) from None
        if nesting_depth(value) > MAX_DEPTH:
            raise serializers.ValidationError(too_deep())
        return value
