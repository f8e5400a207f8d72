"""In real Chromium on a tablet, in session (issue 14): the client answers PHQ-9 item 9 with
"Several days" on the clinician's device and sees the practice's crisis number; reloading the page
shows it again (a GET after a redirect, not the answers posted twice), the session stays locked,
and "Hand back to your clinician" leads to the lock screen."""

import pytest

from assessments.models import Response
from practice.models import SafetySettings
from tests.assessments.assign_helpers import cleared
from tests.browser.test_in_session_journey import TABLET
from tests.browser.test_questionnaire_journey import answer_page, sign_in


@pytest.mark.django_db(transaction=True)
def test_the_crisis_page_in_session_survives_a_reload(chromium, live_server, bob, erin):
    cleared(erin.practice, "phq-9")
    SafetySettings.objects.create(practice=erin.practice, phone="01632 960 000")
    context = chromium.new_context(base_url=live_server.url, viewport=TABLET, has_touch=True)
    tablet = context.new_page()
    tablet.set_default_timeout(10_000)
    sign_in(tablet, bob)

    tablet.goto(f"/clients/{erin.pk}/")
    tablet.get_by_role("link", name="Start in session").click()
    tablet.get_by_label("Patient Health Questionnaire-9 (PHQ-9)").check()
    tablet.get_by_role("button", name="Hand the device to Erin").click()
    answer_page(tablet, dict.fromkeys(range(1, 6), "Not at all"))
    tablet.get_by_role("button", name="Save and continue").click()
    answer_page(tablet, {6: "Not at all", 7: "Not at all", 8: "Not at all", 9: "Several days"})
    tablet.get_by_role("button", name="Send my answers").click()

    number = tablet.get_by_role("link", name="01632 960 000")
    assert number.is_visible() and "/support/?mark=" in tablet.url
    tablet.reload()
    assert tablet.get_by_role("link", name="01632 960 000").is_visible()
    assert Response.objects.filter(client=erin).count() == 1

    tablet.goto(f"/clients/{erin.pk}/")  # still locked
    assert tablet.get_by_role("heading", name="Please hand this device back").is_visible()
    tablet.go_back()
    tablet.get_by_role("link", name="Hand back to your clinician").click()
    assert tablet.get_by_role("heading", name="Please hand this device back").is_visible()
    context.close()
