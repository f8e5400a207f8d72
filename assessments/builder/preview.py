"""What the page shows around the forms: label rows for a changed scale, the client's form as a
preview, and the test answers chosen in it."""

from __future__ import annotations


def with_label_rows(fields: dict, rows: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """``rows`` with a blank label row for every point of the scale that has none yet, so a
    changed lowest or highest answer offers the rows it needs (in the order of the points)."""
    try:
        low, high = int(fields.get("scale_min", "")), int(fields.get("scale_max", ""))
    except ValueError:
        return rows
    if not 0 <= high - low <= 100:
        return rows
    # Rows left blank for points no longer on the scale go; labelled ones stay, to be refused.
    labels = [
        row
        for row in rows.get("labels", [])
        if row["label"].strip() or _on_scale(row["value"], low, high)
    ]
    given = {label["value"].strip() for label in labels}
    labels += [
        {"value": str(value), "label": ""}
        for value in range(low, high + 1)
        if str(value) not in given
    ]
    labels.sort(
        key=lambda row: int(row["value"]) if row["value"].strip().lstrip("-").isdigit() else 0
    )
    return {**rows, "labels": labels}


def _on_scale(value: str, low: int, high: int) -> bool:
    value = value.strip()
    return value.lstrip("-").isdigit() and low <= int(value) <= high


def chosen_answers(data, definition: dict) -> dict[int, int]:
    """The test answers chosen in the preview (``answer-<number>``), as the engine takes them."""
    answers = {}
    for item in definition.get("items", []):
        value = (data.get(f"answer-{item['number']}") or "").strip()
        if value.lstrip("-").isdigit():
            answers[item["number"]] = int(value)
    return answers


def preview_rows(definition: dict, answers: dict[int, int]) -> list[dict]:
    """The client's form for ``definition`` (a loaded one): each item with its answer options,
    the test answer chosen checked."""
    rows = []
    for item in definition["items"]:
        scale = item.get("scale") or definition["scale"]
        labels = {label["value"]: label["label"] for label in scale["labels"]}
        rows.append(
            {
                "number": item["number"],
                "text": item["text"],
                "required": item["required"],
                "options": [
                    {
                        "value": value,
                        "label": labels.get(value, ""),
                        "id": f"answer-{item['number']}-{value}",
                        "checked": answers.get(item["number"]) == value,
                    }
                    for value in range(scale["min"], scale["max"] + 1)
                ],
            }
        )
    return rows
