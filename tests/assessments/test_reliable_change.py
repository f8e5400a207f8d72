"""Reliable change (Jacobson & Truax), where its numbers come from, clinically significant change
and earned security."""

import math

import pytest

from assessments import scoring
from assessments.scoring import compare, rci_parameters, reliable_change, score
from tests.assessments.helpers import shipped

ECR_R_REVERSED = {9, 11, 20, 22, 26, 27, 28, 29, 30, 31, 33, 34, 35, 36}


def test_rci_by_hand():
    # SD 5, r .84: SE_diff = 5 x sqrt(2) x sqrt(.16) = 5 x 1.41421 x 0.4 = 2.82843.
    result = reliable_change(16, 10, reliability=0.84, sd=5, better="lower")
    assert result["se_diff"] == pytest.approx(2.828427, abs=1e-6)
    assert result["rci"] == pytest.approx(-6 / 2.828427, abs=1e-6)  # -2.1213
    assert (result["reliable"], result["label"]) == (True, "improved")
    assert result["reliable_change_margin"] == pytest.approx(1.96 * 2.828427, abs=1e-6)
    # A 5-point drop is -1.77: within measurement error.
    assert reliable_change(16, 11, reliability=0.84, sd=5, better="lower")["label"] == (
        "no reliable change"
    )
    # The same rise is a deterioration where lower is better...
    assert (
        reliable_change(10, 16, reliability=0.84, sd=5, better="lower")["label"] == "deteriorated"
    )
    # ...and an improvement where higher is better.
    assert reliable_change(10, 16, reliability=0.84, sd=5, better="higher")["label"] == "improved"


def test_rci_threshold_is_strictly_above_the_critical_value():
    se_diff = 2 * math.sqrt(2) * math.sqrt(1 - 0.75)  # = sqrt(2)
    just_over = reliable_change(0, 1.961 * se_diff, reliability=0.75, sd=2, better="higher")
    just_under = reliable_change(0, 1.959 * se_diff, reliability=0.75, sd=2, better="higher")
    assert just_over["reliable"] and not just_under["reliable"]
    custom = reliable_change(
        0, 1.7 * se_diff, reliability=0.75, sd=2, better="higher", critical_value=1.645
    )
    assert custom["label"] == "improved"


@pytest.mark.parametrize(("reliability", "sd"), [(0, 5), (1, 5), (1.2, 5), (0.8, 0), (0.8, -1)])
def test_rci_refuses_impossible_parameters(reliability, sd):
    with pytest.raises(ValueError):
        reliable_change(1, 2, reliability=reliability, sd=sd, better="lower")


# --- Where reliability and SD come from -------------------------------------------------------

GAD_TOTAL = shipped("gad-7")["scoring"]["subscales"][0]
ECR_ANXIETY = shipped("ecr-r")["scoring"]["subscales"][0]


def test_practice_values_come_first():
    params = rci_parameters(
        GAD_TOTAL,
        practice_values={
            "reliability": {"value": 0.8, "source": "Practice's cited study"},
            "sd": {"value": 4.5, "source": "Practice's cited study"},
        },
        baseline_scores=[1.0] * 40,
    )
    assert params["available"]
    assert (params["reliability"]["value"], params["reliability"]["origin"]) == (0.8, "practice")
    assert (params["sd"]["value"], params["sd"]["origin"]) == (4.5, "practice")


def test_file_reliability_with_practice_baseline_sd_once_there_are_enough():
    baselines = [float(x % 15) for x in range(30)]
    params = rci_parameters(GAD_TOTAL, baseline_scores=baselines, min_baselines=30)
    assert params["available"]
    assert params["reliability"] == {
        "value": 0.83,
        "source": GAD_TOTAL["reliability"]["source"],
        "origin": "instrument",
    }
    assert params["sd"]["origin"] == "practice_baselines"
    assert params["sd"]["n"] == 30
    # 0..14 twice: mean 7, squared deviations 2 x 280 = 560, sample SD sqrt(560 / 29) = 4.3944.
    assert params["sd"]["value"] == pytest.approx(4.3944, abs=1e-4)


