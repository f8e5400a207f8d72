"""Hand-checked cases for every shipped instrument. The arithmetic is written out beside each
case so a reader can check it against the published key without running anything."""

from fractions import Fraction

import pytest

from assessments import scoring
from assessments.scoring import AnswerError, score
from tests.assessments.helpers import load_custom, shipped

ECR_R_REVERSED = {9, 11, 20, 22, 26, 27, 28, 29, 30, 31, 33, 34, 35, 36}
ECR_RS_REVERSED = {1, 2, 3, 4}


def phq(total: int, item9: int = 0) -> dict:
    """PHQ-9 answers with the given total, item 9 fixed, items 1-8 filled with 3s first."""
    answers, left = {}, total - item9
    for number in range(1, 9):
        answers[number] = min(3, left)
        left -= answers[number]
    assert left == 0
    answers[9] = item9
    return answers


def gad(total: int) -> dict:
    answers, left = {}, total
    for number in range(1, 8):
        answers[number] = min(3, left)
        left -= answers[number]
    assert left == 0
    return answers


# --- PHQ-9 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band", "clinical"),
    [
        (0, "None-minimal", False),
        (4, "None-minimal", False),
        (5, "Mild", False),
        (9, "Mild", False),
        (10, "Moderate", True),
        (14, "Moderate", True),
        (15, "Moderately severe", True),
        (19, "Moderately severe", True),
        (20, "Severe", True),
        (24, "Severe", True),
    ],
)
def test_phq9_band_boundaries(total, band, clinical):
    result = score(shipped("phq-9"), phq(total))
    assert result["status"] == "complete"
    assert (result["total"], result["band"]) == (total, band)
    assert result["subscales"]["total"]["clinical"] is clinical
    assert result["alerts"] == []


def test_phq9_all_minimum_and_all_maximum():
    low = score(shipped("phq-9"), [0] * 9)
    assert (low["total"], low["band"], low["alerts"]) == (0, "None-minimal", [])
    high = score(shipped("phq-9"), [3] * 9)  # 9 x 3 = 27
    assert (high["total"], high["band"]) == (27, "Severe")
    assert [alert["key"] for alert in high["alerts"]] == ["item-9-safety"]


def test_phq9_scale_midpoints():
    # Items alternate 1 and 2 (the two middle options): 1+2+1+2+1+2+1+2+1 = 13.
    result = score(shipped("phq-9"), [1, 2, 1, 2, 1, 2, 1, 2, 1])
    assert (result["total"], result["band"]) == (13, "Moderate")


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_phq9_item_9_above_zero_alerts_whatever_the_total(item9):
    result = score(shipped("phq-9"), phq(item9, item9=item9))
    assert result["total"] == item9
    assert result["band"] == "None-minimal"
    (alert,) = result["alerts"]
    assert (alert["key"], alert["item"], alert["value"]) == ("item-9-safety", 9, item9)
    assert "suicide risk" in alert["message"]


def test_phq9_item_9_at_zero_does_not_alert_even_when_severe():
    result = score(shipped("phq-9"), phq(24, item9=0))  # 8 x 3 = 24
    assert (result["band"], result["alerts"]) == ("Severe", [])


def test_phq9_missing_item_makes_the_total_incomplete_not_smaller():
    answers = phq(12)
    del answers[4]
    result = score(shipped("phq-9"), answers)
    assert result["status"] == "incomplete"
    assert (result["total"], result["band"]) == (None, None)
    assert result["subscales"]["total"]["missing_items"] == [4]
    assert result["missing_required_items"] == [4]


def test_phq9_missing_item_9_is_reported_as_an_unchecked_alert():
    answers = phq(8)
    del answers[9]
    result = score(shipped("phq-9"), answers)
    assert result["alerts"] == []
    assert result["unchecked_alerts"] == [
        {"key": "item-9-safety", "item": 9, "reason": "item 9 was not answered"}
    ]


