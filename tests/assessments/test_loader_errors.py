"""Upload errors (issue 16): every problem of a file at once, each at its real line, no
misleading "did you mean", and the two rules for files a practice writes by hand: item numbers
without gaps and a label for every scale point (unless the scale says it labels only anchors).
The upload page lists them all and links a template file that passes every rule."""

import copy
import json
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings as django_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments import loader
from tests.assessments.conftest import upload
from tests.assessments.helpers import as_yaml, custom_definition

TEMPLATE = (
    Path(django_settings.BASE_DIR) / "static" / "assessments" / "custom-instrument-template.yaml"
)

_RQ = yaml.safe_load((Path(__file__).resolve().parent / "rq_like.yaml").read_text(encoding="utf-8"))

# A hand-written file with five faults, one of each kind, on known lines.
BROKEN = """\
# A practice's own scale
format_version: 1
code: my-scale
name: My scale
version: "1"
language: en
citations:
  - text: Someone (2020).
licence:
  note: Ours.
scale:
  min: 1
  max: 4
  labels:
    - {value: 1, label: Never}
    - {value: 2, label: Sometimes}
    - {value: 4, label: Always}
items:
  - number: 1
    text: One
    subscale: total
  - number: 2
    text: Two
    subscale: total
    reversed: true
  - number: 4
    text: Four
    subscale: totl
scoring:
  subscales:
    - key: total
      label: Total
      method: summ
      better: lower
"""


def _line(text, fragment):
    return next(n for n, row in enumerate(text.splitlines(), 1) if fragment in row)


def _problems(text, source="mine.yaml"):
    with pytest.raises(loader.InstrumentFileError) as caught:
        loader.load_bytes(text.encode(), source)
    return caught.value.problems


def test_every_problem_of_a_file_comes_at_once_each_at_its_line():
    problems = {(p.line, p.message) for p in _problems(BROKEN)}
    assert problems == {
        (_line(BROKEN, "reversed"), "unknown field 'reversed'; did you mean 'reverse'?"),
        (_line(BROKEN, "method: summ"), "'summ' is not one of ['sum', 'mean', 'weighted']"),
        (_line(BROKEN, "subscale: totl"), "'totl' is not a subscale in scoring.subscales"),
        (_line(BROKEN, "number: 4"), "Item numbering has a gap: there is no item 3"),
        (_line(BROKEN, "labels:"), "Scale point 3 has no label"),
    }


def test_a_gap_does_not_hide_what_the_scoring_rules_find():
    data = _labelled()
    data["items"][5]["number"] = 8
    data["scoring"]["subscales"][0]["bands"] = [{"min": 4, "max": 15, "label": "All"}]
    messages = [p.message for p in _problems(as_yaml(data))]
    assert messages == [
        "Item numbering has a gap: there are no items 6 and 7",
        "bands must cover the whole score range 3 to 15",
        "cite the source of the bands",
    ]


def test_problems_are_listed_in_the_order_of_their_lines():
    lines = [problem.line for problem in _problems(BROKEN)]
    assert lines == sorted(lines)


def test_no_suggestion_for_a_key_that_is_only_vaguely_alike():
    """'questions' once suggested 'version' (a field the file already had)."""
    text = BROKEN.replace("items:", "questions:")
    problems = {p.path: p for p in _problems(text)}
    assert problems["questions"].message == "unknown field 'questions'"
    assert problems["questions"].line == _line(text, "questions:")
    assert problems[""].message == "missing required field 'items'"
    assert problems[""].line is None  # a missing field has no line of its own


def _labelled(**changes):
    """The test scale (labelled at 1 only) marked as labelling only its anchors."""
    data = custom_definition(**changes)
    data["scale"]["anchors_only"] = True
    return data


def test_a_close_match_is_not_suggested_when_the_file_has_that_field_already():
    data = _labelled()
    data["items"][0]["reverse"] = False
    data["items"][0]["reversed"] = True
    (problem,) = _problems(as_yaml(data))
    assert problem.message == "unknown field 'reversed'"


def test_a_json_file_indented_with_tabs_keeps_its_line_numbers():
    """YAML, which maps fields to lines, refuses tab indentation: such files had no lines."""
    data = _labelled()
    data["items"][3]["reverse"] = "yes"
    text = json.dumps(data, indent="\t")
    (problem,) = _problems(text, "mine.json")
    assert problem.path == "items[3].reverse"
    assert text.splitlines()[problem.line - 1].strip() == '"reverse": "yes"'


