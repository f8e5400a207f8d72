"""Reading instrument definition files: parse, validate, normalise. Pure Python, no Django.

One JSON Schema (``schema/instrument.schema.json``) checks the shape of every file; the
cross-field rules a schema cannot express (item numbers unique, subscales exist, bands cover the
range, ...) are checked here. Every problem names the file, the field and, where the text allows,
the line, and all problems of a file are reported at once.

A file may declare ``domains`` (the same items asked once per relationship, as in the ECR-RS):
it then yields one instrument per domain, coded ``<code>-<domain key>``. Everything else about
storage lives in ``assessments/services/instruments.py``.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

import jsonschema
import yaml

from assessments.scoring import subscale_range

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "instrument.schema.json"
INSTRUMENTS_DIR = Path(__file__).resolve().parent / "instruments"
FILE_SUFFIXES = (".yaml", ".yml", ".json")
MAX_FILE_BYTES = 512 * 1024

# Defaults written into every normalised definition, so a stored version states them outright.
DEFAULT_RELIABLE_CHANGE = {
    "critical_value": 1.96,
    "source": (
        "Jacobson, N. S., & Truax, P. (1991). Clinical significance: A statistical approach to "
        "defining meaningful change in psychotherapy research. Journal of Consulting and "
        "Clinical Psychology, 59(1), 12-19. |RCI| > 1.96 is reliable change at p < .05."
    ),
    "min_baselines_for_practice_sd": 30,
}
DEFAULT_TEXT_MAX_LENGTH = 2000

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (file, line, field) and what."""

    source: str
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f", line {self.line}"
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


# --- Parsing, with a map from field paths to line numbers --------------------------------------


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
                            f"the field {key!r} appears twice",
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
                        f"not valid JSON: {error.msg} (column {error.colno})",
                        error.lineno,
                    )
                ]
            ) from None
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
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
                        f"not valid YAML: {reason}",
                        mark.line + 1 if mark is not None else None,
                    )
                ]
            ) from None
        lines = _line_map(node, problems, source) if node is not None else {}
    if problems:
        raise InstrumentFileError(problems)
    return data, lines


def _line_for(lines: dict[Path_, int], path: Path_) -> int | None:
    """The line of ``path``, or of its nearest ancestor that has one."""
    while True:
        if path in lines:
            return lines[path]
        if not path:
            return None
        path = path[:-1]


# --- Schema validation -----------------------------------------------------------------------


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
            names = " or ".join(repr(option["required"][0]) for option in error.validator_value)
            return [(path, f"give exactly one of {names}")]
        best = jsonschema.exceptions.best_match(error.context)
        return _describe(best)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(_schema_at(error.schema).get("properties", {}))
        found = []
        for key in error.instance:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
                found.append(((*path, key), f"unknown field {key!r}{suggestion}"))
        return found or [(path, error.message)]
    if error.validator == "required":
        return [(path, f"missing required field {error.message.split(chr(39))[1]!r}")]
    if error.validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return [(path, f"{error.instance!r} is not of type {expected}")]
    if error.validator == "const":
        return [(path, f"must be {error.validator_value!r}, not {error.instance!r}")]
    return [(path, error.message)]


def _schema_problems(data: object, source: str, lines: dict[Path_, int]) -> list[Problem]:
    problems = []
    seen = set()
    for error in _validator().iter_errors(data):
        for path, message in _describe(error):
            key = (path, message)
            if key in seen:
                continue
            seen.add(key)
            problems.append(Problem(source, format_path(path), message, _line_for(lines, path)))
    problems.sort(key=lambda problem: (problem.line or 0, problem.path))
    return problems


# --- Cross-field rules -----------------------------------------------------------------------


def _exact(number) -> Fraction:
    """Numbers from files compared exactly, as written in decimal (4.47 means 447/100)."""
    return Fraction(str(number))


class _Checker:
    """Collects problems with field paths; turns paths into lines at the end."""

    def __init__(self, source: str, lines: dict[Path_, int]):
        self.source = source
        self.lines = lines
        self.problems: list[Problem] = []

    def fail(self, path: Path_, message: str) -> None:
        self.problems.append(
            Problem(self.source, format_path(path), message, _line_for(self.lines, path))
        )