def test_too_few_baselines_means_not_available_and_says_why():
    params = rci_parameters(GAD_TOTAL, baseline_scores=[3.0, 9.0] * 10, min_baselines=30)
    assert not params["available"]
    assert "no cited standard deviation" in params["reason"]
    assert "20 baseline scores and needs 30" in params["reason"]


def test_shipped_ecr_has_no_cited_numbers_so_change_is_not_available():
    params = rci_parameters(ECR_ANXIETY, baseline_scores=[2.0, 3.0, 4.5] * 20)
    assert not params["available"]
    # Baseline SD exists, but there is no cited reliability to pair it with.
    assert params["reason"].startswith("no cited reliability coefficient for Anxiety")


def test_practice_reliability_plus_baseline_sd_makes_ecr_change_available():
    params = rci_parameters(
        ECR_ANXIETY,
        practice_values={"reliability": {"value": 0.85, "source": "Cited retest study"}},
        baseline_scores=[2.0, 3.0, 4.5] * 10,
    )
    assert params["available"]
    assert params["sd"]["origin"] == "practice_baselines"


def test_identical_baselines_give_no_sd():
    params = rci_parameters(GAD_TOTAL, baseline_scores=[5.0] * 30)
    assert "do not vary" in params["reason"]


# --- compare: labels, clinically significant change ---------------------------------------------


def _gad_params(sd=4.0):
    return {
        "total": rci_parameters(GAD_TOTAL, practice_values={"sd": {"value": sd, "source": "Study"}})
    }


def test_gad7_compare_labels_and_clinically_significant_change():
    definition = shipped("gad-7")
    before = score(definition, [3, 3, 3, 3, 2, 1, 0])  # 15
    after = score(definition, [1, 1, 1, 1, 1, 0, 0])  # 5
    # SE_diff = 4 x sqrt(2) x sqrt(.17) = 2.3324; RCI = -10 / 2.3324 = -4.29.
    change = compare(definition, before, after, _gad_params())
    total = change["subscales"]["total"]
    assert total["label"] == "improved"
    assert total["reliable_change"]["rci"] == pytest.approx(
        -10 / (4 * math.sqrt(2) * math.sqrt(0.17))
    )
    assert total["reliable_change"]["sd"]["source"] == "Study"
    assert total["clinically_significant"] == {
        "available": True,
        "clinical_before": True,
        "clinical_after": False,
        "significant": True,
        "cutoff": 10,
    }
    assert change["earned_security"] is None  # not an attachment instrument


def test_reliable_improvement_that_stays_clinical_is_not_clinically_significant():
    definition = shipped("gad-7")
    before = score(definition, [3] * 7)  # 21
    after = score(definition, [3, 3, 2, 2, 1, 1, 0])  # 12
    total = compare(definition, before, after, _gad_params())["subscales"]["total"]
    assert total["label"] == "improved"
    assert total["clinically_significant"]["significant"] is False


def test_compare_without_parameters_says_not_available_and_why():
    definition = shipped("phq-9")
    before, after = score(definition, [2] * 9), score(definition, [0] * 9)
    params = {"total": rci_parameters(definition["scoring"]["subscales"][0])}
    total = compare(definition, before, after, params)["subscales"]["total"]
    assert total["label"] == "reliable change not available"
    assert "no cited standard deviation" in total["reliable_change"]["reason"]
    assert total["clinically_significant"]["available"] is False


def test_compare_with_an_incomplete_administration():
    definition = shipped("gad-7")
    before, after = score(definition, [3] * 7), score(definition, [0] * 6)
    total = compare(definition, before, after, _gad_params())["subscales"]["total"]
    assert total["reliable_change"]["reason"] == "one of the two administrations is incomplete"


# --- Earned security ---------------------------------------------------------------------------


def ecr_answers(anxiety: int, avoidance: int) -> dict:
    """ECR-R answers keyed so both dimensions score exactly the given values."""
    answers = {}
    for number in range(1, 37):
        keyed = anxiety if number <= 18 else avoidance
        answers[number] = 8 - keyed if number in ECR_R_REVERSED else keyed
    return answers


ECR = shipped("ecr-r")