def test_phq9_functional_question_is_stored_but_never_scored():
    without = score(shipped("phq-9"), phq(11))
    with_it = score(shipped("phq-9"), {**phq(11), 10: 3})
    assert without["total"] == with_it["total"] == 11
    assert with_it["status"] == "complete"
    with pytest.raises(AnswerError, match="item 10: 4 is outside the scale 0 to 3"):
        score(shipped("phq-9"), {**phq(11), 10: 4})


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({1: 4}, "item 1: 4 is outside the scale 0 to 3"),
        ({1: -1}, "item 1: -1 is outside the scale 0 to 3"),
        ({1: 1.5}, "item 1 needs a whole number from 0 to 3, not 1.5"),
        ({1: True}, "item 1 needs a whole number from 0 to 3, not True"),
        ({1: "often"}, "item 1 needs a whole number from 0 to 3, not 'often'"),
        ({12: 1}, "PHQ-9 has no item 12"),
        ([0] * 11, "11 answers given, but PHQ-9 has 10 items"),
    ],
)
def test_phq9_out_of_range_and_malformed_answers_are_rejected(answers, message):
    with pytest.raises(AnswerError) as caught:
        score(shipped("phq-9"), answers)
    assert message in str(caught.value)


def test_answers_may_be_keyed_by_digit_strings_or_given_in_order():
    by_number = score(shipped("phq-9"), dict.fromkeys(range(1, 10), 1))
    by_string = score(shipped("phq-9"), {str(n): "1" for n in range(1, 10)})
    in_order = score(shipped("phq-9"), [1] * 9)
    assert by_number == by_string == in_order
    with pytest.raises(AnswerError, match="answered twice"):
        score(shipped("phq-9"), {1: 1, "1": 1})


# --- GAD-7 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band", "clinical"),
    [
        (0, "Minimal", False),
        (4, "Minimal", False),
        (5, "Mild", False),
        (9, "Mild", False),
        (10, "Moderate", True),
        (14, "Moderate", True),
        (15, "Severe", True),
        (21, "Severe", True),
    ],
)
def test_gad7_band_boundaries(total, band, clinical):
    result = score(shipped("gad-7"), gad(total))
    assert (result["status"], result["total"], result["band"]) == ("complete", total, band)
    assert result["subscales"]["total"]["clinical"] is clinical
    assert result["alerts"] == result["unchecked_alerts"] == []


def test_gad7_minimum_maximum_midpoint_and_missing():
    assert score(shipped("gad-7"), [0] * 7)["total"] == 0
    assert score(shipped("gad-7"), [3] * 7)["total"] == 21
    # 1+2+1+2+1+2+1 = 10
    assert score(shipped("gad-7"), [1, 2, 1, 2, 1, 2, 1])["band"] == "Moderate"
    missing = score(shipped("gad-7"), [1, 1, 1, None, 1, 1, 1])
    assert (missing["status"], missing["total"]) == ("incomplete", None)
    with pytest.raises(AnswerError, match="item 3: 7 is outside the scale 0 to 3"):
        score(shipped("gad-7"), [0, 0, 7])


# --- ECR-R -------------------------------------------------------------------------------------


def ecr_r(default: int, **overrides) -> dict:
    answers = dict.fromkeys(range(1, 37), default)
    answers.update({int(k.removeprefix("i")): v for k, v in overrides.items()})
    return answers


def extreme_ecr_r(low: bool) -> dict:
    """Answers that key to 1 on every item (low=True) or to 7 on every item."""
    keyed = 1 if low else 7
    return {n: (8 - keyed if n in ECR_R_REVERSED else keyed) for n in range(1, 37)}


