"""The scoring engine. Pure Python with no Django in it: definitions and answers in, plain
JSON-ready dictionaries out. Deterministic; everything an instrument means comes from its
definition (see ``assessments/loader.py`` and ``assessments/README.md``), never from its name.

- ``score(definition, answers)``: subscale scores, total, band, completeness, alerts and, for
  attachment instruments, the two dimensions and the style quadrant.
- ``reliable_change(...)``: the Jacobson-Truax reliable change index for one subscale.
- ``rci_parameters(...)``: which reliability and SD apply, or why none does.
- ``compare(...)``: change between two administrations, each labelled improved / no reliable
  change / deteriorated, clinically significant change, and earned security.

Scores are computed with exact fractions, so a mean of exactly 4 is 4 and sits exactly on a
split point of 4; they are returned as numbers (integers for whole sums, floats for means).
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Mapping, Sequence
from fractions import Fraction

STYLES = {
    "secure": "Secure",
    "anxious-preoccupied": "Anxious-preoccupied",
    "dismissive-avoidant": "Dismissive-avoidant",
    "fearful-avoidant": "Fearful-avoidant",
}
INSECURE_STYLES = ("anxious-preoccupied", "dismissive-avoidant", "fearful-avoidant")
# Bartholomew's four prototypes in the anxiety x avoidance plane: (anxiety high?, avoidance high?)
QUADRANTS = {
    (False, False): "secure",
    (True, False): "anxious-preoccupied",
    (False, True): "dismissive-avoidant",
    (True, True): "fearful-avoidant",
}
IMPROVED = "improved"
NO_RELIABLE_CHANGE = "no reliable change"
DETERIORATED = "deteriorated"
NOT_AVAILABLE = "reliable change not available"

_WHOLE_NUMBER = re.compile(r"^\s*[+-]?\d+\s*$")


class AnswerError(ValueError):
    """Answers that cannot be scored (unknown item, out of range, wrong type). Lists them all."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _exact(number) -> Fraction:
    return Fraction(str(number))


def _number(value: Fraction, method: str) -> int | float:
    """JSON-ready: whole sums as integers, everything else as floats."""
    if method == "sum" and value.denominator == 1:
        return int(value)
    return float(value)


def item_scale(definition: dict, item: dict) -> dict:
    return item.get("scale") or definition["scale"]


def _items(definition: dict) -> list[dict]:
    return definition["items"]


def _subscales(definition: dict) -> list[dict]:
    return definition.get("scoring", {}).get("subscales", [])


def _name(definition: dict) -> str:
    return definition.get("short_name") or definition["code"]


