"""Reading an instrument file: its text parsed as YAML or JSON, with a map from every field's
path to its line (from the YAML node marks), and the ``Problem`` each fault becomes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from assessments.scoring.words import gettext

APP_DIR = Path(__file__).resolve().parent.parent
SCHEMA_PATH = APP_DIR / "schema" / "instrument.schema.json"
INSTRUMENTS_DIR = APP_DIR / "instruments"
FILE_SUFFIXES = (".yaml", ".yml", ".json")
MAX_FILE_BYTES = 512 * 1024

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (file, line, field) and what."""

    source: str
    path: str
    message: str
    line: int | None = None
    # The schema keyword the value broke (minLength, pattern, ...), "" for the loader's own
    # rules: a page with its own words for a kind (the builder's) finds it here, not by
    # matching a message that is written in the reader's language.
    rule: str = ""

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where = gettext("%(where)s, line %(line)s") % {"where": where, "line": self.line}
        if self.path:
            where += f", {self.path}"
        return f"{where}: {self.message}"


class InstrumentFileError(ValueError):
    """A definition file that cannot be used. ``problems`` lists every fault found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def format_path(path: Path_) -> str:
    """``("items", 8, "subscale")`` -> ``items[8].subscale`` (indexes count from 0)."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _line_map(node: yaml.Node, problems: list[Problem], source: str) -> dict[Path_, int]:
    """Walk a composed YAML (or JSON) tree, recording the 1-based line of every field."""
    lines: dict[Path_, int] = {(): node.start_mark.line + 1}

    def walk(current: yaml.Node, path: Path_) -> None:
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in current.value:
                key = key_node.value
                child = (*path, key)
                if key in seen:
                    problems.append(
                        Problem(
                            source,
                            format_path(child),
                            gettext("the field %(key)s appears twice") % {"key": repr(key)},
                            key_node.start_mark.line + 1,
                        )
                    )
                seen.add(key)
                lines[child] = key_node.start_mark.line + 1
                walk(value_node, child)
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                child = (*path, index)
                lines[child] = item.start_mark.line + 1
                walk(item, child)

    walk(node, ())
    return lines


def parse_text(text: str, source: str) -> tuple[object, dict[Path_, int]]:
    """Parse YAML or JSON (by the source's suffix). Syntax errors carry their line."""
    is_json = source.lower().endswith(".json")
    problems: list[Problem] = []
    if is_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InstrumentFileError(
                [
                    Problem(
                        source,
                        "",
                        gettext("not valid JSON: %(error)s (column %(column)s)")
                        % {"error": error.msg, "column": error.colno},
                        error.lineno,
                    )
                ]
            ) from None
        try:
            # YAML reads JSON, except indentation by tabs, which JSON writers often use. JSON
            # has no raw tab inside a string, so tabs are whitespace here and spaces keep every
            # line where it was.
            node = yaml.compose(text.replace("\t", " "), Loader=yaml.SafeLoader)
            lines = _line_map(node, problems, source) if node is not None else {}
        except yaml.YAMLError:
            lines = {}  # valid JSON that YAML cannot read: errors then name the field only
    else:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            reason = getattr(error, "problem", None) or str(error)
            raise InstrumentFileError(
                [
                    Problem(
                        source,
                        "",
                        gettext("not valid YAML: %(error)s") % {"error": reason},
                        mark.line + 1 if mark is not None else None,
                    )
                ]
            ) from None
        lines = _line_map(node, problems, source) if node is not None else {}
    if problems:
        raise InstrumentFileError(problems)
    return data, lines


def line_for(lines: dict[Path_, int], path: Path_) -> int | None:
    """The line of ``path``, or of its nearest ancestor that has one."""
    while True:
        if path in lines:
            return lines[path]
        if not path:
            return None
        path = path[:-1]


def line_of(text: str, source: str, path: Path_) -> int | None:
    """The line of a field in a file's text, for problems found after loading."""
    try:
        _, lines = parse_text(text, source)
    except InstrumentFileError:
        return None
    return line_for(lines, path)


class Checker:
    """Collects problems with field paths; turns paths into lines at the end."""

    def __init__(self, source: str, lines: dict[Path_, int]):
        self.source = source
        self.lines = lines
        self.problems: list[Problem] = []

    def fail(self, path: Path_, message: str) -> None:
        self.problems.append(
            Problem(self.source, format_path(path), message, line_for(self.lines, path))
        )