@pytest.mark.parametrize(
    ("answers", "anxiety", "avoidance", "style"),
    [
        # All 1s: anxiety = (16 x 1 + 2 x 7) / 18 = 30/18; avoidance = (6 x 1 + 12 x 7) / 18 = 5.
        (ecr_r(1), Fraction(30, 18), Fraction(5), "dismissive-avoidant"),
        # All 7s: anxiety = (16 x 7 + 2 x 1) / 18 = 114/18; avoidance = (6 x 7 + 12 x 1) / 18 = 3.
        (ecr_r(7), Fraction(114, 18), Fraction(3), "anxious-preoccupied"),
        # Keyed to the ends of the scale.
        (extreme_ecr_r(low=True), Fraction(1), Fraction(1), "secure"),
        (extreme_ecr_r(low=False), Fraction(7), Fraction(7), "fearful-avoidant"),
        # All 4s: 4 and 4, exactly on both split points.
        (ecr_r(4), Fraction(4), Fraction(4), None),
        # Item 9 is reverse-keyed: answering 1 counts 7, so (17 x 4 + 7) / 18 = 75/18, above 4.
        # Unreversed it would be 69/18, below 4: the key changes the quadrant.
        (ecr_r(4, i9=1, i19=1), Fraction(75, 18), Fraction(69, 18), "anxious-preoccupied"),
        # Item 20 is reverse-keyed: answering 1 counts 7: avoidance (17 x 4 + 7) / 18 = 75/18.
        (ecr_r(4, i20=1, i1=1), Fraction(69, 18), Fraction(75, 18), "dismissive-avoidant"),
    ],
)
def test_ecr_r_hand_checked(answers, anxiety, avoidance, style):
    result = score(shipped("ecr-r"), answers)
    assert result["subscales"]["anxiety"]["score"] == float(anxiety)
    assert result["subscales"]["avoidance"]["score"] == float(avoidance)
    assert result["total"] is None and result["band"] is None  # no total, no bands
    assert result["style"]["quadrant"] == style
    assert next(iter(result["style"])) == "dimensions"  # the dimensions come first


def test_ecr_r_scores_on_the_split_are_left_unclassified_and_say_why():
    # Anxiety exactly 4 (all 4s), avoidance low (keyed 1s): no quadrant is named.
    answers = ecr_r(4)
    answers.update({n: (7 if n in ECR_R_REVERSED else 1) for n in range(19, 37)})
    style = score(shipped("ecr-r"), answers)["style"]
    assert style["dimensions"]["anxiety"]["position"] == "on_split"
    assert style["dimensions"]["avoidance"]["position"] == "low"
    assert (style["quadrant"], style["status"]) == (None, "unclassified")
    assert "anxiety is exactly on the split point" in style["reason"]
    assert style["rule"] == "midpoint"


def test_ecr_r_missing_answer_makes_that_dimension_incomplete():
    answers = ecr_r(2)
    del answers[30]
    result = score(shipped("ecr-r"), answers)
    assert result["status"] == "incomplete"
    assert result["subscales"]["avoidance"]["score"] is None
    assert result["subscales"]["anxiety"]["score"] == float(Fraction(16 * 2 + 2 * 6, 18))
    assert result["style"]["status"] == "incomplete"


def test_ecr_r_rejects_answers_off_the_seven_point_scale():
    with pytest.raises(AnswerError, match="item 36: 0 is outside the scale 1 to 7"):
        score(shipped("ecr-r"), ecr_r(4, i36=0))
    with pytest.raises(AnswerError, match="item 1: 8 is outside the scale 1 to 7"):
        score(shipped("ecr-r"), ecr_r(4, i1=8))


# --- ECR-RS (every domain scores the same way) -------------------------------------------------

ECR_RS_DOMAINS = ["ecr-rs-mother", "ecr-rs-father", "ecr-rs-partner", "ecr-rs-best-friend"]


@pytest.mark.parametrize("code", ECR_RS_DOMAINS)
@pytest.mark.parametrize(
    ("answers", "avoidance", "anxiety", "style"),
    [
        # All 1s: avoidance = (4 x 7 + 2 x 1) / 6 = 5; anxiety = 1.
        ([1] * 9, Fraction(5), Fraction(1), "dismissive-avoidant"),
        # All 7s: avoidance = (4 x 1 + 2 x 7) / 6 = 3; anxiety = 7.
        ([7] * 9, Fraction(3), Fraction(7), "anxious-preoccupied"),
        ([7, 7, 7, 7, 1, 1, 1, 1, 1], Fraction(1), Fraction(1), "secure"),
        ([1, 1, 1, 1, 7, 7, 7, 7, 7], Fraction(7), Fraction(7), "fearful-avoidant"),
        # All 4s: both exactly on the split.
        ([4] * 9, Fraction(4), Fraction(4), None),
        # Item 1 reversed: answering 7 counts 1, (1 + 5 x 4) / 6 = 21/6 (low); unreversed it would
        # be 27/6 (high). Anxiety (4 + 4 + 6) / 3 = 14/3.
        ([7, 4, 4, 4, 4, 4, 4, 4, 6], Fraction(21, 6), Fraction(14, 3), "anxious-preoccupied"),
    ],
)
def test_ecr_rs_hand_checked(code, answers, avoidance, anxiety, style):
    result = score(shipped(code), answers)
    assert result["subscales"]["avoidance"]["score"] == float(avoidance)
    assert result["subscales"]["anxiety"]["score"] == float(anxiety)
    assert result["style"]["quadrant"] == style