# --- Answers -----------------------------------------------------------------------------------


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def normalise_answers(definition: dict, answers) -> dict[int, int | str]:
    """Answers keyed by item number, checked against each item's type and scale.

    ``answers`` is a mapping of item number (int or digits) to answer, or a sequence in the
    definition's item order. ``None`` or an empty string is a missing answer. Choice answers are
    whole numbers (or strings of digits) within the item's scale; text answers are strings.
    Every problem is collected and raised together as ``AnswerError``.
    """
    items = _items(definition)
    by_number = {item["number"]: item for item in items}
    problems: list[str] = []
    pairs: list[tuple[object, object]]
    if isinstance(answers, Mapping):
        pairs = list(answers.items())
    elif isinstance(answers, Sequence) and not isinstance(answers, str | bytes):
        if len(answers) > len(items):
            raise AnswerError(
                [f"{len(answers)} answers given, but {_name(definition)} has {len(items)} items"]
            )
        pairs = [(item["number"], value) for item, value in zip(items, answers, strict=False)]
    else:
        raise AnswerError(["answers must be a mapping of item number to answer, or a list"])

    clean: dict[int, int | str] = {}
    for raw_key, value in pairs:
        number = raw_key
        if isinstance(raw_key, str) and _WHOLE_NUMBER.match(raw_key):
            number = int(raw_key)
        if isinstance(number, bool) or not isinstance(number, int) or number not in by_number:
            problems.append(f"{_name(definition)} has no item {raw_key!r}")
            continue
        if number in clean:
            problems.append(f"item {number} is answered twice")
            continue
        if _is_blank(value):
            continue
        item = by_number[number]
        if item["type"] == "text":
            if not isinstance(value, str):
                problems.append(f"item {number} takes text")
            elif len(value) > item.get("max_length", 2000):
                problems.append(f"item {number} is longer than {item['max_length']} characters")
            else:
                clean[number] = value
            continue
        scale = item_scale(definition, item)
        if isinstance(value, str) and _WHOLE_NUMBER.match(value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(
                f"item {number} needs a whole number from {scale['min']} to {scale['max']}, "
                f"not {value!r}"
            )
        elif not scale["min"] <= value <= scale["max"]:
            problems.append(
                f"item {number}: {value} is outside the scale {scale['min']} to {scale['max']}"
            )
        else:
            clean[number] = value
    if problems:
        raise AnswerError(problems)
    return clean


def keyed_value(definition: dict, item: dict, answer: int) -> int:
    """The answer as it counts towards the score: reverse-keyed items count min + max - answer."""
    if item.get("reverse"):
        scale = item_scale(definition, item)
        return scale["min"] + scale["max"] - answer
    return answer


# --- Subscales, bands, alerts ----------------------------------------------------------------


def subscale_range(definition: dict, subscale: dict) -> tuple[Fraction, Fraction]:
    members = [item for item in _items(definition) if item.get("subscale") == subscale["key"]]
    scale = item_scale(definition, members[0])
    if subscale["method"] == "mean":
        return Fraction(scale["min"]), Fraction(scale["max"])
    return Fraction(scale["min"] * len(members)), Fraction(scale["max"] * len(members))


def band_for(subscale: dict, value: Fraction) -> str | None:
    """The band whose lower bound is the highest one at or below ``value``.

    For whole-number scores this is exactly the published inclusive ranges (0-4, 5-9, ...); a
    prorated score falling between two ranges (9.5) belongs to the lower one.
    """
    found = None
    for band in subscale.get("bands") or []:
        if _exact(band["min"]) <= value:
            found = band["label"]
    return found


def is_clinical(cutoff: dict | None, value: float | Fraction | None) -> bool | None:
    """Whether ``value`` lies in the clinical range the cut-off defines (None without one)."""
    if cutoff is None or value is None:
        return None
    value = _exact(value)
    limit = _exact(cutoff["value"])
    return {
        "at_or_above": value >= limit,
        "above": value > limit,
        "at_or_below": value <= limit,
        "below": value < limit,
    }[cutoff["clinical_when"]]


def _score_subscale(
    definition: dict, subscale: dict, answers: dict
) -> tuple[dict, Fraction | None]:
    members = [item for item in _items(definition) if item.get("subscale") == subscale["key"]]
    answered = [item for item in members if item["number"] in answers]
    missing = [item["number"] for item in members if item["number"] not in answers]
    low, high = subscale_range(definition, subscale)
    rule = subscale["missing"]
    result = {
        "label": subscale["label"],
        "method": subscale["method"],
        "better": subscale["better"],
        "range": [_number(low, subscale["method"]), _number(high, subscale["method"])],
        "items": len(members),
        "answered": len(answered),
        "missing_items": missing,
        "prorated": False,
        "status": "scored",
        "score": None,
        "band": None,
        "clinical": None,
    }
    if len(missing) > rule["max_missing_items"] or not answered:
        result["status"] = "incomplete"
        return result, None
    total = sum(keyed_value(definition, item, answers[item["number"]]) for item in answered)
    if subscale["method"] == "mean":
        value = Fraction(total, len(answered))
    else:
        value = Fraction(total * len(members), len(answered))
    result["prorated"] = bool(missing)
    result["score"] = _number(value, subscale["method"])
    result["band"] = band_for(subscale, value)
    result["clinical"] = is_clinical(subscale.get("clinical_cutoff"), value)
    return result, value


_OPERATORS = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
}


