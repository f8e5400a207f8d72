"""The client's questionnaire laid out in real Chromium: an ECR-R page is a compact row of options
per item on a laptop, large targets on a phone, and never scrolls sideways at 320 px."""

import pytest

from tests.assessments.assign_helpers import send_now, token_of

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
NARROWEST = {"width": 320, "height": 640}


@pytest.fixture
def ecr_r_link(transactional_db, erin):
    """The first ECR-R page's path, the visit started."""
    _, packet = send_now(erin, "ecr-r")
    return f"/q/{token_of(packet)}/"


def first_page(chromium, live_server, link, viewport):
    context = chromium.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(link)
    page.get_by_role("button", name="Start").click()
    page.get_by_text("page 1 of 5").wait_for()
    return context, page


def page_height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


@pytest.mark.django_db(transaction=True)
def test_an_ecr_r_page_is_compact_on_a_laptop(chromium, live_server, ecr_r_link):
    context, page = first_page(chromium, live_server, ecr_r_link, LAPTOP)
    try:
        compact = page_height(page)
        rows = page.evaluate(
            "[...document.querySelectorAll('.q-scale')].map("
            "g => new Set([...g.querySelectorAll('.q-option')].map(o => o.offsetTop)).size)"
        )
        # The stacked layout, for comparison: the same page without the container to query.
        page.evaluate("document.querySelector('.client-form-page').style.containerType = 'normal'")
        stacked = page_height(page)
        # The secondary actions read as such: no fill, lighter weight than the main button.
        primary, secondary = (
            page.evaluate(
                f"(() => {{ const s = getComputedStyle(document.querySelector('{selector}'));"
                " return [s.backgroundColor, Number(s.fontWeight)]; })()"
            )
            for selector in (".q-actions .client-primary", ".q-actions .q-secondary")
        )
    finally:
        context.close()
    assert rows == [1] * 8, "each item's seven options sit on one row"
    assert stacked > 3000, f"the stacked page measures {stacked}px"
    assert compact < 0.55 * stacked, f"compact {compact}px against stacked {stacked}px"
    assert secondary[0] == "rgba(0, 0, 0, 0)" and primary[0] != secondary[0]
    assert secondary[1] < primary[1]


@pytest.mark.django_db(transaction=True)
def test_an_ecr_r_page_keeps_large_targets_on_a_phone(chromium, live_server, ecr_r_link):
    context, page = first_page(chromium, live_server, ecr_r_link, PHONE)
    try:
        boxes = [option.bounding_box() for option in page.locator(".q-option").all()]
        width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        context.close()
    assert len(boxes) == 8 * 7
    small = [box for box in boxes if box["width"] < 44 or box["height"] < 44]
    assert not small, f"{len(small)} answer targets are under 44px: {small[:3]}"
    assert width <= PHONE["width"]


@pytest.mark.django_db(transaction=True)
def test_an_ecr_r_page_does_not_scroll_sideways_at_320px(chromium, live_server, ecr_r_link):
    context, page = first_page(chromium, live_server, ecr_r_link, NARROWEST)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        context.close()
    assert width <= NARROWEST["width"], f"the page is {width}px wide at 320px"