def test_ecr_rs_missing_anxiety_item_is_incomplete():
    result = score(shipped("ecr-rs-partner"), [4, 4, 4, 4, 4, 4, 4, 4, None])
    assert result["subscales"]["anxiety"]["status"] == "incomplete"
    assert result["subscales"]["avoidance"]["score"] == 4.0


# --- Limiting beliefs worksheet ----------------------------------------------------------------


def test_limiting_beliefs_worksheet_is_complete_when_all_three_are_written():
    definition = shipped("limiting-beliefs")
    done = score(definition, ["I must never fail.", "I passed my exams.", "I can fail and learn."])
    assert done["status"] == "complete"
    assert (done["subscales"], done["total"], done["style"], done["alerts"]) == ({}, None, None, [])
    blank = score(definition, {1: "A belief", 2: "   ", 3: ""})
    assert (blank["status"], blank["missing_required_items"]) == ("incomplete", [2, 3])
    with pytest.raises(AnswerError, match="item 1 takes text"):
        score(definition, {1: 3})
    with pytest.raises(AnswerError, match="longer than 2000"):
        score(definition, {1: "x" * 2001})


def test_results_never_echo_free_text():
    result = score(shipped("limiting-beliefs"), ["secret belief", "evidence", "balance"])
    assert "secret" not in repr(result)


# --- Engine rules on small custom definitions --------------------------------------------------


def test_prorating_only_where_the_file_allows_it():
    definition = load_custom(
        scoring={
            "subscales": [
                {
                    "key": "a",
                    "label": "A",
                    "method": "sum",
                    "better": "lower",
                    "missing": {"max_missing_items": 1, "prorate": True, "source": "Authors."},
                },
                {
                    "key": "b",
                    "label": "B",
                    "method": "mean",
                    "better": "higher",
                    "missing": {"max_missing_items": 1, "prorate": True, "source": "Authors."},
                },
            ]
        }
    )
    # a: items 1, (2 reversed), 3 on 1-5. Item 3 missing: (2 + (6 - 4)) x 3 / 2 = 6, prorated.
    # b: items 4, 5, 6. Item 6 missing: mean(5, 4) = 4.5.
    result = score(definition, {1: 2, 2: 4, 4: 5, 5: 4})
    assert result["subscales"]["a"]["score"] == 6
    assert result["subscales"]["a"]["prorated"] is True
    assert result["subscales"]["b"]["score"] == 4.5
    # Two missing is beyond the rule: incomplete.
    assert score(definition, {1: 2, 4: 5, 5: 4})["subscales"]["a"]["status"] == "incomplete"


def test_prorated_score_between_bands_belongs_to_the_lower_band():
    subscale = {
        "bands": [{"min": 0, "max": 9, "label": "Low"}, {"min": 10, "max": 20, "label": "High"}]
    }
    assert scoring.band_for(subscale, Fraction(19, 2)) == "Low"
    assert scoring.band_for(subscale, Fraction(10)) == "High"


