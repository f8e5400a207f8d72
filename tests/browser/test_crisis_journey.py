"""In real Chromium on a 320-pixel-wide phone: a client answers PHQ-9 item 9 with "Several
days", sends their answers and sees the practice's crisis number at once, as a link they can
tap, with nothing of their answers shown back and nothing scrolling sideways; reloading the page
shows the number again (the page is a GET after a redirect, never the answers posted twice)."""

import pytest

from assessments.models import Response
from practice.models import OutboundEmail, SafetySettings
from tests.assessments.assign_helpers import LINK, send_now
from tests.browser.test_questionnaire_journey import answer_page


@pytest.mark.django_db(transaction=True)
def test_item_9_on_a_phone_shows_the_practice_number(narrow_phone_page, erin, monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)
    SafetySettings.objects.create(
        practice=erin.practice,
        crisis_wording="Please call us today.",
        phone="01632 960 000",
        hours="Monday to Friday, 9:00 to 17:00",
        crisis_lines=["gb-samaritans"],
    )
    send_now(erin, "phq-9")
    link = LINK.search(OutboundEmail.objects.get(kind="questionnaire_invitation").text_body)

    phone = narrow_phone_page
    phone.goto(link.group(0))
    phone.get_by_role("button", name="Start").click()
    answer_page(phone, dict.fromkeys(range(1, 6), "Not at all"))
    phone.get_by_role("button", name="Save and continue").click()
    answer_page(phone, {6: "Not at all", 7: "Not at all", 8: "Not at all", 9: "Several days"})
    phone.get_by_role("button", name="Send my answers").click()

    assert phone.get_by_role("heading", name="Thank you. Your answers have been sent").is_visible()
    number = phone.get_by_role("link", name="01632 960 000")
    assert number.is_visible() and number.get_attribute("href") == "tel:01632960000"
    box = number.bounding_box()
    assert box["height"] >= 24, "the number must be easy to tap"
    assert phone.get_by_role("link", name="116 123").is_visible()
    text = phone.locator("main").inner_text()
    assert "Several days" not in text and "PHQ" not in text
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the crisis page scrolls sideways on a small phone ({width}px)"

    assert "/support/?mark=" in phone.url
    phone.reload()
    assert phone.get_by_role("link", name="01632 960 000").is_visible()
    assert Response.objects.count() == 1
