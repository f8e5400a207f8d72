"""The instrument builder in real Chromium (issue 16): an owner builds a four-item instrument at
1366 px and at 390 px, gets more item rows by pressing Preview, sees the client's form, has test
answers scored live (HTMX on change) and saves it, and the page never scrolls sideways; and
builds an instrument with a weighted score, prototype ratings and a forced-choice tie-break on a
scale labelled at its anchors."""

import pytest
from django.urls import reverse

from assessments.models import Instrument
from tests.browser.test_reflow import CULPRITS, WIDTH_SCRIPT, signed_in

pytestmark = pytest.mark.browser

LABELS = ["Not at all", "Sometimes", "Often", "Almost always"]
ITEMS = ["I felt calm.", "I felt on edge.", "I found it hard to rest.", "I slept badly."]


def fits(page, width: int) -> None:
    scroll_width = page.evaluate(WIDTH_SCRIPT)
    assert scroll_width <= width, page.evaluate(CULPRITS, width)


def press(page, name: str) -> None:
    """Leave the field being typed in, let the live preview's request it sends (HTMX, on
    change) finish, then press the button: the test database (SQLite in memory) takes one
    request's transaction at a time."""
    page.locator("h1").click()
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    page.get_by_role("button", name=name, exact=True).click()


def build_four_items(page, code: str, width: int) -> None:
    page.goto(reverse("assessments:build"))
    fits(page, width)
    about = page.get_by_role("group", name="The instrument")
    about.get_by_label("Name", exact=True).fill(f"Weekly check {width}")
    about.get_by_label("Code", exact=True).fill(code)
    about.get_by_label("Citation").fill("Fictional, A. (2024). A weekly check. Examples, 1, 1-2.")
    about.get_by_label("Licence note").fill("Written for this practice; free to use.")
    for index, label in enumerate(LABELS):
        page.locator(f"#id_labels-{index}-label").fill(label)
    # Two blank item rows to start with; Preview keeps them and adds two more.
    page.locator("#id_items-0-text").fill(ITEMS[0])
    page.locator("#id_items-0-reverse").check()
    page.locator("#id_items-1-text").fill(ITEMS[1])
    press(page, "Preview")
    page.locator("#id_items-3-text").fill(ITEMS[3])
    page.locator("#id_items-2-text").fill(ITEMS[2])
    page.locator("#id_subscales-0-key").fill("strain")
    page.locator("#id_subscales-0-label").fill("Strain")
    page.locator("#id_subscales-0-items").fill("1-4")
    press(page, "Preview")
    preview = page.get_by_role("heading", name="Preview of the client's form")
    preview.wait_for()
    fits(page, width)
    # Test answers are scored as they are chosen (HTMX), by the engine: 3 + 2 + 3 + 1 = 9.
    for number, value in ((1, 0), (2, 2), (3, 3), (4, 1)):
        page.locator(f"#answer-{number}-{value}").check()
    page.get_by_text("Strain: 9").wait_for()
    fits(page, width)
    press(page, "Save the instrument")
    page.get_by_role("heading", name=f"Weekly check {width}").wait_for()


@pytest.mark.django_db(transaction=True)
def test_an_owner_builds_a_four_item_instrument_on_a_laptop_and_a_phone(
    chromium, live_server, alice
):
    context, page = signed_in(chromium, live_server, alice)
    try:
        for width, code in ((1366, "weekly-laptop"), (390, "weekly-phone")):
            page.set_viewport_size({"width": width, "height": 900})
            build_four_items(page, code, width)
            instrument = Instrument.objects.get(code=code)
            assert [item["text"] for item in instrument.definition["items"]] == ITEMS
            assert instrument.definition["items"][0]["reverse"] is True
        # The smallest phone we support (test_reflow's walk): the builder and its edit page.
        page.set_viewport_size({"width": 320, "height": 900})
        page.goto(reverse("assessments:build"))
        fits(page, 320)
        page.goto(reverse("assessments:rebuild", args=["weekly-phone"]))
        page.get_by_role("heading", name="Edit Weekly check 390").wait_for()
        fits(page, 320)
    finally:
        context.close()


