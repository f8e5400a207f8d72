"""The cross-field rules a schema cannot express: item numbers unique, subscales exist, bands
cover the range, codings name one thing, a classification's subscales and split points."""

from __future__ import annotations

from fractions import Fraction

from assessments.scoring import subscale_members, subscale_range
from assessments.scoring.words import gettext

from . import combinations, hand_written
from .reading import Checker, Path_, Problem


def _exact(number) -> Fraction:
    """Numbers from files compared exactly, as written in decimal (4.47 means 447/100)."""
    return Fraction(str(number))


def _check_scale(check: Checker, scale: dict, path: Path_) -> None:
    if scale["min"] >= scale["max"]:
        check.fail((*path, "max"), gettext("max (%(max)s) must be above min (%(min)s)") % scale)
    seen = set()
    for index, label in enumerate(scale["labels"]):
        if not scale["min"] <= label["value"] <= scale["max"]:
            check.fail(
                (*path, "labels", index, "value"),
                f"{label['value']} is outside the scale {scale['min']} to {scale['max']}",
            )
        if label["value"] in seen:
            check.fail(
                (*path, "labels", index, "value"), gettext("%(value)s is labelled twice") % label
            )
        seen.add(label["value"])


def check_semantics(
    data: dict, source: str, lines: dict[Path_, int], *, uploaded: bool = False
) -> list[Problem]:
    """The problems the cross-field rules find in a file the schema accepted. ``uploaded``: a
    file a practice wrote, held to the rules of ``hand_written`` too."""
    check = Checker(source, lines)
    run_checks(check, data, uploaded=uploaded)
    return check.problems