def _check_scale(check: _Checker, scale: dict, path: Path_) -> None:
    if scale["min"] >= scale["max"]:
        check.fail((*path, "max"), f"max ({scale['max']}) must be above min ({scale['min']})")
    seen = set()
    for index, label in enumerate(scale["labels"]):
        if not scale["min"] <= label["value"] <= scale["max"]:
            check.fail(
                (*path, "labels", index, "value"),
                f"{label['value']} is outside the scale {scale['min']} to {scale['max']}",
            )
        if label["value"] in seen:
            check.fail((*path, "labels", index, "value"), f"{label['value']} is labelled twice")
        seen.add(label["value"])


def _check_semantics(data: dict, source: str, lines: dict[Path_, int]) -> list[Problem]:
    check = _Checker(source, lines)
    if "domains" in data and ("domain" in data or "family" in data):
        check.fail(("domains",), "give either 'domains' or 'domain'/'family', not both")
    keys = [domain["key"] for domain in data.get("domains", [])]
    for index, key in enumerate(keys):
        if keys.index(key) != index:
            check.fail(("domains", index, "key"), f"the domain {key!r} is listed twice")

    if "scale" in data:
        _check_scale(check, data["scale"], ("scale",))
    subscales = data.get("scoring", {}).get("subscales", [])
    subscale_keys = [subscale["key"] for subscale in subscales]
    for index, key in enumerate(subscale_keys):
        if subscale_keys.index(key) != index:
            check.fail(
                ("scoring", "subscales", index, "key"), f"the subscale {key!r} is defined twice"
            )

    numbers: dict[int, int] = {}
    for index, item in enumerate(data["items"]):
        path: Path_ = ("items", index)
        if item["number"] in numbers:
            check.fail((*path, "number"), f"item number {item['number']} is used twice")
        numbers[item["number"]] = index
        kind = item.get("type", "choice")
        if kind == "text":
            for field in ("subscale", "reverse", "scale"):
                if item.get(field) not in (None, False):
                    check.fail((*path, field), f"a free-text item cannot have {field!r}")
            continue
        if "max_length" in item:
            check.fail((*path, "max_length"), "only free-text items have a max_length")
        if "scale" in item:
            _check_scale(check, item["scale"], (*path, "scale"))
        elif "scale" not in data:
            check.fail(path, "a choice item needs a scale: give one here or for the instrument")
        subscale = item.get("subscale")
        if subscale is not None and subscale not in subscale_keys:
            check.fail((*path, "subscale"), f"{subscale!r} is not a subscale in scoring.subscales")
        if item.get("reverse") and subscale is None:
            check.fail(
                (*path, "reverse"), "only scored items (with a subscale) can be reverse-keyed"
            )

    if check.problems:
        return check.problems  # later rules assume items and scales are sound

    for index, subscale in enumerate(subscales):
        path = ("scoring", "subscales", index)
        members = [item for item in data["items"] if item.get("subscale") == subscale["key"]]
        if not members:
            check.fail((*path, "key"), f"no item counts towards the subscale {subscale['key']!r}")
            continue
        scales = {
            (scale["min"], scale["max"])
            for scale in (item.get("scale") or data["scale"] for item in members)
        }
        if len(scales) > 1:
            check.fail(path, "all items of a subscale must share one scale (min and max)")
            continue
        low, high = subscale_range(data, subscale)
        missing = subscale.get("missing", {"max_missing_items": 0, "prorate": False})
        if missing["max_missing_items"] >= len(members):
            check.fail(
                (*path, "missing", "max_missing_items"),
                f"must be below the subscale's {len(members)} items",
            )
        if missing["max_missing_items"] > 0 and not missing["prorate"]:
            check.fail(
                (*path, "missing", "prorate"),
                "allowing missing items without prorating would give a misleading score; "
                "set prorate: true (only where the authors allow it) or max_missing_items: 0",
            )
        if missing["max_missing_items"] > 0 and not missing.get("source"):
            check.fail((*path, "missing", "source"), "cite the authors' missing-answer rule")
        bands = subscale.get("bands") or []
        for band_index, band in enumerate(bands):
            band_path = (*path, "bands", band_index)
            if band["min"] > band["max"]:
                check.fail((*band_path, "max"), "a band's max must not be below its min")
            if band_index and _exact(band["min"]) <= _exact(bands[band_index - 1]["max"]):
                check.fail((*band_path, "min"), "bands must ascend without overlapping")
        if bands and (_exact(bands[0]["min"]) != low or _exact(bands[-1]["max"]) != high):
            check.fail(
                (*path, "bands"),
                f"bands must cover the whole score range {_show(low)} to {_show(high)}",
            )
        if bands and not subscale.get("bands_source"):
            check.fail((*path, "bands_source"), "cite the source of the bands")
        cutoff = subscale.get("clinical_cutoff")
        if cutoff and not low <= _exact(cutoff["value"]) <= high:
            check.fail(
                (*path, "clinical_cutoff", "value"), "the cut-off is outside the score range"
            )
        for field in ("reliability",):
            value = subscale.get(field)
            if value and not 0 < value["value"] < 1:
                check.fail(
                    (*path, field, "value"), "a reliability coefficient lies between 0 and 1"
                )
        if subscale.get("sd") and subscale["sd"]["value"] <= 0:
            check.fail((*path, "sd", "value"), "a standard deviation must be above 0")

    total = data.get("scoring", {}).get("total")
    if total is not None and total not in subscale_keys:
        check.fail(("scoring", "total"), f"{total!r} is not a subscale in scoring.subscales")

    _check_codings(check, data)
    by_number = {item["number"]: item for item in data["items"]}
    for index, alert in enumerate(data.get("alerts", [])):
        path = ("alerts", index)
        if "item" in alert:
            item = by_number.get(alert["item"])
            if item is None:
                check.fail((*path, "item"), f"there is no item {alert['item']}")
            elif item.get("type", "choice") != "choice":
                check.fail((*path, "item"), "alerts can only watch choice items")
        elif alert["subscale"] not in subscale_keys:
            check.fail((*path, "subscale"), f"{alert['subscale']!r} is not a subscale")

    classification = data.get("classification")
    if classification:
        _check_classification(check, data, classification, subscales, subscale_keys)
    return check.problems


