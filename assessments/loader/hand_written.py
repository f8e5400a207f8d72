"""Rules for a file a practice writes by hand and uploads: item numbers run without a gap, and
every point of a scale has a label unless the scale says it labels only its anchors
(``anchors_only: true``, as the ECR-R's published 1 to 7 scale labels 1, 4 and 7). A slip in
hand-written YAML (a skipped number, a forgotten label) would otherwise reach clients as a
missing question or a bare number. The shipped library's files are held to the
same rules by a test (every shipped scale labels each point or says ``anchors_only`` as its
publication does), so the library and uploads agree."""

from __future__ import annotations

from assessments.scoring.words import gettext, ngettext

from .reading import Checker, Path_


def _gap(first: int, last: int) -> dict:
    """``3`` or ``4 to 8`` (or ``3 and 4``), and how many that is, for ``ngettext``."""
    if first == last:
        joined = str(first)
    elif last == first + 1:
        joined = gettext("%(first)s and %(last)s") % {"first": first, "last": last}
    else:
        joined = gettext("%(first)s to %(last)s") % {"first": first, "last": last}
    return {"count": last - first + 1, "numbers": joined}


def _check_numbering(check: Checker, items: list[dict]) -> None:
    numbered = sorted(
        (item["number"], index)
        for index, item in enumerate(items)
        if isinstance(item.get("number"), int)
    )
    previous = 0
    for number, index in numbered:
        if number > previous + 1:
            gap = _gap(previous + 1, number - 1)
            check.fail(
                ("items", index, "number"),
                ngettext(
                    "Item numbering has a gap: there is no item %(numbers)s",
                    "Item numbering has a gap: there are no items %(numbers)s",
                    gap["count"],
                )
                % gap,
            )
        previous = max(previous, number)


def _check_labels(check: Checker, scale: dict, path: Path_) -> None:
    if scale.get("anchors_only"):
        return
    low, high = scale["min"], scale["max"]
    labelled = sorted(
        {label["value"] for label in scale["labels"] if low <= label["value"] <= high}
    )
    # Walk the gaps between labelled points, never the points themselves: a scale may be wide.
    previous = low - 1
    for value in [*labelled, high + 1]:
        if value > previous + 1:
            gap = _gap(previous + 1, value - 1)
            check.fail(
                (*path, "labels"),
                ngettext(
                    "Scale point %(numbers)s has no label",
                    "Scale points %(numbers)s have no label",
                    gap["count"],
                )
                % gap,
            )
        previous = value


def check_file(check: Checker, data: dict) -> None:
    """Record the hand-written-file problems of ``data`` (a file the schema accepted, or its
    parts the schema did)."""
    _check_numbering(check, data["items"])
    scales = [(("scale",), data.get("scale"))] + [
        (("items", index, "scale"), item.get("scale")) for index, item in enumerate(data["items"])
    ]
    for path, scale in scales:
        if scale and scale["min"] < scale["max"]:
            _check_labels(check, scale, path)
