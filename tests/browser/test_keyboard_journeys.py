"""Keyboard only, in real Chromium (issue 15): a clinician assigns a questionnaire from the
client's page, and a client answers every question of the PHQ-9 and sends it, with Tab, Space,
the arrow keys and Enter - never the mouse. Each control acted on shows where focus is."""

import re

import pytest
from django.urls import reverse

from assessments.models import Assignment, Response
from tests.assessments.assign_helpers import cleared, send_now, token_of
from tests.browser.test_reflow import signed_in

# What has focus: its tag, its name as a person hears it, the question it answers (for a radio
# button, its fieldset's legend) and whether its focus outline shows.
FOCUSED = """() => {
  const el = document.activeElement;
  const fieldset = el.closest('fieldset');
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    type: el.type || '',
    name: ((el.labels && el.labels[0] && el.labels[0].textContent) || el.getAttribute('aria-label')
      || el.textContent || '').trim().replace(/\\s+/g, ' '),
    question: fieldset ? fieldset.querySelector('legend').textContent.trim() : '',
    outlined: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
  };
}"""


def tab_to(page, matches, limit=120) -> dict:
    """Press Tab until the focused control ``matches``; fails if it is never reached."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if matches(focused):
            assert focused["outlined"], f"focus on {focused['name']!r} is not visible"
            return focused
    raise AssertionError("never reached by Tab")


def named(pattern: str):
    return lambda focused: re.search(pattern, focused["name"]) is not None


def choose(page, number: int, position: int) -> None:
    """Answer question ``number`` with its ``position``-th option (0 is the first): Tab into the
    question's radio group, Space picks the first option, each Down arrow the next one."""
    tab_to(page, lambda f: f["type"] == "radio" and f["question"].startswith(f"{number}. "))
    page.keyboard.press("Space")
    for _ in range(position):
        page.keyboard.press("ArrowDown")


@pytest.mark.django_db(transaction=True)
def test_assigning_a_questionnaire_with_the_keyboard(chromium, live_server, bob, erin):
    cleared(erin.practice, "gad-7")
    context, page = signed_in(chromium, live_server, bob)
    try:
        page.goto(reverse("clients:detail", args=[erin.pk]))
        tab_to(page, named(r"^Assign questionnaires$"))
        page.keyboard.press("Enter")
        page.wait_for_url(f"**{reverse('assessments:assign', args=[erin.pk])}")
        tab_to(page, lambda f: f["type"] == "checkbox" and "GAD-7" in f["name"])
        page.keyboard.press("Space")
        assert page.get_by_label("Send now").is_checked()
        tab_to(page, named(r"^Assign$"))
        page.keyboard.press("Enter")
        page.get_by_text("Questionnaires sent to Erin.").wait_for()
    finally:
        context.close()
    assignment = Assignment.objects.get(client=erin)
    assert [i.code for i in assignment.instruments.all()] == ["gad-7"]


@pytest.mark.django_db(transaction=True)
def test_answering_a_questionnaire_with_the_keyboard(chromium, live_server, erin):
    _, packet = send_now(erin, "phq-9")
    # Item by item: "Not at all" (0), "Several days" (1), "More than half the days" (2).
    answers = {1: 1, 2: 2, 3: 0, 4: 1, 5: 0, 6: 2, 7: 1, 8: 0, 9: 0}
    context, page = signed_in(chromium, live_server, None)
    try:
        page.goto(f"/q/{token_of(packet)}/")
        tab_to(page, named(r"^Start$"))
        page.keyboard.press("Enter")
        page.get_by_text("page 1 of 2").wait_for()
        for number in range(1, 6):
            choose(page, number, answers[number])
        tab_to(page, named(r"^Save and continue$"))
        page.keyboard.press("Enter")
        page.get_by_text("page 2 of 2").wait_for()
        for number in range(6, 10):
            choose(page, number, answers[number])
        choose(page, 10, 1)  # how difficult: "Somewhat difficult"
        tab_to(page, named(r"^Send my answers$"))
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Thank you").wait_for()
    finally:
        context.close()
    response = Response.objects.get(client=erin)
    assert response.total == sum(answers.values()) == 7
