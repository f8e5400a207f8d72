"""The practice's phone on the crisis page is a number a client can tap to call (issue 14): the
safety settings (page and API) take a phone number only, and a phone saved before that rule which
no phone can dial is shown as text, never as a ``tel:`` link that dials nothing or the wrong
number."""

import pytest
from django.urls import reverse

from practice.crisis import crisis_resources
from practice.models import SafetySettings
from practice.models.safety import PHONE_REFUSED, phone_digits
from tests.assessments.test_crisis_page import submit_phq9


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


@pytest.mark.parametrize(
    ("phone", "dialled"),
    [
        ("01632 960 000", "01632960000"),
        ("+44 1632 960000", "+441632960000"),
        ("(01632) 960-000", "01632960000"),
        ("999", "999"),
        ("Ask at reception", ""),
        ("01632 960 000 ext 4", ""),
        ("12", ""),
        ("", ""),
    ],
)
def test_what_a_tel_link_dials(phone, dialled):
    assert phone_digits(phone) == dialled


@pytest.mark.django_db
def test_the_settings_page_refuses_what_is_not_a_phone_number(as_alice, practice_a):
    response = as_alice.post(
        reverse("safety_settings"), {"phone": "Ask at reception", "escalation_hours": "24"}
    )
    assert response.status_code == 400
    assert "Enter the phone number only" in response.content.decode()
    assert PHONE_REFUSED.startswith("Enter the phone number only")
    assert not SafetySettings.objects.filter(practice=practice_a).exists()
    accepted = as_alice.post(
        reverse("safety_settings"), {"phone": "+44 1632 960000", "escalation_hours": "24"}
    )
    assert accepted.status_code == 302
    assert SafetySettings.objects.get(practice=practice_a).phone == "+44 1632 960000"


@pytest.mark.django_db
def test_a_phone_saved_before_the_rule_is_text_not_a_dead_link(erin, practice_a):
    SafetySettings.objects.create(practice=practice_a, phone="Ask at reception")
    assert crisis_resources(practice_a).phone_tel == ""
    response, _, _ = submit_phq9(erin, item9=1)
    html = response.content.decode()
    assert "Ask at reception" in html
    assert 'href="tel:"' not in html and "tel:" not in html
