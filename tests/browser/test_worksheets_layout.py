"""The progress page's worksheets and numbers in use at 320 and 390 CSS px (issue 14), in real
Chromium: long answers and citations wrap inside their column or scroll inside their table's box.
(The page as a whole is test_reflow's; its trajectory charts are not this test's subject.)"""

import pytest
from django.urls import reverse

from assessments.demo import DEMO_CITATION
from assessments.models import PracticeCitedValue
from tests.browser.test_reflow import signed_in
from tests.practice.progress_helpers import cite_ecr, day, ecr, respond

pytestmark = pytest.mark.browser

OUTSIDE = """([selector, limit]) => [...document.querySelectorAll(selector + ', ' + selector + ' *')]
  .filter(el => !el.closest('.table-wrap') && el.getBoundingClientRect().right > limit + 0.5)
  .map(el => el.tagName.toLowerCase() + ': ' + (el.textContent || '').trim().slice(0, 30))"""
NUMBERS_FIT = """(() => {
  const numbers = document.querySelector('#numbers-ecr-r');
  const column = numbers.closest('.trajectory-summary');
  return [...numbers.querySelectorAll('*')].every(
    el => el.getBoundingClientRect().right <= column.getBoundingClientRect().right + 0.5);
})()"""
LONG = "Whenever someone goes quiet I am sure it is because of something I did wrong " * 6


@pytest.mark.django_db(transaction=True)
def test_worksheets_and_numbers_fit_a_phone(chromium, live_server, erin, bob):
    cite_ecr(erin.practice)
    PracticeCitedValue.objects.update(citation=DEMO_CITATION)
    respond(erin, "ecr-r", ecr(6, 5), day(2025, 1, 6))
    respond(erin, "ecr-r", ecr(2, 2), day(2025, 3, 3))
    for when in (day(2025, 1, 6), day(2025, 2, 3), day(2025, 3, 3)):
        respond(
            erin, "limiting-beliefs", {1: LONG, 2: "Evidence", 3: "A fairer view", 4: LONG}, when
        )
    respond(erin, "support-figures", {1: "Gran", 2: LONG, 4: "A call", 5: "Time"}, day(2025, 2, 3))
    context, page = signed_in(chromium, live_server, bob)
    try:
        page.goto(reverse("clients:progress", args=[erin.pk]))
        page.get_by_role("heading", name="Worksheets").wait_for()
        page.locator("#numbers-ecr-r summary").click()
        page.get_by_text("Illustrative numbers, not from a publication").first.wait_for()
        for width in (320, 390):
            page.set_viewport_size({"width": width, "height": 800})
            # Nothing in the worksheets card reaches past the screen outside a table's scroll
            # box, and the numbers stay inside the summary column they belong to.
            assert page.evaluate(OUTSIDE, [".worksheets", width]) == []
            assert page.evaluate(NUMBERS_FIT) is True
        table = page.get_by_role("table", name="Limiting beliefs worksheet: 3 submissions")
        assert table.get_by_role("columnheader").count() == 4  # the question and three dates
    finally:
        context.close()