def _alerts(definition: dict, answers: dict, exact: dict) -> tuple[list[dict], list[dict]]:
    """Alerts raised, and alerts that could not be checked because their answer is missing.

    Item alerts compare the raw answer (as the client chose it, before any reverse keying).
    """
    raised, unchecked = [], []
    for alert in definition.get("alerts", []):
        if "item" in alert:
            where = {"item": alert["item"]}
            value = answers.get(alert["item"])
            if value is not None:
                value = Fraction(value)
            reason = f"item {alert['item']} was not answered"
        else:
            where = {"subscale": alert["subscale"]}
            value = exact.get(alert["subscale"])
            reason = f"the {alert['subscale']} score is incomplete"
        if value is None:
            unchecked.append({"key": alert["key"], **where, "reason": reason})
        elif _OPERATORS[alert["operator"]](value, _exact(alert["value"])):
            raised.append(
                {
                    "key": alert["key"],
                    **where,
                    "value": _number(value, "sum"),
                    "rule": f"{alert['operator']} {alert['value']}",
                    "message": alert["message"],
                }
            )
    return raised, unchecked


# --- Classification --------------------------------------------------------------------------


def classification_split(
    definition: dict, rule: str | None = None, norms: Mapping | None = None
) -> dict:
    """The split points a quadrant rule uses, or why it cannot be applied.

    ``rule`` is ``midpoint`` or ``norm`` (default: the file's ``default_rule``). Norm means come
    from ``norms`` (values a practice entered, each ``{"value", "source"}``) or else from the
    file's cited ``classification.norm``. Nothing is ever assumed in their place.
    """
    classification = definition["classification"]
    rule = rule or classification["default_rule"]
    if rule == "midpoint":
        midpoint = classification["midpoint"]
        return {
            "rule": "midpoint",
            "split": {name: midpoint[name] for name in ("anxiety", "avoidance")},
            "source": midpoint["source"],
        }
    if rule != "norm":
        raise ValueError(f"unknown classification rule {rule!r}")
    chosen = norms if norms else classification.get("norm")
    if not chosen or any(name not in chosen for name in ("anxiety", "avoidance")):
        return {
            "rule": "norm",
            "split": None,
            "source": None,
            "unavailable": (
                "the norm-based rule is selected, but no cited norm means for anxiety and "
                "avoidance are entered for this instrument"
            ),
        }
    return {
        "rule": "norm",
        "split": {name: chosen[name]["value"] for name in ("anxiety", "avoidance")},
        "source": "; ".join(
            dict.fromkeys(chosen[name]["source"] for name in ("anxiety", "avoidance"))
        ),
    }


def _classify_quadrant(definition: dict, exact: dict, rule, norms) -> dict:
    classification = definition["classification"]
    split = classification_split(definition, rule, norms)
    on_split = classification["on_split"]
    dimensions = {}
    for name in ("anxiety", "avoidance"):
        key = classification["dimensions"][name]
        value = exact.get(key)
        dimensions[name] = {
            "subscale": key,
            "score": None if value is None else float(value),
            "split": None if split["split"] is None else split["split"][name],
            "position": None,
        }
    # The two dimensions come first: the quadrant is only a reading aid.
    result = {
        "dimensions": dimensions,
        "quadrant": None,
        "label": None,
        "status": "classified",
        "reason": None,
        "method": "quadrant",
        "rule": split["rule"],
        "rule_source": split["source"],
        "on_split": on_split,
        "mapping_source": classification["source"],
    }
    if any(exact.get(classification["dimensions"][name]) is None for name in dimensions):
        result.update(status="incomplete", reason="a dimension score is incomplete")
        return result
    if split["split"] is None:
        result.update(status="unavailable", reason=split["unavailable"])
        return result
    high = {}
    for name, dimension in dimensions.items():
        value = exact[dimension["subscale"]]
        point = _exact(dimension["split"])
        if value == point:
            dimension["position"] = "on_split"
            if on_split == "unclassified":
                continue
            high[name] = on_split == "high"
        else:
            dimension["position"] = "high" if value > point else "low"
            high[name] = value > point
    if len(high) < 2:
        on = [name for name, d in dimensions.items() if d["position"] == "on_split"]
        result.update(
            status="unclassified",
            reason=(
                f"{' and '.join(on)} {'is' if len(on) == 1 else 'are'} exactly on the split "
                "point; the rule leaves such scores unclassified"
            ),
        )
        return result
    quadrant = QUADRANTS[(high["anxiety"], high["avoidance"])]
    result.update(quadrant=quadrant, label=STYLES[quadrant])
    return result


