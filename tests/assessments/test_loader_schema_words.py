"""The schema's problems on an instrument upload in our own words (issue 15): jsonschema's
messages are English and name its machinery ("is not of type 'string'", "is too short"), so
each kind of error the instrument schema can raise gets a marked sentence of ours, said about
the field it concerns, and a kind we have not worded gets a marked general sentence."""

import jsonschema
import pytest

from assessments.builder import words as builder_words
from assessments.loader import validation
from tests.assessments.helpers import custom_definition
from tests.test_choices_marked import PREFIX, every_string_in_spanish  # noqa: F401 - fixture


def _set(*path, value):
    def change(data):
        *parents, last = path
        for key in parents:
            data = data[key]
        data[last] = value

    return change


# kind: (how to break the small valid definition, the field, our sentence)
CASES = {
    "required": (lambda data: data.pop("name"), "", "missing required field 'name'"),
    "type": (_set("name", value=5), "name", "5 is not text"),
    "type (either)": (
        _set("instructions", value=5),
        "instructions",
        "5 is not text or empty (null)",
    ),
    "enum": (
        _set("scoring", "subscales", 0, "method", value="summ"),
        "scoring.subscales[0].method",
        "'summ' is not one of ['sum', 'mean', 'weighted']",
    ),
    "const": (_set("format_version", value=2), "format_version", "must be 1, not 2"),
    "minLength": (_set("name", value=""), "name", "must not be empty"),
    "maxLength": (
        _set("short_name", value="x" * 41),
        "short_name",
        "must be at most 40 characters long (this is 41)",
    ),
    "pattern": (
        _set("citations", 0, "doi", value="doi.org/10.1"),
        "citations[0].doi",
        "'doi.org/10.1' is not in the form this field takes (^10\\.)",
    ),
    "minItems": (_set("items", value=[]), "items", "must not be an empty list"),
    "minimum": (_set("items", 0, "number", value=0), "items[0].number", "must be 1 or more, not 0"),
    "maximum": (
        _set("items", 0, "max_length", value=20001),
        "items[0].max_length",
        "must be 20000 or less, not 20001",
    ),
    "exclusiveMinimum": (
        _set("reliable_change", value={"critical_value": 0, "source": "Ours."}),
        "reliable_change.critical_value",
        "must be more than 0, not 0",
    ),
    "additionalProperties": (_set("reversed", value=True), "reversed", "unknown field 'reversed'"),
    "a long value": (
        _set("scale", value=list(range(40))),
        "scale",
        "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, … is not a mapping of fields",
    ),
}


def problems_of(change) -> list[tuple[str, str]]:
    data = custom_definition()
    change(data)
    return [(p.path, p.message) for p in validation.schema_problems(data, "mine.yaml", {})]


@pytest.mark.parametrize("kind", list(CASES))
def test_each_kind_of_schema_error_in_our_words_at_its_field(kind):
    change, path, message = CASES[kind]
    assert problems_of(change) == [(path, message)]


def test_a_kind_we_have_not_worded_gets_our_general_sentence():
    error = jsonschema.ValidationError(
        "jsonschema's own words", validator="dependentRequired", validator_value={}, instance=3
    )
    assert validation._described(error) == (
        "3 does not fit the file format here (rule: dependentRequired)"
    )


@pytest.mark.usefixtures("every_string_in_spanish")
@pytest.mark.parametrize("kind", list(CASES))
def test_each_sentence_comes_out_translated(kind):
    change, path, _message = CASES[kind]
    ((found_path, message),) = problems_of(change)
    assert found_path == path
    assert message.startswith(PREFIX)
    if kind.startswith("type"):
        assert f"{PREFIX}text" in message  # the kind of value too


@pytest.mark.usefixtures("every_string_in_spanish")
def test_the_general_sentence_comes_out_translated():
    error = jsonschema.ValidationError(
        "x", validator="propertyNames", validator_value={}, instance=3
    )
    assert validation._described(error).startswith(PREFIX)


@pytest.mark.usefixtures("every_string_in_spanish")
@pytest.mark.parametrize(
    "change, words",
    [
        (_set("name", value=""), "fill this in"),
        (_set("items", value=[]), "add at least one"),
        (_set("code", value="Not A Code"), "use lower case letters"),
    ],
)
def test_the_builder_finds_a_problem_by_its_rule_in_any_language(change, words):
    """The builder once recognised the schema's English messages ("'' should be non-empty") to
    put them in its own words; it finds them by the rule they broke, whatever the language."""
    data = custom_definition()
    change(data)
    (shown,) = builder_words.plain(validation.schema_problems(data, "mine.yaml", {}))
    assert shown["message"].startswith(f"{PREFIX}{words}")