def ecr_params(sd=1.0, reliability=0.85):
    values = {
        "reliability": {"value": reliability, "source": "Cited study"},
        "sd": {"value": sd, "source": "Cited study"},
    }
    return {
        key: rci_parameters(subscale, practice_values=values)
        for key, subscale in ((s["key"], s) for s in ECR["scoring"]["subscales"])
    }


# SD 1, r .85: SE_diff = sqrt(2) x sqrt(.15) = 0.5477; a reliable change exceeds 1.96 x 0.5477 = 1.07.


@pytest.mark.parametrize(
    ("baseline", "latest", "params", "status", "reason"),
    [
        # Fearful (6, 6) to secure (2, 2): reliable improvement on both.
        ((6, 6), (2, 2), ecr_params(), "earned", "reliable improvement on anxiety and avoidance"),
        # Anxious (5, 3) to secure (3, 3): anxiety improved (-2), avoidance unchanged.
        ((5, 3), (3, 3), ecr_params(), "earned", "reliable improvement on anxiety"),
        # Dismissive (3, 5) to secure (3, 3): avoidance improved (-2), anxiety unchanged.
        ((3, 5), (3, 3), ecr_params(), "earned", "reliable improvement on avoidance"),
        # Anxious (5, 2) to secure (3, 3): anxiety improved, avoidance +1 is within error.
        ((5, 2), (3, 3), ecr_params(), "earned", "reliable improvement on anxiety"),
        # A small move across the split on both dimensions: no reliable change.
        ((5, 5), (3, 3), ecr_params(sd=2.0), "not_earned", "within measurement error"),
        # Secure at baseline: nothing to earn.
        ((2, 2), (1, 1), ecr_params(), "not_earned", "baseline is not in an insecure quadrant"),
        # Still insecure at the latest administration.
        ((6, 6), (2, 5), ecr_params(), "not_earned", "not in the secure quadrant"),
        # On the split at baseline: unclassified, so not insecure.
        ((4, 6), (2, 2), ecr_params(), "not_earned", "baseline is not in an insecure quadrant"),
        # Without cited numbers: the move is shown, not claimed.
        ((6, 6), (2, 2), {}, "quadrant_move_only", "not claimed to be reliable"),
    ],
)
def test_earned_security(baseline, latest, params, status, reason):
    before, after = score(ECR, ecr_answers(*baseline)), score(ECR, ecr_answers(*latest))
    verdict = compare(ECR, before, after, params)["earned_security"]
    assert verdict["status"] == status
    assert reason in verdict["reason"]


def test_reliable_worsening_on_the_other_dimension_blocks_earned_security():
    # Anxious-preoccupied (6, 1) to secure (2, 3): anxiety improves by 4, avoidance worsens by 2,
    # both reliable (threshold 1.07).
    before, after = score(ECR, ecr_answers(6, 1)), score(ECR, ecr_answers(2, 3))
    verdict = compare(ECR, before, after, ecr_params())["earned_security"]
    assert verdict["dimensions"] == {"anxiety": "improved", "avoidance": "deteriorated"}
    assert (verdict["status"], verdict["reason"]) == (
        "not_earned",
        "reliable worsening on avoidance",
    )


def test_partial_availability_shows_the_move_without_claiming_it():
    params = ecr_params()
    del params["avoidance"]
    before, after = score(ECR, ecr_answers(6, 6)), score(ECR, ecr_answers(2, 2))
    verdict = compare(ECR, before, after, params)["earned_security"]
    assert verdict["status"] == "quadrant_move_only"
    assert verdict["dimensions"]["anxiety"] == "improved"
    assert verdict["dimensions"]["avoidance"] == scoring.NOT_AVAILABLE


def test_the_critical_value_comes_from_the_file():
    definition = shipped("ecr-r")
    definition["reliable_change"]["critical_value"] = 5.0
    before, after = score(definition, ecr_answers(6, 6)), score(definition, ecr_answers(2, 2))
    verdict = compare(definition, before, after, ecr_params())["earned_security"]
    # -4 / 0.5477 = -7.3 is still reliable at 5; -2 would not be.
    assert verdict["status"] == "earned"
    before, after = score(definition, ecr_answers(5, 5)), score(definition, ecr_answers(3, 3))
    assert (
        compare(definition, before, after, ecr_params())["earned_security"]["status"]
        == "not_earned"
    )