def _check_codings(check: _Checker, data: dict) -> None:
    """A code names one question, and one answer on a question's scale: an imported answer is
    mapped through them, so a code used twice could not be mapped without guessing."""
    seen: dict[tuple[str, str], int] = {}
    for index, item in enumerate(data["items"]):
        for coding_index, coding in enumerate(item.get("codings", [])):
            key = (coding["system"], coding["code"])
            if key in seen:
                check.fail(
                    ("items", index, "codings", coding_index, "code"),
                    f"{coding['code']!r} already names item {seen[key]}",
                )
            seen[key] = item["number"]
    scales = [(("scale",), data.get("scale"))] + [
        (("items", index, "scale"), item.get("scale")) for index, item in enumerate(data["items"])
    ]
    for path, scale in scales:
        codes: set[tuple[str, str]] = set()
        for index, label in enumerate((scale or {}).get("labels", [])):
            if "coding" not in label:
                continue
            key = (label["coding"]["system"], label["coding"]["code"])
            if key in codes:
                check.fail(
                    (*path, "labels", index, "coding", "code"),
                    f"{key[1]!r} already names another answer on this scale",
                )
            codes.add(key)


def _check_classification(check, data, classification, subscales, subscale_keys) -> None:
    path: Path_ = ("classification",)
    if classification["method"] == "prototype":
        for style, key in classification["prototypes"].items():
            if key not in subscale_keys:
                check.fail((*path, "prototypes", style), f"{key!r} is not a subscale")
        return
    by_key = dict(zip(subscale_keys, subscales, strict=True))
    dimensions = classification["dimensions"]
    if dimensions["anxiety"] == dimensions["avoidance"]:
        check.fail((*path, "dimensions"), "anxiety and avoidance must be different subscales")
    for dimension, key in dimensions.items():
        if key not in by_key:
            check.fail((*path, "dimensions", dimension), f"{key!r} is not a subscale")
            continue
        low, high = subscale_range(data, by_key[key])
        midpoint = (low + high) / 2
        if _exact(classification["midpoint"][dimension]) != midpoint:
            check.fail(
                (*path, "midpoint", dimension),
                f"the midpoint of {key!r} ({_show(low)} to {_show(high)}) is {_show(midpoint)}",
            )
        norm = classification.get("norm")
        if norm and not low <= _exact(norm[dimension]["value"]) <= high:
            check.fail((*path, "norm", dimension, "value"), "the norm lies outside the score range")
    if classification["default_rule"] == "norm" and not classification.get("norm"):
        check.fail(
            (*path, "default_rule"), "the norm rule needs cited norms in classification.norm"
        )


def _show(number: Fraction) -> str:
    return str(int(number)) if number.denominator == 1 else str(float(number))


# --- Normalising and expanding ---------------------------------------------------------------