def run_checks(check: Checker, data: dict, *, uploaded: bool = False) -> None:
    """Record on ``check`` what the cross-field rules find in ``data``."""
    if "domains" in data and ("domain" in data or "family" in data):
        check.fail(("domains",), gettext("give either 'domains' or 'domain'/'family', not both"))
    keys = [domain["key"] for domain in data.get("domains", [])]
    for index, key in enumerate(keys):
        if keys.index(key) != index:
            check.fail(
                ("domains", index, "key"),
                gettext("the domain %(key)s is listed twice") % {"key": repr(key)},
            )

    if "scale" in data:
        _check_scale(check, data["scale"], ("scale",))
    subscales = data.get("scoring", {}).get("subscales", [])
    subscale_keys = [subscale["key"] for subscale in subscales]
    for index, key in enumerate(subscale_keys):
        if subscale_keys.index(key) != index:
            check.fail(
                ("scoring", "subscales", index, "key"),
                gettext("the subscale %(key)s is defined twice") % {"key": repr(key)},
            )

    weighted = {s["key"] for s in subscales if s.get("method") == "weighted"}
    numbers: dict[int, int] = {}
    for index, item in enumerate(data["items"]):
        path: Path_ = ("items", index)
        if item["number"] in numbers:
            check.fail((*path, "number"), gettext("item number %(number)s is used twice") % item)
        numbers[item["number"]] = index
        kind = item.get("type", "choice")
        if kind == "text":
            for field in ("subscale", "reverse", "scale"):
                if item.get(field) not in (None, False):
                    check.fail(
                        (*path, field),
                        gettext("a free-text item cannot have %(field)s") % {"field": repr(field)},
                    )
            continue
        if "max_length" in item:
            check.fail((*path, "max_length"), gettext("only free-text items have a max_length"))
        if "scale" in item:
            _check_scale(check, item["scale"], (*path, "scale"))
        elif "scale" not in data:
            check.fail(
                path, gettext("a choice item needs a scale: give one here or for the instrument")
            )
        subscale = item.get("subscale")
        if subscale is not None and subscale not in subscale_keys:
            check.fail((*path, "subscale"), _not_a_subscale_in_scoring(subscale))
        elif subscale in weighted:
            check.fail(
                (*path, "subscale"),
                gettext("%(key)s is weighted: it names its items in its weights, not here")
                % {"key": repr(subscale)},
            )
        if item.get("reverse") and subscale is None:
            check.fail(
                (*path, "reverse"),
                gettext("only scored items (with a subscale) can be reverse-keyed"),
            )

    sound = not check.problems
    if uploaded:  # a gap or a missing label leaves the later rules sound
        hand_written.check_file(check, data)
    if not sound:
        return  # later rules assume items and scales are sound

    unsound: set[str] = set()  # subscales without a range: their problem is already recorded
    for index, subscale in enumerate(subscales):
        path = ("scoring", "subscales", index)
        if not combinations.check_weights(check, data, subscale, path):
            unsound.add(subscale["key"])
            continue
        members = [item for item, _ in subscale_members(data, subscale)]
        if not members:
            check.fail(
                (*path, "key"),
                gettext("no item counts towards the subscale %(key)s")
                % {"key": repr(subscale["key"])},
            )
            unsound.add(subscale["key"])
            continue
        scales = {
            (scale["min"], scale["max"])
            for scale in (item.get("scale") or data["scale"] for item in members)
        }
        if len(scales) > 1 and subscale["method"] != "weighted":
            check.fail(path, gettext("all items of a subscale must share one scale (min and max)"))
            unsound.add(subscale["key"])
            continue
        low, high = subscale_range(data, subscale)
        missing = subscale.get("missing", {"max_missing_items": 0, "prorate": False})
        if missing["max_missing_items"] >= len(members):
            check.fail(
                (*path, "missing", "max_missing_items"),
                gettext("must be below the subscale's %(count)s items") % {"count": len(members)},
            )
        if missing["max_missing_items"] > 0 and not missing["prorate"]:
            check.fail(
                (*path, "missing", "prorate"),
                gettext(
                    "allowing missing items without prorating would give a misleading score; "
                    "set prorate: true (only where the authors allow it) or max_missing_items: 0"
                ),
            )
        if missing["max_missing_items"] > 0 and not missing.get("source"):
            check.fail(
                (*path, "missing", "source"), gettext("cite the authors' missing-answer rule")
            )
        bands = subscale.get("bands") or []
        for band_index, band in enumerate(bands):
            band_path = (*path, "bands", band_index)
            if band["min"] > band["max"]:
                check.fail((*band_path, "max"), gettext("a band's max must not be below its min"))
            if band_index and _exact(band["min"]) <= _exact(bands[band_index - 1]["max"]):
                check.fail((*band_path, "min"), gettext("bands must ascend without overlapping"))
        if bands and (_exact(bands[0]["min"]) != low or _exact(bands[-1]["max"]) != high):
            check.fail(
                (*path, "bands"),
                gettext("bands must cover the whole score range %(low)s to %(high)s")
                % {"low": _show(low), "high": _show(high)},
            )
        if bands and not subscale.get("bands_source"):
            check.fail((*path, "bands_source"), gettext("cite the source of the bands"))
        cutoff = subscale.get("clinical_cutoff")
        if cutoff and not low <= _exact(cutoff["value"]) <= high:
            check.fail(
                (*path, "clinical_cutoff", "value"),
                gettext("the cut-off is outside the score range"),
            )
        for field in ("reliability",):
            value = subscale.get(field)
            if value and not 0 < value["value"] < 1:
                check.fail(
                    (*path, field, "value"),
                    gettext("a reliability coefficient lies between 0 and 1"),
                )
        if subscale.get("sd") and subscale["sd"]["value"] <= 0:
            check.fail((*path, "sd", "value"), gettext("a standard deviation must be above 0"))

    total = data.get("scoring", {}).get("total")
    if total is not None and total not in subscale_keys:
        check.fail(("scoring", "total"), _not_a_subscale_in_scoring(total))

    _check_codings(check, data)
    by_number = {item["number"]: item for item in data["items"]}
    for index, alert in enumerate(data.get("alerts", [])):
        path = ("alerts", index)
        if "item" in alert:
            item = by_number.get(alert["item"])
            if item is None:
                check.fail((*path, "item"), gettext("there is no item %(item)s") % alert)
            elif item.get("type", "choice") != "choice":
                check.fail((*path, "item"), gettext("alerts can only watch choice items"))
        elif alert["subscale"] not in subscale_keys:
            check.fail((*path, "subscale"), _not_a_subscale(alert["subscale"]))

    classification = data.get("classification")
    if classification:
        _check_classification(check, data, classification, subscales, subscale_keys, unsound)


