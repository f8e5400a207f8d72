"""One subscale's score from its items (with the instrument's missing-answer rule and
proration), its band, whether it lies in the clinical range, and the alerts an administration
raises."""

from __future__ import annotations

from fractions import Fraction

from . import reasons
from .items import _exact, _number, keyed_value, subscale_members, subscale_range


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
    weighted = subscale_members(definition, subscale)
    members = [item for item, _ in weighted]
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
    if subscale["method"] == "weighted":
        # Never prorated (the loader allows no missing item): the formula needs every term.
        value = sum(
            (
                weight * keyed_value(definition, item, answers[item["number"]])
                for item, weight in weighted
            ),
            Fraction(0),
        )
    else:
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
            reason = reasons.ITEM_UNANSWERED % {"item": alert["item"]}
        else:
            where = {"subscale": alert["subscale"]}
            value = exact.get(alert["subscale"])
            reason = reasons.SCORE_INCOMPLETE % {"subscale": alert["subscale"]}
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