def fill_rows(page, prefix: str, rows: list[dict]) -> None:
    """Fill a formset's rows in order, pressing Preview for more rows when the blank ones run
    out (the page works without JavaScript: Preview adds rows)."""
    for index, row in enumerate(rows):
        first = page.locator(f"#id_{prefix}-{index}-{next(iter(row))}")
        if first.count() == 0:
            press(page, "Preview")
            first.wait_for()
        for name, value in row.items():
            field = page.locator(f"#id_{prefix}-{index}-{name}")
            if name == "style":
                field.select_option(value)
            else:
                field.fill(value)


@pytest.mark.django_db(transaction=True)
def test_an_owner_builds_weighted_scores_and_a_forced_choice_tie_break(
    chromium, live_server, alice
):
    """The RQ-shaped test instrument (placeholder wording; tests/assessments/rq_like.yaml):
    model of self = (secure + dismissing) - (preoccupied + fearful) (Griffin & Bartholomew,
    1994), equal highest ratings decided by the "describes you best" item."""
    context, page = signed_in(chromium, live_server, alice)
    try:
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto(reverse("assessments:build"))
        about = page.get_by_role("group", name="The instrument")
        about.get_by_label("Name", exact=True).fill("Prototype ratings")
        about.get_by_label("Code", exact=True).fill("prototype-ratings")
        about.get_by_label("Citation").fill("Griffin & Bartholomew (1994); placeholder wording.")
        about.get_by_label("Licence note").fill("Test instrument; placeholder wording.")
        page.locator("#id_scale_min").fill("1")
        page.locator("#id_scale_max").fill("7")
        page.get_by_label("The publication labels only some points (its anchors)").check()
        press(page, "Preview")  # rows for the points 1 to 7; label only the anchors
        page.locator("#id_labels-0-label").fill("Not at all like me")
        page.locator("#id_labels-6-label").fill("Very much like me")
        fill_rows(
            page,
            "items",
            [{"text": "Which description fits you best? (placeholder)"}]
            + [{"text": f"Description {letter} (placeholder)"} for letter in "ABCD"],
        )
        ratings = [("secure", "2"), ("fearful", "3"), ("preoccupied", "4"), ("dismissing", "5")]
        fill_rows(
            page,
            "subscales",
            [{"key": key, "label": key.title(), "items": item} for key, item in ratings]
            + [{"key": "self_model", "label": "Model of self"}],
        )
        page.locator("#id_subscales-4-method").select_option("weighted")
        page.locator("#id_subscales-4-weights").fill("(2 + 5) - (4 + 3)")
        style = page.get_by_role("group", name="Attachment style (optional)")
        style.get_by_label("Classification", exact=True).select_option("prototype")
        style.get_by_label("Source of the rule and the style mapping").fill("Bartholomew (1991)")
        for name, key in (
            ("secure", "secure"),
            ("anxious_preoccupied", "preoccupied"),
            ("dismissive_avoidant", "dismissing"),
            ("fearful_avoidant", "fearful"),
        ):
            page.locator(f"#id_classification-{name}").fill(key)
        style.get_by_label("Equal highest ratings").select_option("forced_choice")
        style.get_by_label("Forced-choice item number").fill("1")
        styles = ["secure", "fearful-avoidant", "anxious-preoccupied", "dismissive-avoidant"]
        fill_rows(
            page,
            "tie_options",
            [
                {"value": str(n), "label": letter, "style": s}
                for n, letter, s in zip((1, 2, 3, 4), "ABCD", styles, strict=True)
            ],
        )
        press(page, "Preview")
        page.get_by_role("heading", name="Preview of the client's form").wait_for()
        page.get_by_text("Only some answers have words").wait_for()
        fits(page, 1366)
        # Secure and preoccupied both rated 6; the forced choice C names preoccupied.
        for number, value in ((2, 6), (3, 2), (4, 6), (5, 4), (1, 3)):
            page.locator(f"#answer-{number}-{value}").check()
        page.get_by_text("Model of self: 2").wait_for()  # (6 + 4) - (6 + 2)
        page.get_by_text("(equal highest ratings, decided by item 1)").wait_for()
        assert "Anxious-preoccupied" in page.locator("#builder-score").inner_text()
        press(page, "Save the instrument")
        page.get_by_role("heading", name="Prototype ratings").wait_for()
        definition = Instrument.objects.get(code="prototype-ratings").definition
        assert definition["classification"]["forced_choice"]["item"] == 1
        assert definition["items"][0]["scale"]["labels"][2] == {"value": 3, "label": "C"}
    finally:
        context.close()