def _check_codings(check: Checker, data: dict) -> None:
    """A code names one question, and one answer on a question's scale: an imported answer is
    mapped through them, so a code used twice could not be mapped without guessing."""
    seen: dict[tuple[str, str], int] = {}
    for index, item in enumerate(data["items"]):
        for coding_index, coding in enumerate(item.get("codings", [])):
            key = (coding["system"], coding["code"])
            if key in seen:
                check.fail(
                    ("items", index, "codings", coding_index, "code"),
                    gettext("%(code)s already names item %(item)s")
                    % {"code": repr(coding["code"]), "item": seen[key]},
                )
            seen[key] = item["number"]
    scales = [(("scale",), data.get("scale"))] + [
        (("items", index, "scale"), item.get("scale")) for index, item in enumerate(data["items"])
    ]
    for path, scale in scales:
        codes: set[tuple[str, str]] = set()
        for index, label in enumerate((scale or {}).get("labels", [])):
            if "coding" not in label:
                continue
            key = (label["coding"]["system"], label["coding"]["code"])
            if key in codes:
                check.fail(
                    (*path, "labels", index, "coding", "code"),
                    gettext("%(code)s already names another answer on this scale")
                    % {"code": repr(key[1])},
                )
            codes.add(key)


def _check_classification(
    check, data, classification, subscales, subscale_keys, unsound=frozenset()
) -> None:
    path: Path_ = ("classification",)
    if classification["method"] == "prototype":
        for style, key in classification["prototypes"].items():
            if key not in subscale_keys:
                check.fail((*path, "prototypes", style), _not_a_subscale(key))
        combinations.check_forced_choice(check, data, classification)
        return
    by_key = dict(zip(subscale_keys, subscales, strict=True))
    dimensions = classification["dimensions"]
    if dimensions["anxiety"] == dimensions["avoidance"]:
        check.fail(
            (*path, "dimensions"), gettext("anxiety and avoidance must be different subscales")
        )
    for dimension, key in dimensions.items():
        if key not in by_key:
            check.fail((*path, "dimensions", dimension), _not_a_subscale(key))
            continue
        if key in unsound:
            continue
        low, high = subscale_range(data, by_key[key])
        midpoint = (low + high) / 2
        if _exact(classification["midpoint"][dimension]) != midpoint:
            check.fail(
                (*path, "midpoint", dimension),
                gettext("the midpoint of %(key)s (%(low)s to %(high)s) is %(midpoint)s")
                % {
                    "key": repr(key),
                    "low": _show(low),
                    "high": _show(high),
                    "midpoint": _show(midpoint),
                },
            )
        norm = classification.get("norm")
        if norm and not low <= _exact(norm[dimension]["value"]) <= high:
            check.fail(
                (*path, "norm", dimension, "value"),
                gettext("the norm lies outside the score range"),
            )
    if classification["default_rule"] == "norm" and not classification.get("norm"):
        check.fail(
            (*path, "default_rule"),
            gettext("the norm rule needs cited norms in classification.norm"),
        )


def _not_a_subscale(key) -> str:
    return gettext("%(key)s is not a subscale") % {"key": repr(key)}


def _not_a_subscale_in_scoring(key) -> str:
    return gettext("%(key)s is not a subscale in scoring.subscales") % {"key": repr(key)}


def _show(number: Fraction) -> str:
    return str(int(number)) if number.denominator == 1 else str(float(number))
