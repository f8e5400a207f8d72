"""In real Chromium on a tablet: the clinician starts a PHQ-9 in session from the client's page
and hands the device over; the client answers and sends; the device is locked, the client's
record cannot be reached by address, a wrong password is refused, and the clinician's password
returns to the client's page (issue 14)."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from assessments.models import Response
from tests.assessments.assign_helpers import cleared
from tests.browser.test_questionnaire_journey import answer_page, sign_in
from tests.factories import PASSWORD

TABLET = {"width": 820, "height": 1180}


@pytest.mark.django_db(transaction=True)
def test_start_answer_lock_unlock(chromium, live_server, bob, erin):
    cleared(erin.practice, "phq-9")
    context = chromium.new_context(base_url=live_server.url, viewport=TABLET, has_touch=True)
    tablet = context.new_page()
    tablet.set_default_timeout(10_000)
    sign_in(tablet, bob)

    client_page = f"/clients/{erin.pk}/"
    tablet.goto(client_page)
    tablet.get_by_role("link", name="Start in session").click()
    tablet.get_by_label("Patient Health Questionnaire-9 (PHQ-9)").check()
    tablet.get_by_role("button", name="Hand the device to Erin").click()

    # The client's full-screen questionnaire: no site navigation, no clinician links.
    assert tablet.get_by_role("navigation", name="Main").count() == 0
    assert tablet.locator("a[href^='/clients/'], a[href^='/dashboard/']").count() == 0
    answer_page(tablet, dict.fromkeys(range(1, 6), "Several days"))
    tablet.get_by_role("button", name="Save and continue").click()
    answer_page(tablet, dict.fromkeys(range(6, 10), "Not at all"))
    tablet.get_by_role("button", name="Send my answers").click()

    assert tablet.get_by_role("heading", name="Please hand this device back").is_visible()
    assert Response.objects.get(client=erin).source == "in_session"

    # Typing the record's address shows the lock screen, not the record.
    tablet.goto(client_page)
    assert tablet.get_by_role("heading", name="Please hand this device back").is_visible()
    assert "Erin Fictional" not in tablet.content()

    secret = tablet.get_by_label("Your password, or a code from your authenticator app")
    secret.fill("not the password")
    tablet.get_by_role("button", name="Unlock").click()
    assert tablet.get_by_role("alert").inner_text().count("not right") == 1

    tablet.get_by_label("Your password, or a code from your authenticator app").fill(PASSWORD)
    tablet.get_by_role("button", name="Unlock").click()
    tablet.wait_for_url(f"**{client_page}")
    assert tablet.get_by_role("heading", name="Erin Fictional").is_visible()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_start_lock_and_brief_fit_320_px(narrow_phone_page, bob, erin):
    """The start page, the lock screen and Today's brief do not scroll sideways on a phone."""
    cleared(erin.practice, "phq-9")
    london = zoneinfo.ZoneInfo(erin.practice.time_zone)
    today = timezone.localdate(timezone=london)
    erin.next_session_at = datetime.datetime.combine(today, datetime.time(12), london)
    erin.save()
    phone = narrow_phone_page
    sign_in(phone, bob)

    def fits():
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{phone.url} scrolls sideways at 320 px ({width}px)"

    phone.goto("/clients/today/")
    assert phone.get_by_role("heading", name="Erin Fictional").is_visible()
    fits()
    phone.goto(f"/clients/{erin.pk}/")
    phone.get_by_role("link", name="Start in session").click()
    fits()
    phone.get_by_label("Patient Health Questionnaire-9 (PHQ-9)").check()
    phone.get_by_role("button", name="Hand the device to Erin").click()
    fits()
    phone.get_by_role("link", name="Stop and hand back to your clinician").click()
    assert phone.get_by_role("heading", name="Please hand this device back").is_visible()
    fits()
