"""The instrument files: every shipped file validates, matches the verified reference exactly,
round-trips through the loader, and a broken file names its file, field and line."""

import json

import pytest

from assessments import loader
from tests.assessments.helpers import (
    as_yaml,
    custom_definition,
    load_custom,
    reference,
    shipped,
    shipped_codes,
)

SHIPPED = [
    "ecr-r",
    "ecr-rs-best-friend",
    "ecr-rs-father",
    "ecr-rs-mother",
    "ecr-rs-partner",
    "gad-7",
    "limiting-beliefs",
    "phq-9",
    "safety-plan",
    "support-figures",
]


def test_the_library_ships_exactly_the_agreed_instruments():
    assert shipped_codes() == SHIPPED


@pytest.mark.parametrize("code", SHIPPED)
def test_every_shipped_definition_validates_and_round_trips(code):
    definition = shipped(code)
    loader.validate_definition(definition, code)
    # Stored as JSON and read back, it is the same definition with the same hash.
    again = json.loads(loader.canonical_json(definition))
    assert again == definition
    assert loader.content_hash(again) == loader.content_hash(definition)
    # Normalising again changes nothing: defaults are already written out.
    assert loader.normalise(again) == definition


@pytest.mark.parametrize("code", SHIPPED)
def test_every_shipped_file_states_what_it_left_out_or_needs_nothing(code):
    definition = shipped(code)
    assert definition["licence"]["note"]
    assert definition["citations"]
    if definition["instructions"] is None:
        assert any(entry["field"] == "instructions" for entry in definition["omitted"])


def _scoring_key(definition):
    """Subscale -> (items, reverse items), from the items' own keys."""
    key = {}
    for item in definition["items"]:
        if item.get("subscale"):
            items, reverse = key.setdefault(item["subscale"], ([], []))
            items.append(item["number"])
            if item["reverse"]:
                reverse.append(item["number"])
    return key


@pytest.mark.parametrize(
    ("code", "reference_name"),
    [
        ("ecr-r", "ecr-r"),
        ("ecr-rs-mother", "ecr-rs"),
        ("ecr-rs-father", "ecr-rs"),
        ("ecr-rs-partner", "ecr-rs"),
        ("ecr-rs-best-friend", "ecr-rs"),
        ("phq-9", "phq-9"),
        ("gad-7", "gad-7"),
    ],
)
def test_items_and_keys_match_the_verified_reference_exactly(code, reference_name):
    ours, ref = shipped(code), reference(reference_name)
    scored = [item for item in ours["items"] if item.get("subscale")]
    assert [(i["number"], i["text"], i["subscale"], i["reverse"]) for i in scored] == [
        (i["number"], i["text"], i["subscale"], i["reverse"]) for i in ref["items"]
    ]
    key = _scoring_key(ours)
    for name, subscale in ref["scoring"]["subscales"].items():
        assert key[name] == (subscale["items"], subscale["reverse_items"])
        ours_subscale = next(s for s in ours["scoring"]["subscales"] if s["key"] == name)
        assert ours_subscale["method"] == ref["scoring"]["method"]
    assert (ours["scale"]["min"], ours["scale"]["max"]) == (
        ref["scale"]["min"],
        ref["scale"]["max"],
    )
    # Only verified labels ship.
    assert {str(label["value"]): label["label"] for label in ours["scale"]["labels"]} == ref[
        "scale"
    ]["labels"]


@pytest.mark.parametrize("code", ["phq-9", "gad-7"])
def test_bands_cut_off_and_reliability_match_the_reference(code):
    ours, ref = shipped(code), reference(code)
    (total,) = ours["scoring"]["subscales"]
    assert total["bands"] == ref["bands"]
    assert total["clinical_cutoff"]["value"] == ref["scoring"]["screening_cutoff"]["value"]
    assert total["sd"] is None  # no SD was verified for either
    reliability = ref["reliability"]
    expected = (
        reliability["test_retest"]["value"]
        if reliability["test_retest"].get("value")
        else reliability["alpha"]["value"]
    )
    assert total["reliability"]["value"] == expected
    assert ours["instructions"] == ref["instructions"]
    functional = [item for item in ours["items"] if item.get("subscale") is None]
    assert [item["text"] for item in functional] == [ref["functional_item"]["text"]]
    assert [label["label"] for label in functional[0]["scale"]["labels"]] == ref["functional_item"][
        "options"
    ]


def test_phq9_item_9_alert_is_declared_as_the_reference_says():
    (alert,) = shipped("phq-9")["alerts"]
    assert (alert["item"], alert["operator"], alert["value"]) == (9, ">", 0)