def _classify_prototype(definition: dict, exact: dict) -> dict:
    prototypes = definition["classification"]["prototypes"]
    ratings = {style: exact.get(key) for style, key in prototypes.items()}
    result = {
        "ratings": {style: None if v is None else float(v) for style, v in ratings.items()},
        "quadrant": None,
        "label": None,
        "status": "classified",
        "reason": None,
        "method": "prototype",
        "rule": "highest prototype rating",
        "rule_source": definition["classification"]["source"],
    }
    if any(value is None for value in ratings.values()):
        result.update(status="incomplete", reason="a prototype rating is missing")
        return result
    top = max(ratings.values())
    leaders = [style for style, value in ratings.items() if value == top]
    if len(leaders) > 1:
        result.update(
            status="unclassified",
            reason=f"{', '.join(STYLES[s] for s in leaders)} are rated equally highest",
        )
        return result
    result.update(quadrant=leaders[0], label=STYLES[leaders[0]])
    return result


def classify(definition: dict, exact: dict, rule: str | None = None, norms=None) -> dict | None:
    classification = definition.get("classification")
    if not classification:
        return None
    if classification["method"] == "prototype":
        return _classify_prototype(definition, exact)
    return _classify_quadrant(definition, exact, rule, norms)


# --- Scoring ---------------------------------------------------------------------------------


def score(
    definition: dict,
    answers,
    *,
    classification_rule: str | None = None,
    norms: Mapping | None = None,
) -> dict:
    """Score one administration. Raises ``AnswerError`` for answers that cannot be scored.

    ``status`` is ``complete`` only when every subscale could be scored by the instrument's
    missing-answer rule and every required item is answered; otherwise it is ``incomplete`` and
    the affected scores are ``None`` rather than a misleading number.
    """
    clean = normalise_answers(definition, answers)
    subscales: dict[str, dict] = {}
    exact: dict[str, Fraction | None] = {}
    for subscale in _subscales(definition):
        subscales[subscale["key"]], exact[subscale["key"]] = _score_subscale(
            definition, subscale, clean
        )
    missing_required = [
        item["number"]
        for item in _items(definition)
        if item.get("required") and item["number"] not in clean
    ]
    total_key = definition.get("scoring", {}).get("total")
    alerts, unchecked = _alerts(definition, clean, exact)
    complete = not missing_required and all(
        result["status"] == "scored" for result in subscales.values()
    )
    return {
        "instrument": definition["code"],
        "status": "complete" if complete else "incomplete",
        "subscales": subscales,
        "total": subscales[total_key]["score"] if total_key else None,
        "band": subscales[total_key]["band"] if total_key else None,
        "style": classify(definition, exact, classification_rule, norms),
        "alerts": alerts,
        "unchecked_alerts": unchecked,
        "missing_required_items": missing_required,
    }


# --- Reliable change -------------------------------------------------------------------------


def reliable_change(
    before: float,
    after: float,
    *,
    reliability: float,
    sd: float,
    better: str,
    critical_value: float = 1.96,
) -> dict:
    """Jacobson & Truax (1991): SE_diff = SD * sqrt(2) * sqrt(1 - r); RCI = (after - before) /
    SE_diff. |RCI| above the critical value is reliable, labelled by the subscale's direction
    of "better"."""
    if not 0 < reliability < 1:
        raise ValueError("reliability must lie between 0 and 1")
    if sd <= 0:
        raise ValueError("the standard deviation must be above 0")
    se_diff = sd * math.sqrt(2) * math.sqrt(1 - reliability)
    change = after - before
    rci = change / se_diff
    reliable = abs(rci) > critical_value
    if not reliable:
        label = NO_RELIABLE_CHANGE
    elif (change < 0) == (better == "lower"):
        label = IMPROVED
    else:
        label = DETERIORATED
    return {
        "available": True,
        "before": before,
        "after": after,
        "change": change,
        "rci": rci,
        "se_diff": se_diff,
        "critical_value": critical_value,
        "reliable": reliable,
        "label": label,
        # Smallest change that counts as reliable, in score units (for drawing a margin).
        "reliable_change_margin": critical_value * se_diff,
    }


