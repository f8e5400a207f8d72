"""axe-core on every page in real Chromium (issue 15): no WCAG 2.0, 2.1 or 2.2 A or AA
violation, on a desktop (1366 x 900) and on a phone (390 x 844).

The pages are the reflow walk's (tests/browser/test_reflow.py): each GET route of the permission
walk as the clinician and as the owner where each may open it, so a new page is covered the day
it gets its row there, the owner's whole-practice dashboard and every instrument's page; the
client's progress page, with its trajectory charts, is among them. Then the client's
questionnaire as a client meets it: the landing page, a page of questions (and the same page
listing what is missing), "save and finish later", the thank-you page, the crisis page after an
answer that raises a critical alert, and a link that does not work; and the questionnaire
answered in session on the clinician's device with its lock screen.

axe-core comes from the axe-playwright-python package (its bundled ``axe.min.js``), injected
with Playwright's ``evaluate`` so the pages' Content-Security-Policy stays as it is. One browser;
one signed-in context per person. A few minutes."""

import re
from importlib import resources

import pytest
from django.urls import reverse

from practice.models import SafetySettings
from tests.assessments.assign_helpers import cleared, send_now, token_of
from tests.browser.test_questionnaire_journey import answer_page

# The permission walk's world and the fixtures it is built from, as test_reflow has them.
from tests.browser.test_reflow import (
    long_strings,
    signed_in,
    walk,
    world,  # noqa: F401
)
from tests.route_walk import (  # noqa: F401
    imports_world,
    notes_world,
    questionnaire_world,
    reports_world,
)

AXE_SCRIPT = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text()
# WCAG 2.0, 2.1 and 2.2 at levels A and AA (axe has no separate "wcag22a" tag).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return results.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — '
    + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')
    + (v.nodes.length > 3 ? ' and ' + (v.nodes.length - 3) + ' more' : ''));
}"""


def violations(page, where: str) -> list[str]:
    """axe's WCAG A and AA violations on the page as it stands, at both sizes."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    found = []
    for name, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.evaluate(NEXT_FRAME)  # the page's resize handlers have run
        found += [f"{where} ({name}): {v}" for v in page.evaluate(RUN_AXE, WCAG_TAGS)]
    return found


def questionnaire_violations(page, erin) -> list[str]:
    """The client's questionnaire from the link on, through every page a client can meet."""
    found = []
    SafetySettings.objects.create(
        practice=erin.practice,
        crisis_wording="Please call us today.",
        phone="01632 960 000",
        crisis_lines=["gb-samaritans"],
    )
    _, packet = send_now(erin, "phq-9")
    link = f"/q/{token_of(packet)}/"
    page.goto(link)
    found += violations(page, "questionnaire landing")
    page.get_by_role("button", name="Start").click()
    page.get_by_text("page 1 of").wait_for()
    found += violations(page, "questionnaire page")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("alert").wait_for()
    found += violations(page, "questionnaire page listing what is missing")
    answer_page(page, dict.fromkeys(range(1, 6), "Not at all"))
    page.get_by_role("button", name=re.compile("finish later")).click()
    found += violations(page, "questionnaire saved")
    page.goto(link)
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("page 2 of").wait_for()
    answer_page(page, {6: "Not at all", 7: "Not at all", 8: "Not at all", 9: "Several days"})
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("link", name="01632 960 000").wait_for()
    found += violations(page, "crisis page")
    _, calm = send_now(erin, "gad-7")
    page.goto(f"/q/{token_of(calm)}/")
    page.get_by_role("button", name="Start").click()
    answer_page(page, dict.fromkeys(range(1, 8), "Not at all"))
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/q/thanks/**")
    found += violations(page, "questionnaire thanks")
    page.goto("/q/not-a-working-link/")
    found += violations(page, "questionnaire invalid link")
    return found


def in_session_violations(page, erin) -> list[str]:
    """The questionnaire answered on the clinician's device, and the lock screen after it (the
    walk leaves them out: they lock the clinician's session)."""
    cleared(erin.practice, "phq-9")
    page.goto(reverse("clients:detail", args=[erin.pk]))
    page.get_by_role("link", name="Start in session").click()
    found = violations(page, "in-session start")
    page.get_by_role("checkbox", name="Patient Health Questionnaire-9 (PHQ-9)").check()
    page.get_by_role("button", name=re.compile("^Hand the device to")).click()
    page.get_by_text("page 1 of").wait_for()
    found += violations(page, "in-session questionnaire page")
    page.get_by_role("link", name="Stop and hand back to your clinician").click()
    page.get_by_role("heading", name="Please hand this device back").wait_for()
    return found + violations(page, "in-session lock screen")


@pytest.mark.django_db(transaction=True)
def test_axe_finds_no_wcag_a_or_aa_violation_on_any_page(chromium, live_server, world):  # noqa: F811
    long_strings(world)
    contexts = {}
    failures = []
    charts = 0
    try:
        for actor, path, page in walk(chromium, live_server, world, contexts):
            charts += page.locator("svg[role=img], figure svg").count()
            failures += violations(page, f"{path} as {actor}")
        contexts["client"] = signed_in(chromium, live_server, None)
        failures += questionnaire_violations(contexts["client"][1], world["erin"])
        contexts["in session"] = signed_in(chromium, live_server, world["bob"])
        failures += in_session_violations(contexts["in session"][1], world["erin"])
    finally:
        for context, _ in contexts.values():
            context.close()
    assert charts, "no page with a chart was checked"
    assert not failures, "axe-core found WCAG A/AA violations:\n" + "\n".join(failures)
