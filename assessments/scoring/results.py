"""Scoring one administration: subscale scores, total, band, completeness, alerts and, for
attachment instruments, the two dimensions and the style, as one JSON-ready result."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from .bands import _alerts, _score_subscale
from .items import _items, _subscales, normalise_answers
from .styles import classify


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
        "style": classify(definition, exact, classification_rule, norms, clean),
        "alerts": alerts,
        "unchecked_alerts": unchecked,
        "missing_required_items": missing_required,
    }
