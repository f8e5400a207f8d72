"""The page a client sees after submitting a PHQ-9 with item 9 above 0: the practice's own crisis
wording, phone, hours and out-of-hours advice, the national lines it chose for the client's
country, never the client's answers; a clear default when the practice has set nothing; the
ordinary thank-you page otherwise; and nothing of it for anyone opening the link later.

The crisis page is reached by a redirect (POST, redirect, GET): a reload shows it again and never
posts the answers twice; it needs the link and the submission's signed mark, for a day."""

import datetime

import pytest
import time_machine
from django.test import Client as Browser
from django.urls import reverse

from assessments.models import Alert
from practice.models import SafetySettings
from tests.assessments.assign_helpers import at, send_now, token_of

SENT = at(2025, 3, 3, 10)
PHONE = "01632 960 000"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


@pytest.fixture
def safety(practice_a):
    return SafetySettings.objects.create(
        practice=practice_a,
        crisis_wording="We are here for you. Please call us today.",
        phone=PHONE,
        hours="Monday to Friday, 9:00 to 17:00",
        out_of_hours="Call NHS 111, or your local emergency number.",
        crisis_lines=["gb-samaritans", "us-988"],
    )


def submit_phq9(client, item9: int, rest: int = 2, sent=SENT):
    """Answer a PHQ-9 through the real link, as a phone would: start, page 1, page 2 (submit),
    an hour after it was sent, following the submission's redirect. Returns the page shown
    after submitting (its ``redirect_chain`` holds the redirect), the token and the browser."""
    _, packet = send_now(client, "phq-9", now=sent)
    token = token_of(packet)
    browser = Browser()
    with time_machine.travel(sent + datetime.timedelta(hours=1), tick=False):
        browser.post(reverse("questionnaire:landing", args=[token]))
        first = {f"item-{n}": str(rest) for n in range(1, 6)}
        browser.post(reverse("questionnaire:page", args=[token, 1]), {**first, "action": "next"})
        second = {f"item-{n}": str(rest) for n in range(6, 9)}
        second |= {"item-9": str(item9), "action": "submit"}
        response = browser.post(reverse("questionnaire:page", args=[token, 2]), second, follow=True)
    return response, token, browser


@pytest.mark.django_db
def test_item_9_above_zero_shows_the_practice_number_and_nothing_of_the_answers(erin, safety):
    response, _, _ = submit_phq9(erin, item9=1, rest=2)
    assert response.status_code == 200
    html = response.content.decode()
    assert PHONE in html and 'href="tel:01632960000"' in html
    assert "Monday to Friday, 9:00 to 17:00" in html
    assert "We are here for you. Please call us today." in html
    assert "Call NHS 111" in html
    assert "Call your local emergency number now" in html
    # Nothing of what the client answered, nor of the questionnaire or its scoring.
    for shown_back in ("Item 9", "item 9", "PHQ", "Not at all", "Several days", "score"):
        assert shown_back not in html, shown_back
    assert "<script" not in html
    assert "no-store" in response["Cache-Control"]
    assert Alert.objects.get().client == erin


@pytest.mark.django_db
def test_item_9_zero_gives_the_ordinary_thank_you_page(erin, safety):
    response, _, _ = submit_phq9(erin, item9=0, rest=1)
    [(location, status)] = response.redirect_chain
    assert status == 302 and location.startswith(reverse("questionnaire:thanks"))
    html = response.content.decode()
    assert "Your answers have been sent" in html
    assert PHONE not in html and "Samaritans" not in html
    assert not Alert.objects.exists()


@pytest.mark.django_db
def test_the_lines_shown_are_those_chosen_for_the_client_country(erin, safety):
    erin.country = "GB"
    erin.save()
    html = submit_phq9(erin, item9=2)[0].content.decode()
    assert "Samaritans" in html and "116 123" in html
    assert "988" not in html  # chosen, but for another country


@pytest.mark.django_db
def test_no_other_country_line_for_a_client_abroad(erin, safety):
    erin.country = "AU"  # the practice chose lines for the UK and the US only
    erin.save()
    html = submit_phq9(erin, item9=1)[0].content.decode()
    assert "116 123" not in html and "988" not in html
    assert PHONE in html and "Call your local emergency number now" in html


@pytest.mark.django_db
def test_every_chosen_line_when_the_client_country_is_unknown(erin, safety):
    html = submit_phq9(erin, item9=3)[0].content.decode()
    assert "Samaritans" in html and "116 123" in html
    assert "988 Suicide &amp; Crisis Lifeline" in html
    assert "Lifeline</strong>" not in html  # Australia's line was not chosen


@pytest.mark.django_db
def test_default_when_the_practice_has_set_nothing(erin):
    response, _, _ = submit_phq9(erin, item9=1)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Call your local emergency number now" in html
    assert "If you feel unsafe, contact emergency services." in html
    assert "tel:" not in html  # no phone of the practice to offer, and no lines chosen


@pytest.mark.django_db
def test_default_with_only_the_practice_phone(erin, practice_a):
    SafetySettings.objects.create(practice=practice_a, phone=PHONE)
    html = submit_phq9(erin, item9=1)[0].content.decode()
    assert "contact emergency services" in html
    assert PHONE in html


@pytest.mark.django_db
def test_nobody_opening_the_link_or_thank_you_page_later_learns_of_the_alert(erin, safety):
    response, token, _ = submit_phq9(erin, item9=1)
    assert PHONE in response.content.decode()
    later = Browser()
    for url in (
        reverse("questionnaire:landing", args=[token]),
        reverse("questionnaire:page", args=[token, 2]),
        reverse("questionnaire:thanks"),
    ):
        html = later.get(url).content.decode()
        assert PHONE not in html and "Samaritans" not in html and "emergency number" not in html
