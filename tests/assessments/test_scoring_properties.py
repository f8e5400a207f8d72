"""Properties that hold for every shipped instrument and any answers (hypothesis)."""

import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments import scoring
from assessments.scoring import AnswerError, reliable_change, score
from tests.assessments.helpers import shipped, shipped_codes

SCORED = [code for code in shipped_codes() if "scoring" in shipped(code)]
DEFINITIONS = {code: shipped(code) for code in SCORED}
QUADRANT = [code for code in SCORED if DEFINITIONS[code].get("classification")]


def choice_items(definition):
    return [item for item in definition["items"] if item["type"] == "choice"]


@st.composite
def complete_answers(draw, code):
    definition = DEFINITIONS[code]
    return {
        item["number"]: draw(
            st.integers(
                scoring.item_scale(definition, item)["min"],
                scoring.item_scale(definition, item)["max"],
            )
        )
        for item in choice_items(definition)
    }


def answers_for_any_instrument():
    return st.sampled_from(SCORED).flatmap(
        lambda code: st.tuples(st.just(code), complete_answers(code))
    )


@settings(max_examples=300)
@given(answers_for_any_instrument())
def test_scores_stay_within_the_scale(case):
    code, answers = case
    definition = DEFINITIONS[code]
    result = score(definition, answers)
    assert result["status"] == "complete"
    for key, subscale in result["subscales"].items():
        low, high = subscale["range"]
        assert low <= subscale["score"] <= high, (key, subscale)
        if subscale["method"] == "sum":
            assert isinstance(subscale["score"], int)
        if DEFINITIONS[code]["scoring"]["subscales"][0].get("bands"):
            assert subscale["band"] is not None


def flipped(definition, answers):
    """Every answer mirrored on its scale: x -> min + max - x."""
    out = {}
    for number, value in answers.items():
        item = next(i for i in definition["items"] if i["number"] == number)
        scale = scoring.item_scale(definition, item)
        out[number] = scale["min"] + scale["max"] - value
    return out


@settings(max_examples=300)
@given(answers_for_any_instrument())
def test_reverse_keying_is_symmetric(case):
    """Mirroring every answer mirrors every subscale score within its range, whichever items are
    reverse-keyed, and mirroring twice gives the original answers back."""
    code, answers = case
    definition = DEFINITIONS[code]
    original = score(definition, answers)
    mirrored = score(definition, flipped(definition, answers))
    for key, subscale in original["subscales"].items():
        low, high = subscale["range"]
        assert Fraction(mirrored["subscales"][key]["score"]).limit_denominator(1000) == (
            Fraction(low + high) - Fraction(subscale["score"]).limit_denominator(1000)
        )
    assert flipped(definition, flipped(definition, answers)) == answers


@settings(max_examples=200)
@given(answers_for_any_instrument(), st.randoms(use_true_random=False))
def test_storage_order_does_not_matter(case, rng):
    code, answers = case
    definition = DEFINITIONS[code]
    pairs = list(answers.items())
    rng.shuffle(pairs)
    shuffled = dict(pairs)
    as_strings = {str(number): str(value) for number, value in reversed(pairs)}
    reordered = dict(definition, items=rng.sample(definition["items"], len(definition["items"])))
    expected = score(definition, answers)
    assert score(definition, shuffled) == expected
    assert score(definition, as_strings) == expected
    assert score(reordered, answers) == expected  # item order in the file does not matter either


@settings(max_examples=300)
@given(
    st.floats(-50, 50, allow_nan=False),
    st.floats(-50, 50, allow_nan=False),
    st.floats(0.01, 0.99),
    st.floats(0.1, 20),
    st.sampled_from(["lower", "higher"]),
)
def test_rci_is_antisymmetric(x1, x2, reliability, sd, better):
    forward = reliable_change(x1, x2, reliability=reliability, sd=sd, better=better)
    backward = reliable_change(x2, x1, reliability=reliability, sd=sd, better=better)
    assert forward["rci"] == pytest.approx(-backward["rci"])
    assert forward["reliable"] == backward["reliable"] or abs(abs(forward["rci"]) - 1.96) < 1e-9
    swapped = {"improved": "deteriorated", "deteriorated": "improved"}
    if forward["reliable"] and backward["reliable"]:
        assert backward["label"] == swapped[forward["label"]]
    if not forward["reliable"]:
        assert forward["label"] == "no reliable change"


@settings(max_examples=300)
@given(
    st.sampled_from(QUADRANT).flatmap(lambda code: st.tuples(st.just(code), complete_answers(code)))
)
def test_classification_is_consistent_with_the_subscale_scores(case):
    code, answers = case
    definition = DEFINITIONS[code]
    result = score(definition, answers)
    style = result["style"]
    dims = definition["classification"]["dimensions"]
    anxiety = result["subscales"][dims["anxiety"]]["score"]
    avoidance = result["subscales"][dims["avoidance"]]["score"]
    split = definition["classification"]["midpoint"]
    # The dimensions shown are exactly the subscale scores.
    assert style["dimensions"]["anxiety"]["score"] == anxiety
    assert style["dimensions"]["avoidance"]["score"] == avoidance
    exact_anx = Fraction(anxiety).limit_denominator(1000)
    exact_avo = Fraction(avoidance).limit_denominator(1000)
    if exact_anx == split["anxiety"] or exact_avo == split["avoidance"]:
        assert style["quadrant"] is None and style["status"] == "unclassified"
        return
    expected = scoring.QUADRANTS[(exact_anx > split["anxiety"], exact_avo > split["avoidance"])]
    assert style["quadrant"] == expected
    assert (style["quadrant"] == "secure") == (
        exact_anx < split["anxiety"] and exact_avo < split["avoidance"]
    )


@settings(max_examples=200)
@given(
    answers_for_any_instrument(),
    st.integers(0, 1000),
    st.one_of(st.integers(-100, -1), st.integers(1, 100)),
)
def test_out_of_range_answers_are_always_rejected(case, pick, beyond):
    code, answers = case
    definition = DEFINITIONS[code]
    item = choice_items(definition)[pick % len(choice_items(definition))]
    scale = scoring.item_scale(definition, item)
    bad = scale["min"] + beyond if beyond < 0 else scale["max"] + beyond
    with pytest.raises(AnswerError, match=f"item {item['number']}: {bad} is outside the scale"):
        score(definition, {**answers, item["number"]: bad})


@settings(max_examples=200)
@given(answers_for_any_instrument(), st.data())
def test_a_missing_scored_answer_never_yields_a_number_for_its_subscale(case, data):
    code, answers = case
    definition = DEFINITIONS[code]
    scored = [item for item in definition["items"] if item.get("subscale")]
    item = data.draw(st.sampled_from(scored))
    del answers[item["number"]]
    result = score(definition, answers)
    assert result["status"] == "incomplete"
    assert result["subscales"][item["subscale"]]["score"] is None


def test_scoring_is_deterministic_and_fast():
    definition = DEFINITIONS["ecr-r"]
    rng = random.Random(4)
    answers = {n: rng.randint(1, 7) for n in range(1, 37)}
    first = score(definition, answers)
    import time

    started = time.perf_counter()
    for _ in range(200):
        assert score(definition, answers) == first
    assert time.perf_counter() - started < 2.0  # well under 10 ms per 36-item administration