def sample_spread(scores: Sequence[float]) -> dict:
    """How many scores and their sample SD (``None`` below two scores): all reliable change
    needs of a practice's baseline sample."""
    return {"n": len(scores), "sd": statistics.stdev(scores) if len(scores) > 1 else None}


def rci_parameters(
    subscale: dict,
    *,
    practice_values: Mapping | None = None,
    baseline_scores: Sequence[float] = (),
    min_baselines: int = 30,
    baseline_spread: Mapping | None = None,
) -> dict:
    """The reliability and SD reliable change may use for one subscale, or why none applies.

    In order: values the practice entered with a citation (``practice_values`` holds
    ``reliability`` and/or ``sd``, each ``{"value", "source"}``); cited values in the
    instrument file; for the SD only, the sample SD of the practice's own baseline scores once
    there are ``min_baselines`` of them. Never a guessed number. ``baseline_spread`` (what
    ``sample_spread`` gives for those scores, kept with the sample) may stand in for
    ``baseline_scores``, so a page need not read the whole sample.
    """
    count = len(baseline_scores) if baseline_spread is None else baseline_spread["n"]
    practice_values = practice_values or {}
    reliability = None
    if practice_values.get("reliability"):
        reliability = {**practice_values["reliability"], "origin": "practice"}
    elif subscale.get("reliability"):
        reliability = {
            "value": subscale["reliability"]["value"],
            "source": subscale["reliability"]["source"],
            "origin": "instrument",
        }
    sd = None
    baseline_note = ""
    if practice_values.get("sd"):
        sd = {**practice_values["sd"], "origin": "practice"}
    elif subscale.get("sd"):
        sd = {
            "value": subscale["sd"]["value"],
            "source": subscale["sd"]["source"],
            "origin": "instrument",
        }
    elif count >= min_baselines:
        spread = (
            statistics.stdev(baseline_scores) if baseline_spread is None else baseline_spread["sd"]
        )
        if spread:
            sd = {
                "value": spread,
                "source": f"SD of this practice's {count} baseline scores",
                "origin": "practice_baselines",
                "n": count,
            }
        else:
            baseline_note = "the practice's baseline scores do not vary"
    else:
        baseline_note = (
            f"the practice has {count} baseline scores and needs {min_baselines} to use its own SD"
        )
    reasons = []
    if reliability is None:
        reasons.append("no cited reliability coefficient")
    if sd is None:
        reasons.append(f"no cited standard deviation ({baseline_note})")
    if reasons:
        return {
            "available": False,
            "reason": f"{' and '.join(reasons)} for {subscale['label']}; a practice can enter "
            "values with their citation",
        }
    return {"available": True, "reliability": reliability, "sd": sd}