@pytest.mark.parametrize("code", ["ecr-r", "ecr-rs-mother", "ecr-rs-partner"])
def test_attachment_files_ship_no_unverified_numbers(code):
    definition = shipped(code)
    for subscale in definition["scoring"]["subscales"]:
        assert subscale["reliability"] is None
        assert subscale["sd"] is None
        assert subscale["bands"] is None
        assert subscale["missing"] == {
            "max_missing_items": 0,
            "prorate": False,
            "note": subscale["missing"]["note"],
        }
    classification = definition["classification"]
    assert classification["norm"] is None
    assert classification["on_split"] == "unclassified"
    assert definition["scoring"]["total"] is None
    # Instructions are either absent or our own wording, said so in the file: never the
    # unverified third-party transcription of the published wording.
    if definition["instructions"] is not None:
        assert "emotionally intimate" not in definition["instructions"]
        assert any("own neutral words" in note for note in definition["notes"])
    # The unverified ECR-R norm candidate appears nowhere as a number.
    assert "4.47" not in json.dumps({k: v for k, v in definition.items() if k != "omitted"})


def test_ecr_rs_expands_into_one_instrument_per_domain():
    domains = {code: shipped(code) for code in SHIPPED if code.startswith("ecr-rs-")}
    assert {d["domain"]["key"] for d in domains.values()} == {
        "mother",
        "father",
        "partner",
        "best-friend",
    }
    items = {json.dumps(d["items"]) for d in domains.values()}
    assert len(items) == 1  # the same nine items in every domain
    assert all(d["family"] == "ecr-rs" for d in domains.values())
    assert len({loader.content_hash(d) for d in domains.values()}) == 4


def test_limiting_beliefs_is_free_text_and_unscored():
    definition = shipped("limiting-beliefs")
    assert "scoring" not in definition
    assert {item["type"] for item in definition["items"]} == {"text"}
    assert len(definition["items"]) == 11  # a belief and its challenge, up to five (2026.1)


def test_layout_and_defaults_do_not_change_the_hash():
    written_out = custom_definition()
    for item in written_out["items"]:
        item.setdefault("reverse", False)
        item["required"] = True
    a = load_custom()
    (b,) = loader.load_text(json.dumps(written_out, indent=4), "same.json")
    assert loader.content_hash(a) == loader.content_hash(b)
    changed = load_custom(name="Test scale, revised")
    assert loader.content_hash(changed) != loader.content_hash(a)


# --- Broken files fail loudly, naming file, field and line -------------------------------------


def _problems(text, source="broken.yaml"):
    with pytest.raises(loader.InstrumentFileError) as caught:
        loader.load_text(text, source)
    return caught.value.problems


def test_yaml_syntax_error_names_the_line():
    (problem,) = _problems("code: x\nitems: [\n  - 1\nname: y\n")
    assert problem.source == "broken.yaml"
    assert problem.line is not None
    assert "not valid YAML" in problem.message


def test_json_syntax_error_names_the_line():
    (problem,) = _problems('{\n  "code": "x",\n  "name": \n}\n', "broken.json")
    assert (problem.source, problem.line) == ("broken.json", 4)
    assert "not valid JSON" in problem.message


def test_schema_error_names_file_field_and_line():
    text = as_yaml(custom_definition())
    text = text.replace("method: mean", "method: median")
    (problem,) = _problems(text)
    assert problem.path == "scoring.subscales[1].method"
    assert "'median' is not one of" in problem.message
    line = text.splitlines()[problem.line - 1]
    assert "method: median" in line
    assert str(problem).startswith(f"broken.yaml, line {problem.line}, scoring.subscales[1].method")


def test_unknown_field_is_pointed_at_with_a_suggestion():
    data = custom_definition()
    data["items"][2]["subscle"] = data["items"][2].pop("subscale")
    text = as_yaml(data)
    (problem,) = _problems(text)
    assert problem.path == "items[2].subscle"
    assert "did you mean 'subscale'" in problem.message
    assert "subscle" in text.splitlines()[problem.line - 1]


def test_missing_required_field_is_named():
    data = custom_definition()
    del data["licence"]
    (problem,) = _problems(as_yaml(data))
    assert "missing required field 'licence'" in problem.message


def test_cross_field_errors_name_the_line_too():
    data = custom_definition()
    data["items"][4]["subscale"] = "c"
    text = as_yaml(data)
    (problem,) = _problems(text)
    assert problem.path == "items[4].subscale"
    assert "'c' is not a subscale" in problem.message
    assert "subscale: c" in text.splitlines()[problem.line - 1]