def test_subscale_alert_and_unchecked_alert():
    definition = load_custom(
        alerts=[
            {"key": "high-a", "subscale": "a", "operator": ">=", "value": 12, "message": "High A"}
        ]
    )
    raised = score(definition, {1: 5, 2: 1, 3: 2, 4: 1, 5: 1, 6: 1})  # 5 + 5 + 2 = 12
    assert [alert["key"] for alert in raised["alerts"]] == ["high-a"]
    assert score(definition, {1: 5, 2: 2, 3: 2, 4: 1, 5: 1, 6: 1})["alerts"] == []  # 11
    unchecked = score(definition, {4: 1})
    assert unchecked["unchecked_alerts"][0]["key"] == "high-a"


def _quadrant_custom(on_split="unclassified", norm=None, default_rule="midpoint"):
    classification = {
        "method": "quadrant",
        "dimensions": {"anxiety": "b", "avoidance": "a"},
        "default_rule": default_rule,
        "midpoint": {"anxiety": 3, "avoidance": 9, "source": "Midpoint."},
        "on_split": on_split,
        "source": "Mapping.",
    }
    if norm:
        classification["norm"] = norm
    return load_custom(classification=classification)


@pytest.mark.parametrize(
    ("on_split", "quadrant"),
    [("unclassified", None), ("low", "secure"), ("high", "anxious-preoccupied")],
)
def test_the_file_decides_what_a_score_on_the_split_counts_as(on_split, quadrant):
    # b (anxiety) = mean(3, 3, 3) = 3, on the split; a (avoidance) = 1 + (6 - 5) + 1 = 3, low.
    result = score(_quadrant_custom(on_split), {1: 1, 2: 5, 3: 1, 4: 3, 5: 3, 6: 3})
    assert result["style"]["quadrant"] == quadrant


def test_norm_rule_uses_cited_norms_and_never_invents_them():
    answers = {1: 1, 2: 5, 3: 1, 4: 3, 5: 3, 6: 3}  # anxiety 3, avoidance 3
    without = score(_quadrant_custom(), answers, classification_rule="norm")
    assert without["style"]["status"] == "unavailable"
    assert "no cited norm means" in without["style"]["reason"]
    norms = {
        "anxiety": {"value": 2.5, "source": "Practice study"},
        "avoidance": {"value": 4, "source": "Practice study"},
    }
    with_norms = score(_quadrant_custom(), answers, classification_rule="norm", norms=norms)
    assert with_norms["style"]["quadrant"] == "anxious-preoccupied"  # 3 > 2.5, 3 < 4
    assert with_norms["style"]["rule"] == "norm"
    assert with_norms["style"]["rule_source"] == "Practice study"
    cited = {
        "anxiety": {"value": 3.5, "source": "Paper"},
        "avoidance": {"value": 5, "source": "Paper"},
    }
    from_file = score(_quadrant_custom(norm=cited, default_rule="norm"), answers)
    assert from_file["style"]["quadrant"] == "secure"  # 3 < 3.5, 3 < 5
    assert from_file["style"]["rule_source"] == "Paper"


def test_prototype_ratings_classify_by_the_highest_and_ties_stay_unclassified():
    data = {
        "scale": {"min": 1, "max": 7, "labels": [{"value": 1, "label": "Not at all like me"}]},
        "items": [
            {"number": 1, "text": "Prototype A", "subscale": "a"},
            {"number": 2, "text": "Prototype B", "subscale": "b"},
            {"number": 3, "text": "Prototype C", "subscale": "c"},
            {"number": 4, "text": "Prototype D", "subscale": "d"},
        ],
        "scoring": {
            "subscales": [
                {"key": k, "label": k.upper(), "method": "mean", "better": "higher"} for k in "abcd"
            ]
        },
        "classification": {
            "method": "prototype",
            "prototypes": {
                "secure": "a",
                "anxious-preoccupied": "b",
                "dismissive-avoidant": "c",
                "fearful-avoidant": "d",
            },
            "on_tie": "unclassified",
            "source": "The custom instrument's authors.",
        },
    }
    definition = load_custom(**data)
    assert score(definition, [2, 6, 3, 1])["style"]["quadrant"] == "anxious-preoccupied"
    tie = score(definition, [6, 6, 3, 1])["style"]
    assert (tie["quadrant"], tie["status"]) == (None, "unclassified")
    assert score(definition, [6, 6, 3])["style"]["status"] == "incomplete"
