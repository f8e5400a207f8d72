"""Reading instrument definition files: parse, validate, normalise. Pure Python, no Django.

One JSON Schema (``schema/instrument.schema.json``) checks the shape of every file; the
cross-field rules a schema cannot express (item numbers unique, subscales exist, bands cover the
range, ...) are checked after it. Every problem names the file, the field and, where the text
allows, the line, and all problems of a file are reported at once.

A file may declare ``domains`` (the same items asked once per relationship, as in the ECR-RS):
it then yields one instrument per domain, coded ``<code>-<domain key>``. Everything else about
storage lives in ``assessments/services/instruments.py``.

The package is split by what its parts are about: ``reading`` (text to data, with each field's
line, and ``Problem``), ``validation`` (the JSON Schema), ``semantics`` (the cross-field rules),
``combinations`` (weighted scores and the forced-choice tie-break), ``hand_written`` (the two
rules for uploaded files: item numbers without gaps, every scale point labelled),
``definitions`` (defaults written out, domains expanded, canonical JSON and hashes) and
``loading`` (the entry points). Import the names from here: ``from assessments import loader``;
pyproject's ``loader-layers`` contract keeps their order.
"""

from .definitions import (
    DEFAULT_RELIABLE_CHANGE,
    DEFAULT_TEXT_MAX_LENGTH,
    canonical_json,
    content_hash,
    expand_domains,
    licence_hash,
    normalise,
)
from .loading import (
    load_bytes,
    load_directory,
    load_file,
    load_library,
    load_text,
    validate_definition,
)
from .reading import (
    FILE_SUFFIXES,
    INSTRUMENTS_DIR,
    MAX_FILE_BYTES,
    SCHEMA_PATH,
    InstrumentFileError,
    Path_,
    Problem,
    format_path,
    line_of,
    parse_text,
)
from .validation import schema

__all__ = [
    "DEFAULT_RELIABLE_CHANGE",
    "DEFAULT_TEXT_MAX_LENGTH",
    "FILE_SUFFIXES",
    "INSTRUMENTS_DIR",
    "MAX_FILE_BYTES",
    "SCHEMA_PATH",
    "InstrumentFileError",
    "Path_",
    "Problem",
    "canonical_json",
    "content_hash",
    "expand_domains",
    "format_path",
    "licence_hash",
    "line_of",
    "load_bytes",
    "load_directory",
    "load_file",
    "load_library",
    "load_text",
    "normalise",
    "parse_text",
    "schema",
    "validate_definition",
]