def test_a_gap_of_several_items_is_named_as_a_range():
    data = _labelled()
    data["items"][3]["number"] = 9
    data["items"][4]["number"] = 10
    data["items"][5]["number"] = 11
    (problem,) = _problems(as_yaml(data))
    assert problem.message == "Item numbering has a gap: there are no items 4 to 8"
    assert problem.path == "items[3].number"


def test_items_may_be_listed_in_any_order_if_their_numbers_have_no_gap():
    data = _labelled()
    data["items"].reverse()
    (definition,) = loader.load_bytes(as_yaml(data).encode(), "mine.yaml")
    assert [item["number"] for item in definition["items"]] == [6, 5, 4, 3, 2, 1]


def test_unlabelled_points_are_named_and_a_wide_gap_is_not_listed_point_by_point():
    data = custom_definition()  # a 1-5 scale labelled at 1 only
    messages = [p.message for p in _problems(as_yaml(data))]
    assert messages == ["Scale points 2 to 5 have no label"]
    data["scale"] = {"min": 0, "max": 10**9, "labels": [{"value": 0, "label": "None"}]}
    messages = [p.message for p in _problems(as_yaml(data))]
    assert messages == [f"Scale points 1 to {10**9} have no label"]


def test_an_item_scale_without_labels_is_refused_at_its_line():
    data = _labelled()
    data["items"][2]["scale"] = {
        "min": 1,
        "max": 5,
        "labels": [{"value": n, "label": f"{n} of 5"} for n in (1, 2, 4, 5)],
    }
    text = as_yaml(data)
    (problem,) = _problems(text)
    assert (problem.path, problem.message) == (
        "items[2].scale.labels",
        "Scale point 3 has no label",
    )
    assert text.splitlines()[problem.line - 1].strip() == "labels:"


def test_a_scale_that_labels_only_its_anchors_says_so():
    data = _labelled()
    (definition,) = loader.load_bytes(as_yaml(data).encode(), "mine.yaml")
    assert definition["scale"]["anchors_only"] is True


def test_the_shipped_library_keeps_its_published_anchors():
    """ECR-R labels 1, 4 and 7 as published: the hand-written-file rules are for uploads."""
    (ecr_r,) = [d for d in loader.load_directory() if d["code"] == "ecr-r"]
    assert [label["value"] for label in ecr_r["scale"]["labels"]] == [1, 4, 7]


def test_the_template_file_passes_every_rule_and_explains_itself():
    text = TEMPLATE.read_text(encoding="utf-8")
    (definition,) = loader.load_bytes(text.encode(), TEMPLATE.name)
    assert definition["scoring"]["subscales"]
    assert text.count("\n#") >= 10  # commented for a first-time author


# --- The upload page ----------------------------------------------------------------------------


def test_the_upload_page_lists_every_problem_with_its_line(as_alice):
    response = as_alice.post("/instruments/upload/", {"file": upload(BROKEN, "mine.yaml")})
    assert response.status_code == 400
    page = response.content.decode()
    assert "5 problems" in page
    for fragment in ("reversed", "method: summ", "subscale: totl", "number: 4", "labels:"):
        assert f"<strong>Line {_line(BROKEN, fragment)}</strong>" in page
    assert "Scale point 3 has no label" in page
    assert "Item numbering has a gap: there is no item 3" in page


def test_the_upload_page_links_the_template(as_alice):
    page = as_alice.get("/instruments/upload/").content.decode()
    (href,) = re.findall(r'<a href="([^"]+)" download>', page)
    assert href.endswith("assessments/custom-instrument-template.yaml")


# --- Whatever a file holds, the answer is a list of problems ------------------------------------

_ODD_VALUES = [None, 0, 1, -1, 99, 2.5, "", "x", "a", [], {}, True, [1], {"a": 1}, 10**12]


def _paths(node, path=()):
    yield path
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in children:
        yield from _paths(child, (*path, key))


@settings(max_examples=150, deadline=None)
@given(st.randoms(use_true_random=False), st.booleans())
def test_a_mangled_file_gives_problems_never_another_error(rnd, rq_shaped):
    """Values deleted, duplicated or replaced anywhere (the upload page answers an error other
    than InstrumentFileError with a 500)."""
    data = copy.deepcopy(_RQ if rq_shaped else custom_definition())
    for _ in range(rnd.randint(1, 3)):
        path = rnd.choice([p for p in _paths(data) if p])
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        if rnd.random() < 0.3 and isinstance(parent, dict):
            del parent[path[-1]]
        elif rnd.random() < 0.2 and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        else:
            parent[path[-1]] = copy.deepcopy(rnd.choice(_ODD_VALUES))
    try:
        loader.load_bytes(json.dumps(data).encode(), "mangled.json")
    except loader.InstrumentFileError as error:
        assert error.problems
