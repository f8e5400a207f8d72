"""The entry points: a file's text, bytes or path to validated, normalised definitions, and a
directory of files to a library. All problems of a file are reported at once."""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path

from assessments.scoring.words import gettext

from .definitions import expand_domains, normalise
from .reading import (
    FILE_SUFFIXES,
    INSTRUMENTS_DIR,
    MAX_FILE_BYTES,
    Checker,
    InstrumentFileError,
    Path_,
    Problem,
    parse_text,
)
from .semantics import check_semantics, run_checks
from .validation import schema_check, schema_problems


def _without(data: dict, paths: list[Path_]) -> dict:
    """A copy of ``data`` without the fields at ``paths`` (where a mapping holds them)."""
    pruned = copy.deepcopy(data)
    for path in sorted(paths, key=len, reverse=True):
        parent = pruned
        for part in path[:-1]:
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                break
        else:
            if isinstance(parent, dict):
                parent.pop(path[-1], None)
    return pruned


def _problems(data: dict, source: str, lines: dict[Path_, int], uploaded: bool) -> list[Problem]:
    """Every problem of a file at once: the schema's, and the cross-field rules' on the rest of
    the file (its faulty values left out)."""
    problems, faulty = schema_check(data, source, lines)
    if not problems:
        return check_semantics(data, source, lines, uploaded=uploaded)
    check = Checker(source, lines)
    # The rules expect the shape the schema describes; where a required field is missing or a
    # list holds something else they stop, keeping what they had found by then. The schema's
    # problems already say what to mend first.
    with contextlib.suppress(KeyError, IndexError, TypeError, ValueError, AttributeError):
        run_checks(check, _without(data, faulty), uploaded=uploaded)
    seen = {(problem.path, problem.message) for problem in problems}
    problems += [p for p in check.problems if (p.path, p.message) not in seen]
    problems.sort(key=lambda problem: (problem.line or 0, problem.path))
    return problems


def load_text(text: str, source: str, *, uploaded: bool = False) -> list[dict]:
    """Validated, normalised definitions from one file's text (several if it has domains).
    ``uploaded``: a file a practice wrote, held to the hand-written-file rules too."""
    data, lines = parse_text(text, source)
    if not isinstance(data, dict):
        raise InstrumentFileError(
            [Problem(source, "", "the file must hold one instrument (a mapping of fields)", 1)]
        )
    problems = _problems(data, source, lines, uploaded)
    if problems:
        raise InstrumentFileError(problems)
    return expand_domains(normalise(data))


def load_bytes(content: bytes, source: str) -> list[dict]:
    """As ``load_text``, for an uploaded file: size and encoding are checked first, and the
    hand-written-file rules apply (``hand_written``)."""
    if len(content) > MAX_FILE_BYTES:
        raise InstrumentFileError(
            [
                Problem(
                    source,
                    "",
                    gettext("the file is larger than %(size)s KB")
                    % {"size": MAX_FILE_BYTES // 1024},
                )
            ]
        )
    if not source.lower().endswith(FILE_SUFFIXES):
        raise InstrumentFileError(
            [Problem(source, "", gettext("upload a .yaml, .yml or .json file"))]
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise InstrumentFileError(
            [Problem(source, "", gettext("the file is not UTF-8 text"), line)]
        ) from None
    return load_text(text, source, uploaded=True)


def load_file(path: Path) -> list[dict]:
    return load_text(path.read_text(encoding="utf-8"), path.name)


def load_library(directory: Path = INSTRUMENTS_DIR) -> list[tuple[str, dict]]:
    """Every instrument in ``directory`` with the name of its file; fails with the problems of
    all bad files at once."""
    loaded: list[tuple[str, dict]] = []
    problems: list[Problem] = []
    for path in sorted(directory.iterdir()):
        if path.suffix not in FILE_SUFFIXES:
            continue
        try:
            loaded.extend((path.name, definition) for definition in load_file(path))
        except InstrumentFileError as error:
            problems.extend(error.problems)
    codes = [definition["code"] for _, definition in loaded]
    for code in sorted({code for code in codes if codes.count(code) > 1}):
        problems.append(
            Problem(
                directory.name,
                "code",
                gettext("the code %(code)s is used by two files") % {"code": repr(code)},
            )
        )
    if problems:
        raise InstrumentFileError(problems)
    return loaded


def load_directory(directory: Path = INSTRUMENTS_DIR) -> list[dict]:
    """Every instrument shipped in ``directory``."""
    return [definition for _, definition in load_library(directory)]


def validate_definition(definition: dict, source: str = "definition") -> None:
    """Check an already-loaded definition (for example one read back from the database)."""
    problems = schema_problems(definition, source, {})
    if not problems:
        problems = check_semantics(definition, source, {})
    if problems:
        raise InstrumentFileError(problems)
