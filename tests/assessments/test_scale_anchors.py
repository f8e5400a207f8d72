"""The shipped ECR-R and ECR-RS answer scales are labelled at their anchors, as published, and
say so (issue 16): the same rule holds for the library and for uploads, and the client's form
tells the client which answers have words.

The published format is decided from the verified reference (``reference/ecr-r.json``,
``reference/ecr-rs.json``): only 1, 4 and 7 (ECR-R) and 1 and 7 (ECR-RS) carry verified words;
a full seven-label wording is a single unverified source, so no label is invented."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from assessments import loader
from assessments.forms import QuestionnairePageForm, anchors_key
from tests.assessments.helpers import as_yaml
from tests.assessments.test_client_form import _no_broker, ecr_r_pages  # noqa: F401

REFERENCE = Path(__file__).parent / "reference"
SHIPPED = sorted(loader.INSTRUMENTS_DIR.glob("*.yaml"))


def _shipped(name: str) -> dict:
    data, _ = loader.parse_text((loader.INSTRUMENTS_DIR / name).read_text(), name)
    return data


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_every_shipped_file_passes_the_upload_rules(path):
    """A shipped file would be accepted as an upload: each scale labels every point or says it
    labels only its anchors."""
    assert loader.load_text(path.read_text(), path.name, uploaded=True)


@pytest.mark.parametrize(
    ("name", "reference"), [("ecr-r.yaml", "ecr-r"), ("ecr-rs.yaml", "ecr-rs")]
)
def test_the_ecr_scales_are_anchors_only_with_the_published_labels(name, reference):
    published = json.loads((REFERENCE / f"{reference}.json").read_text())["scale"]
    scale = _shipped(name)["scale"]
    assert scale["anchors_only"] is True
    assert {str(label["value"]): label["label"] for label in scale["labels"]} == published["labels"]
    assert (scale["min"], scale["max"]) == (published["min"], published["max"])
    assert f"shared/reference/instruments/{reference}.json" in scale["note"]  # the source


def test_without_saying_so_the_ecr_r_scale_is_refused_as_an_upload():
    data = copy.deepcopy(_shipped("ecr-r.yaml"))
    del data["scale"]["anchors_only"]
    with pytest.raises(loader.InstrumentFileError) as caught:
        loader.load_text(as_yaml(data), "ecr-r.yaml", uploaded=True)
    assert [p.message for p in caught.value.problems] == [
        "Scale points 2 and 3 have no label",
        "Scale points 5 and 6 have no label",
    ]


def test_the_form_shows_numbers_and_a_key_for_an_anchors_only_scale():
    (definition,) = loader.load_text(
        (loader.INSTRUMENTS_DIR / "ecr-rs.yaml").read_text(), "ecr-rs.yaml"
    )[:1]
    form = QuestionnairePageForm(
        questions=definition["items"][:2], definition=definition, require_answers=True
    )
    assert form.scale_keys == [anchors_key(definition["scale"])]  # once for two questions
    assert (
        "Only some answers have words: 1 Strongly disagree, 7 Strongly agree."
        in (form.scale_keys[0])
    )
    options = form.rows()[0]["options"]
    assert [o["number"] for o in options] == [str(v) for v in range(1, 8)]  # labelled ones too


@pytest.mark.django_db
def test_the_client_reads_which_answers_have_words(erin):
    first, second = ecr_r_pages(erin, 1, 2)
    for html in (first, second):
        (key,) = re.findall(r'<p class="q-scale-key">(.*?)</p>', html, re.S)
        assert "Answer from 1 to 7." in key
        assert "1 Strongly disagree, 4 Neutral/mixed, 7 Strongly agree" in key


@pytest.mark.django_db
def test_the_instrument_page_says_the_scale_is_labelled_at_its_anchors(as_alice):
    html = as_alice.get(reverse("assessments:detail", args=["ecr-rs-mother"])).content.decode()
    assert "1 = Strongly disagree; 7 = Strongly agree. Labelled at its anchors only" in html
    assert "Points 2 to 6 are answered by their number." in html  # the file's cited note
