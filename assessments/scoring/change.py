"""Reliable change between two administrations: the Jacobson-Truax index for one subscale, which
reliability and SD apply (or why none does), the comparison of two results with clinically
significant change, and earned security."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence

from .bands import is_clinical
from .items import _subscales
from .styles import INSECURE_STYLES, STYLES
from .words import gettext, gettext_noop, ngettext

IMPROVED = "improved"
NO_RELIABLE_CHANGE = "no reliable change"
DETERIORATED = "deteriorated"
NOT_AVAILABLE = "reliable change not available"
# The two dimensions by key, as the reasons name them (translated where a reason is written).
DIMENSION_WORDS = {"anxiety": gettext_noop("anxiety"), "avoidance": gettext_noop("avoidance")}


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


def reliable_change_margins(
    parameters: Mapping[str, dict], critical_value: float
) -> dict[str, float | None]:
    """Per subscale of ``parameters`` (``rci_parameters`` results): the smallest change that
    counts as reliable (critical value x SE_diff, in score units), or None where reliable change
    is not available. The plane charts draw it around the baseline, with or without a later
    administration to compare."""
    return {
        key: reliable_change(
            0.0,
            0.0,
            reliability=params["reliability"]["value"],
            sd=params["sd"]["value"],
            better="lower",
            critical_value=critical_value,
        )["reliable_change_margin"]
        if params.get("available")
        else None
        for key, params in parameters.items()
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
                "source": ngettext(
                    "SD of this practice's %(count)s baseline score",
                    "SD of this practice's %(count)s baseline scores",
                    count,
                )
                % {"count": count},
                "origin": "practice_baselines",
                "n": count,
            }
        else:
            baseline_note = gettext("the practice's baseline scores do not vary")
    else:
        baseline_note = ngettext(
            "the practice has %(count)s baseline score and needs %(needed)s to use its own SD",
            "the practice has %(count)s baseline scores and needs %(needed)s to use its own SD",
            count,
        ) % {"count": count, "needed": min_baselines}
    reasons = []
    if reliability is None:
        reasons.append(gettext("no cited reliability coefficient"))
    if sd is None:
        reasons.append(gettext("no cited standard deviation (%(why)s)") % {"why": baseline_note})
    if reasons:
        return {
            "available": False,
            "reason": gettext(
                "%(missing)s for %(subscale)s; a practice can enter values with their citation"
            )
            % {"missing": _and(reasons), "subscale": subscale["label"]},
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
        return {
            "available": False,
            "reason": gettext("the instrument has no cited clinical cut-off"),
        }
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
        result["reason"] = gettext("the baseline is not in an insecure quadrant")
    elif now != "secure":
        result["reason"] = gettext("the latest administration is not in the secure quadrant")
    elif DETERIORATED in labels.values():
        worse = _dimensions(labels, DETERIORATED)
        result["reason"] = gettext("reliable worsening on %(dimensions)s") % {"dimensions": worse}
    elif NOT_AVAILABLE in labels.values():
        result["status"] = "quadrant_move_only"
        result["reason"] = gettext(
            "moved from %(style)s to Secure; reliable change is not available for "
            "%(dimensions)s, so the move is not claimed to be reliable"
        ) % {"style": gettext(STYLES[was]), "dimensions": _dimensions(labels, NOT_AVAILABLE)}
    elif IMPROVED in labels.values():
        result["status"] = "earned"
        result["reason"] = gettext(
            "moved from %(style)s to Secure with reliable improvement on %(dimensions)s"
        ) % {"style": gettext(STYLES[was]), "dimensions": _dimensions(labels, IMPROVED)}
    else:
        result["reason"] = gettext(
            "moved to the secure quadrant, but neither dimension changed reliably "
            "(the move is within measurement error)"
        )
    return result


def _and(words: list[str]) -> str:
    """``a`` or ``a and b``, in the active language (the reasons name at most two things)."""
    if len(words) == 1:
        return words[0]
    return gettext("%(first)s and %(second)s") % {
        "first": ", ".join(words[:-1]),
        "second": words[-1],
    }


def _dimensions(labels: Mapping[str, str], label: str) -> str:
    """The dimensions whose change is ``label``, named in the active language."""
    return _and(
        [gettext(DIMENSION_WORDS[name]) for name, value in labels.items() if value == label]
    )
