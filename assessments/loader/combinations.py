"""Rules for the two scores a few published instruments compute from several ratings: a weighted
subscale (each item's answer times its weight, as the Relationship Questionnaire's model of self
is (secure + dismissing) - (fearful + preoccupied)) and a forced-choice item that decides equal
highest prototype ratings ("which one describes you best")."""

from __future__ import annotations

from itertools import islice

from assessments.scoring import item_scale
from assessments.scoring.words import gettext

from .reading import Checker, Path_


def check_weights(check: Checker, data: dict, subscale: dict, path: Path_) -> bool:
    """Whether ``subscale``'s weights name each scored choice item once with a weight that
    counts; records what is wrong on ``check``."""
    if subscale["method"] != "weighted":
        if "weights" in subscale:
            check.fail((*path, "weights"), "weights are read only with method: weighted")
        return True
    if "weights" not in subscale:
        check.fail(path, "a weighted subscale lists its items and their weights in 'weights'")
        return False
    by_number = {item["number"]: item for item in data["items"]}
    sound = True
    seen: set[int] = set()
    for index, entry in enumerate(subscale["weights"]):
        where = (*path, "weights", index)
        item = by_number.get(entry["item"])
        if item is None:
            check.fail(
                (*where, "item"), gettext("there is no item %(item)s") % {"item": entry["item"]}
            )
            sound = False
        elif item.get("type", "choice") != "choice":
            check.fail(
                (*where, "item"),
                gettext("item %(item)s is free text and has no score") % {"item": entry["item"]},
            )
            sound = False
        if entry["item"] in seen:
            check.fail(
                (*where, "item"),
                gettext("item %(item)s is weighted twice; add its weights")
                % {"item": entry["item"]},
            )
            sound = False
        seen.add(entry["item"])
        if entry["weight"] == 0:
            check.fail(
                (*where, "weight"), gettext("a weight of 0 adds nothing; leave the item out")
            )
    missing = subscale.get("missing", {"max_missing_items": 0})
    if missing["max_missing_items"]:
        check.fail(
            (*path, "missing", "max_missing_items"),
            gettext("a weighted score needs every item it names: set max_missing_items: 0"),
        )
    return sound


def check_forced_choice(check: Checker, data: dict, classification: dict) -> None:
    """The forced-choice item exists, stands outside every subscale, and each point of its
    scale names one prototype, each prototype once."""
    path: Path_ = ("classification",)
    forced = classification.get("forced_choice")
    if classification["on_tie"] != "forced_choice":
        if forced is not None:
            check.fail(
                (*path, "forced_choice"),
                gettext("forced_choice is read only with on_tie: forced_choice"),
            )
        return
    if forced is None:
        check.fail(
            (*path, "on_tie"), gettext("on_tie: forced_choice needs classification.forced_choice")
        )
        return
    where = (*path, "forced_choice")
    item = next((i for i in data["items"] if i["number"] == forced["item"]), None)
    if item is None or item.get("type", "choice") != "choice":
        check.fail(
            (*where, "item"), gettext("there is no choice item %(item)s") % {"item": forced["item"]}
        )
        return
    if item.get("subscale") is not None or any(
        entry["item"] == forced["item"]
        for subscale in data.get("scoring", {}).get("subscales", [])
        for entry in subscale.get("weights", [])
    ):
        check.fail(
            (*where, "item"), gettext("the forced-choice item must not count towards a score")
        )
    scale = item_scale(data, item)
    values, styles = set(), set()
    for index, option in enumerate(forced["options"]):
        if not scale["min"] <= option["value"] <= scale["max"]:
            check.fail(
                (*where, "options", index, "value"),
                gettext("%(value)s is not on item %(item)s's scale %(min)s to %(max)s")
                % {
                    "value": option["value"],
                    "item": forced["item"],
                    "min": scale["min"],
                    "max": scale["max"],
                },
            )
        if option["value"] in values:
            check.fail(
                (*where, "options", index, "value"),
                gettext("%(value)s is mapped twice") % {"value": option["value"]},
            )
        if option["style"] in styles:
            check.fail(
                (*where, "options", index, "style"),
                gettext("%(style)s is named twice") % {"style": repr(option["style"])},
            )
        values.add(option["value"])
        styles.add(option["style"])
    points = range(scale["min"], scale["max"] + 1)
    unmapped = list(islice((value for value in points if value not in values), 5))
    if unmapped:
        check.fail(
            (*where, "options"),
            gettext("every answer to item %(item)s must name a prototype; %(values)s names none")
            % {"item": forced["item"], "values": ", ".join(map(str, unmapped))},
        )
