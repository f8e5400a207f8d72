"""Attachment styles: the four styles, the split points a quadrant rule uses (midpoint or
cited norms) and the classification of an administration, by quadrant or by the highest
prototype rating."""

from __future__ import annotations

from collections.abc import Mapping

from . import reasons
from .items import _exact
from .words import gettext_noop

# Stored in results in English and translated where the pages show them
# (``assessments.trajectory.style_name``, ``reasons.shown_reason``).
STYLES = {
    "secure": gettext_noop("Secure"),
    "anxious-preoccupied": gettext_noop("Anxious-preoccupied"),
    "dismissive-avoidant": gettext_noop("Dismissive-avoidant"),
    "fearful-avoidant": gettext_noop("Fearful-avoidant"),
}
INSECURE_STYLES = ("anxious-preoccupied", "dismissive-avoidant", "fearful-avoidant")
# Bartholomew's four prototypes in the anxiety x avoidance plane: (anxiety high?, avoidance high?)
QUADRANTS = {
    (False, False): "secure",
    (True, False): "anxious-preoccupied",
    (False, True): "dismissive-avoidant",
    (True, True): "fearful-avoidant",
}


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
            "unavailable": reasons.NO_NORMS,
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
        result.update(status="incomplete", reason=reasons.DIMENSION_INCOMPLETE)
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
        reason = reasons.BOTH_ON_SPLIT
        if len(on) == 1:
            reason = reasons.ONE_ON_SPLIT % {"dimension": on[0]}
        result.update(status="unclassified", reason=reason)
        return result
    quadrant = QUADRANTS[(high["anxiety"], high["avoidance"])]
    result.update(quadrant=quadrant, label=STYLES[quadrant])
    return result


def _forced_choice(classification: dict, answers: Mapping) -> str | None:
    """The prototype the forced-choice item's answer names, or None if it was not answered."""
    forced = classification["forced_choice"]
    answer = answers.get(forced["item"])
    return next((o["style"] for o in forced["options"] if o["value"] == answer), None)


def _classify_prototype(definition: dict, exact: dict, answers: Mapping) -> dict:
    classification = definition["classification"]
    prototypes = classification["prototypes"]
    ratings = {style: exact.get(key) for style, key in prototypes.items()}
    breaks_ties = classification["on_tie"] == "forced_choice"
    rule = reasons.RULE_HIGHEST
    if breaks_ties:
        rule = reasons.RULE_HIGHEST_TIE % {"item": classification["forced_choice"]["item"]}
    result = {
        "ratings": {style: None if v is None else float(v) for style, v in ratings.items()},
        "quadrant": None,
        "label": None,
        "status": "classified",
        "reason": None,
        "method": "prototype",
        "rule": rule,
        "rule_source": classification["source"],
        "tie_broken_by": None,
    }
    if any(value is None for value in ratings.values()):
        result.update(status="incomplete", reason=reasons.RATING_MISSING)
        return result
    top = max(ratings.values())
    leaders = [style for style, value in ratings.items() if value == top]
    if len(leaders) > 1:
        tied = reasons.STYLE_LIST_SEPARATOR.join(STYLES[s] for s in leaders)
        chosen = _forced_choice(classification, answers) if breaks_ties else None
        item = classification["forced_choice"]["item"] if breaks_ties else None
        if chosen in leaders:
            result.update(quadrant=chosen, label=STYLES[chosen], tie_broken_by=item)
            return result
        if not breaks_ties:
            reason = reasons.TIED % {"styles": tied}
        elif chosen is None:
            reason = reasons.TIED_NOT_CHOSEN % {"styles": tied, "item": item}
        else:
            reason = reasons.TIED_CHOSEN_OTHER % {
                "styles": tied,
                "item": item,
                "style": STYLES[chosen],
            }
        result.update(status="unclassified", reason=reason)
        return result
    result.update(quadrant=leaders[0], label=STYLES[leaders[0]])
    return result


def classify(
    definition: dict,
    exact: dict,
    rule: str | None = None,
    norms=None,
    answers: Mapping | None = None,
) -> dict | None:
    """The style of an administration from its exact subscale scores (``exact``); ``answers``
    (by item number) is read for a prototype rule's forced-choice tie-break."""
    classification = definition.get("classification")
    if not classification:
        return None
    if classification["method"] == "prototype":
        return _classify_prototype(definition, exact, answers or {})
    return _classify_quadrant(definition, exact, rule, norms)
