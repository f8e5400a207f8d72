"""The pages still work in real Chromium under the Content-Security-Policy, and the browser
reports no violation: no inline script or style blocked, nothing loaded from elsewhere.

Every ``securitypolicyviolation`` event and every console message about the policy is
collected while a clinician walks the dashboard, a client's page and progress page (inline SVG
charts whose tooltip rules carry the nonce), the API docs (Swagger UI) and a client opens the
questionnaire link on a phone.
"""

import re

import pytest

from practice.dashboard import progress
from tests.assessments.assign_helpers import send_now, token_of
from tests.factories import PASSWORD
from tests.practice.progress_helpers import day, phq9, respond

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`);
});
"""
POLICY_MESSAGE = re.compile(r"Content Security Policy|Refused to|Permissions.Policy", re.I)


def watch(page) -> list[str]:
    """Console messages about the policies on ``page``, from now on."""
    messages: list[str] = []
    page.context.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            messages.append(message.text) if POLICY_MESSAGE.search(message.text) else None
        ),
    )
    return messages


def assert_no_violation(page, messages, where):
    violations = page.evaluate("window.__violations || []")
    assert not violations, f"{where}: {violations}"
    assert not messages, f"{where}: {messages}"


@pytest.mark.django_db(transaction=True)
def test_pages_work_under_the_policy_without_violations(page, phone_page, bob, erin):
    respond(erin, "phq-9", phq9(18), day(2025, 1, 6))
    respond(erin, "phq-9", phq9(6), day(2025, 3, 3))
    progress.refresh_client_progress(erin)
    _, packet = send_now(erin, "gad-7", actor=bob)
    token = token_of(packet)
    messages = watch(page)

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(bob.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/dashboard/")
    assert page.get_by_role("row").filter(has_text="Erin Fictional").is_visible()
    assert_no_violation(page, messages, "dashboard")

    page.goto(f"/clients/{erin.pk}/")
    assert page.get_by_role("heading", name="Erin Fictional").is_visible()
    assert_no_violation(page, messages, "client page")

    page.goto(f"/clients/{erin.pk}/progress/")
    point = page.locator("svg.att-trajectory .att-focus").first
    point.focus()
    # The tooltip shows on focus only through the chart's own <style>, which carries the nonce.
    tip = "#" + point.get_attribute("id").replace("-f", "-t", 1)
    visibility = page.evaluate(f"getComputedStyle(document.querySelector('{tip}')).visibility")
    assert visibility == "visible"
    assert_no_violation(page, messages, "progress page")

    page.goto("/api/docs/")
    page.get_by_role("heading", name=re.compile("Attune API")).wait_for()
    assert page.get_by_text("/api/v1/clients/").first.is_visible()
    assert_no_violation(page, messages, "API docs")

    phone_messages = watch(phone_page)
    phone_page.goto(f"/q/{token}/")
    assert phone_page.get_by_role("heading", name="Your questionnaires").is_visible()
    phone_page.get_by_role("button", name="Start").click()
    assert phone_page.get_by_text("Questionnaire 1 of 1").is_visible()
    assert_no_violation(phone_page, phone_messages, "questionnaire")