def compare(
    definition: dict,
    before: dict,
    after: dict,
    parameters: Mapping[str, dict],
    *,
    critical_value: float | None = None,
) -> dict:
    """Change from ``before`` to ``after`` (two results of ``score``) on every subscale.

    ``parameters`` maps subscale keys to ``rci_parameters`` results. Each subscale gets a label
    (improved / no reliable change / deteriorated, or "reliable change not available" with the
    reason), clinically significant change where the subscale has a cut-off, and attachment
    instruments get the earned-security verdict.
    """
    if critical_value is None:
        critical_value = definition.get("reliable_change", {}).get("critical_value", 1.96)
    changes = {}
    for subscale in _subscales(definition):
        key = subscale["key"]
        x1 = before["subscales"][key]["score"]
        x2 = after["subscales"][key]["score"]
        entry: dict = {"label": NOT_AVAILABLE, "before": x1, "after": x2}
        params = parameters.get(key) or {"available": False, "reason": "no parameters given"}
        if x1 is None or x2 is None:
            entry["reliable_change"] = {
                "available": False,
                "reason": "one of the two administrations is incomplete",
            }
        elif not params["available"]:
            entry["reliable_change"] = {"available": False, "reason": params["reason"]}
        else:
            entry["reliable_change"] = reliable_change(
                x1,
                x2,
                reliability=params["reliability"]["value"],
                sd=params["sd"]["value"],
                better=subscale["better"],
                critical_value=critical_value,
            )
            entry["reliable_change"]["reliability"] = params["reliability"]
            entry["reliable_change"]["sd"] = params["sd"]
            entry["label"] = entry["reliable_change"]["label"]
        entry["clinically_significant"] = _clinically_significant(subscale, entry)
        changes[key] = entry
    return {
        "instrument": definition["code"],
        "subscales": changes,
        "style": {
            "before": (before.get("style") or {}).get("quadrant"),
            "after": (after.get("style") or {}).get("quadrant"),
        },
        "earned_security": earned_security(definition, before, after, changes),
    }


def _clinically_significant(subscale: dict, entry: dict) -> dict:
    """Jacobson-Truax clinically significant change: reliable improvement that also leaves the
    clinical range the subscale's cited cut-off defines."""
    cutoff = subscale.get("clinical_cutoff")
    if cutoff is None:
        return {"available": False, "reason": "the instrument has no cited clinical cut-off"}
    if not entry["reliable_change"]["available"]:
        return {"available": False, "reason": entry["reliable_change"]["reason"]}
    was = is_clinical(cutoff, entry["before"])
    now = is_clinical(cutoff, entry["after"])
    return {
        "available": True,
        "clinical_before": was,
        "clinical_after": now,
        "significant": entry["label"] == IMPROVED and was and not now,
        "cutoff": cutoff["value"],
    }


def earned_security(
    definition: dict, baseline: dict, latest: dict, changes: Mapping
) -> dict | None:
    """Earned security: the baseline sits in an insecure quadrant, the latest administration in
    the secure quadrant, with reliable improvement on at least one dimension and no reliable
    worsening on the other.

    Statuses: ``earned``; ``not_earned`` (with the reason); ``quadrant_move_only`` when the
    quadrant moved to secure but reliable change is not available for a dimension, so the move
    is shown without claiming it is reliable; ``None`` for instruments without dimensions.
    """
    classification = definition.get("classification")
    if not classification or classification["method"] != "quadrant":
        return None
    was = (baseline.get("style") or {}).get("quadrant")
    now = (latest.get("style") or {}).get("quadrant")
    labels = {
        name: changes[classification["dimensions"][name]]["label"]
        for name in ("anxiety", "avoidance")
    }
    result = {"status": "not_earned", "baseline": was, "latest": now, "dimensions": labels}
    if was not in INSECURE_STYLES:
        result["reason"] = "the baseline is not in an insecure quadrant"
    elif now != "secure":
        result["reason"] = "the latest administration is not in the secure quadrant"
    elif DETERIORATED in labels.values():
        worse = [name for name, label in labels.items() if label == DETERIORATED]
        result["reason"] = f"reliable worsening on {' and '.join(worse)}"
    elif NOT_AVAILABLE in labels.values():
        missing = [name for name, label in labels.items() if label == NOT_AVAILABLE]
        result["status"] = "quadrant_move_only"
        result["reason"] = (
            f"moved from {STYLES[was]} to Secure; reliable change is not available for "
            f"{' and '.join(missing)}, so the move is not claimed to be reliable"
        )
    elif IMPROVED in labels.values():
        result["status"] = "earned"
        result["reason"] = (
            f"moved from {STYLES[was]} to Secure with reliable improvement on "
            f"{' and '.join(name for name, label in labels.items() if label == IMPROVED)}"
        )
    else:
        result["reason"] = (
            "moved to the secure quadrant, but neither dimension changed reliably "
            "(the move is within measurement error)"
        )
    return result