def normalise(data: dict) -> dict:
    """Write every default out, so a stored definition says everything it means."""
    definition = copy.deepcopy(data)
    definition.setdefault("instructions", None)
    for field in ("sources", "omitted", "notes", "alerts"):
        definition.setdefault(field, [])
    for item in definition["items"]:
        item.setdefault("type", "choice")
        item.setdefault("required", True)
        if item["type"] == "text":
            item.setdefault("max_length", DEFAULT_TEXT_MAX_LENGTH)
            item.pop("subscale", None)
            item.pop("reverse", None)
        else:
            item.setdefault("subscale", None)
            item.setdefault("reverse", False)
    if "scoring" in definition:
        definition["scoring"].setdefault("total", None)
        for subscale in definition["scoring"]["subscales"]:
            subscale.setdefault("missing", {"max_missing_items": 0, "prorate": False})
            for field in ("bands", "clinical_cutoff", "reliability", "sd"):
                subscale.setdefault(field, None)
        definition.setdefault("reliable_change", {})
        for key, value in DEFAULT_RELIABLE_CHANGE.items():
            definition["reliable_change"].setdefault(key, value)
    if definition.get("classification", {}).get("method") == "quadrant":
        definition["classification"].setdefault("norm", None)
    return definition


def expand_domains(definition: dict) -> list[dict]:
    """One instrument per relationship domain, or the definition itself if it has none."""
    domains = definition.get("domains")
    if not domains:
        return [definition]
    expanded = []
    for domain in domains:
        single = copy.deepcopy(definition)
        del single["domains"]
        single["family"] = definition["code"]
        single["domain"] = dict(domain)
        single["code"] = f"{definition['code']}-{domain['key']}"
        single["name"] = f"{definition['name']}: {domain['label']}"
        if "short_name" in definition:
            single["short_name"] = f"{definition['short_name']} ({domain['label']})"
        expanded.append(single)
    return expanded


# --- Entry points ----------------------------------------------------------------------------


def load_text(text: str, source: str) -> list[dict]:
    """Validated, normalised definitions from one file's text (several if it has domains)."""
    data, lines = parse_text(text, source)
    if not isinstance(data, dict):
        raise InstrumentFileError(
            [Problem(source, "", "the file must hold one instrument (a mapping of fields)", 1)]
        )
    problems = _schema_problems(data, source, lines)
    if not problems:
        problems = _check_semantics(data, source, lines)
    if problems:
        raise InstrumentFileError(problems)
    return expand_domains(normalise(data))


def load_bytes(content: bytes, source: str) -> list[dict]:
    """As ``load_text``, for an uploaded file: size and encoding are checked first."""
    if len(content) > MAX_FILE_BYTES:
        raise InstrumentFileError(
            [Problem(source, "", f"the file is larger than {MAX_FILE_BYTES // 1024} KB")]
        )
    if not source.lower().endswith(FILE_SUFFIXES):
        raise InstrumentFileError([Problem(source, "", "upload a .yaml, .yml or .json file")])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise InstrumentFileError(
            [Problem(source, "", "the file is not UTF-8 text", line)]
        ) from None
    return load_text(text, source)


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
        problems.append(Problem(directory.name, "code", f"the code {code!r} is used by two files"))
    if problems:
        raise InstrumentFileError(problems)
    return loaded


def load_directory(directory: Path = INSTRUMENTS_DIR) -> list[dict]:
    """Every instrument shipped in ``directory``."""
    return [definition for _, definition in load_library(directory)]


def line_of(text: str, source: str, path: Path_) -> int | None:
    """The line of a field in a file's text, for problems found after loading."""
    try:
        _, lines = parse_text(text, source)
    except InstrumentFileError:
        return None
    return _line_for(lines, path)


def validate_definition(definition: dict, source: str = "definition") -> None:
    """Check an already-loaded definition (for example one read back from the database)."""
    problems = _schema_problems(definition, source, {})
    if not problems:
        problems = _check_semantics(definition, source, {})
    if problems:
        raise InstrumentFileError(problems)


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(definition: dict) -> str:
    """SHA-256 of the definition's canonical JSON: equal content, equal hash, whatever the layout."""
    return hashlib.sha256(canonical_json(definition).encode()).hexdigest()


def licence_hash(definition: dict) -> str:
    """What an owner acknowledges: the licence note (and attribution) of one definition."""
    return hashlib.sha256(canonical_json(definition["licence"]).encode()).hexdigest()