def test_all_problems_are_reported_together():
    data = custom_definition()
    data["items"][1]["number"] = 1
    data["scale"]["labels"].append({"value": 9, "label": "Too far"})
    problems = _problems(as_yaml(data))
    messages = " | ".join(p.message for p in problems)
    assert "item number 1 is used twice" in messages
    assert "9 is outside the scale 1 to 5" in messages


def test_duplicate_yaml_keys_are_refused():
    text = as_yaml(custom_definition()).replace("name: Test scale", "name: Test scale\nname: Again")
    (problem,) = _problems(text)
    assert "appears twice" in problem.message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["scoring"]["subscales"][0].update(
                bands=[
                    {"min": 4, "max": 9, "label": "Low"},
                    {"min": 10, "max": 15, "label": "High"},
                ],
                bands_source="x",
            ),
            "bands must cover the whole score range 3 to 15",
        ),
        (
            lambda d: d["scoring"]["subscales"][0].update(
                bands=[
                    {"min": 3, "max": 9, "label": "Low"},
                    {"min": 9, "max": 15, "label": "High"},
                ],
                bands_source="x",
            ),
            "bands must ascend without overlapping",
        ),
        (
            lambda d: d["scoring"]["subscales"][0].update(
                missing={"max_missing_items": 1, "prorate": False}
            ),
            "misleading score",
        ),
        (
            lambda d: d["scoring"]["subscales"][0].update(
                reliability={"value": 1.2, "source": "x"}
            ),
            "between 0 and 1",
        ),
        (lambda d: d["scoring"].update(total="z"), "'z' is not a subscale"),
        (
            lambda d: d.update(
                alerts=[{"key": "x", "item": 99, "operator": ">", "value": 1, "message": "m"}]
            ),
            "there is no item 99",
        ),
        (
            lambda d: d.update(
                classification={
                    "method": "quadrant",
                    "dimensions": {"anxiety": "b", "avoidance": "a"},
                    "default_rule": "midpoint",
                    "midpoint": {"anxiety": 3, "avoidance": 8, "source": "x"},
                    "on_split": "unclassified",
                    "source": "x",
                }
            ),
            "the midpoint of 'a' (3 to 15) is 9",
        ),
        (
            lambda d: d["items"].append(
                {"number": 7, "text": "Tell us", "type": "text", "subscale": "a"}
            ),
            "a free-text item cannot have 'subscale'",
        ),
    ],
)
def test_cross_field_rules(change, expected):
    data = custom_definition()
    change(data)
    problems = _problems(as_yaml(data))
    assert any(expected in p.message for p in problems), problems


def test_upload_checks_size_type_and_encoding():
    with pytest.raises(loader.InstrumentFileError, match=r"upload a \.yaml"):
        loader.load_bytes(b"code: x", "instrument.txt")
    with pytest.raises(loader.InstrumentFileError, match="not UTF-8"):
        loader.load_bytes(b"code: x\n\xff\xfe", "instrument.yaml")
    with pytest.raises(loader.InstrumentFileError, match="larger than"):
        loader.load_bytes(b"#" * (loader.MAX_FILE_BYTES + 1), "instrument.yaml")


def test_a_broken_file_in_the_library_fails_the_whole_load(tmp_path):
    (tmp_path / "good.yaml").write_text(as_yaml(custom_definition()))
    (tmp_path / "bad.yaml").write_text(as_yaml(custom_definition(code="Bad Code")))
    with pytest.raises(loader.InstrumentFileError) as caught:
        loader.load_directory(tmp_path)
    (problem,) = caught.value.problems
    assert (problem.source, problem.path, problem.line) == ("bad.yaml", "code", 2)


def test_two_files_with_one_code_are_refused(tmp_path):
    (tmp_path / "one.yaml").write_text(as_yaml(custom_definition()))
    (tmp_path / "two.yaml").write_text(as_yaml(custom_definition()))
    with pytest.raises(loader.InstrumentFileError, match="used by two files"):
        loader.load_directory(tmp_path)


def test_json_schema_errors_carry_lines_too():
    data = custom_definition()
    data["items"][3]["reverse"] = "yes"
    text = json.dumps(data, indent=2)
    (problem,) = _problems(text, "custom.json")
    assert problem.path == "items[3].reverse"
    assert '"reverse": "yes"' in text.splitlines()[problem.line - 1]
