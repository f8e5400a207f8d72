"""Questionnaires answered in session on the clinician's device (issue 14): the pages, the lock
that keeps the client out of the clinician's records until the password, scoring and alerts
exactly like an e-mailed link, and the audit trail."""

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client as Browser
from django.urls import reverse

from assessments.models import Alert, Packet, Response
from practice import session_lock
from practice.models import AuditAction, AuditEvent
from tests.assessments.assign_helpers import cleared, send_now, token_of
from tests.conftest import logged_in
from tests.practice.conftest import with_totp

PHQ9_FIRST = range(1, 6)
PHQ9_SECOND = range(6, 10)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


def start(browser, client, **data):
    return browser.post(reverse("assessments:in_session_start", args=[client.pk]), data)


def start_phq9(browser, client) -> Packet:
    [phq9] = cleared(client.practice, "phq-9")
    response = start(browser, client, instruments=[phq9.pk])
    packet = Packet.objects.get(client=client, in_session=True)
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:in_session_page", args=[packet.pk, 1])
    return packet


def answer_phq9(browser, page_url, item9=0, rest=2):
    """Both pages of a PHQ-9; returns the submitting POST's response."""
    first = {f"item-{n}": str(rest) for n in PHQ9_FIRST}
    browser.post(page_url(1), {**first, "action": "next"})
    second = {f"item-{n}": str(item9 if n == 9 else rest) for n in PHQ9_SECOND}
    return browser.post(page_url(2), {**second, "action": "submit"})


def kiosk_url(packet):
    return lambda step: reverse("assessments:in_session_page", args=[packet.pk, step])


@pytest.mark.django_db
def test_the_client_answers_on_the_clinicians_device_and_meets_the_lock_screen(erin, bob):
    browser = logged_in(bob)
    page = browser.get(reverse("clients:detail", args=[erin.pk])).content.decode()
    assert reverse("assessments:in_session_start", args=[erin.pk]) in page

    cleared(erin.practice, "phq-9")
    form = browser.get(reverse("assessments:in_session_start", args=[erin.pk])).content.decode()
    assert "Patient Health Questionnaire" in form
    packet = start_phq9(browser, erin)
    assert packet.status == Packet.Status.OPENED and not packet.tokens.exists()

    first = browser.get(kiosk_url(packet)(1)).content.decode()
    assert 'class="client-form"' in first and "csrfmiddlewaretoken" in first
    for clinician_link in ("/clients/", "/dashboard/", "Caseload", "Save and finish later"):
        assert clinician_link not in first
    assert reverse("session_unlock") in first  # hand back

    done = answer_phq9(browser, kiosk_url(packet))
    assert done.status_code == 302 and done["Location"] == reverse("session_unlock")
    locked = browser.get(done["Location"]).content.decode()
    assert "hand this device back" in locked and "/clients/" not in locked

    response = Response.objects.get(client=erin)
    assert response.source == Response.Source.IN_SESSION and response.total == 16
    assert AuditEvent.objects.filter(
        object_type="packet", object_id=str(packet.pk), fields=["in_session", "status"]
    ).exists()
    assert AuditEvent.objects.filter(object_type="response", action=AuditAction.CREATE).exists()


@pytest.mark.django_db
def test_a_locked_session_shows_only_the_lock_screen_until_the_password(erin, bob, password):
    browser = logged_in(bob)
    start_phq9(browser, erin)
    clinician_pages = [
        reverse("clients:detail", args=[erin.pk]),
        reverse("dashboard"),
        reverse("clients:notes", args=[erin.pk]),
        reverse("clients:list"),
    ]
    for url in clinician_pages:
        refused = browser.get(url)
        assert refused.status_code == 423, url
        assert "hand this device back" in refused.content.decode()
        assert "Erin Fictional" not in refused.content.decode()
    api = browser.get("/api/v1/clients/")
    assert api.status_code == 403 and "locked" in api.json()["detail"]

    wrong = browser.post(reverse("session_unlock"), {"secret": "not it"})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    assert browser.get(clinician_pages[0]).status_code == 423

    right = browser.post(reverse("session_unlock"), {"secret": password})
    assert right.status_code == 302 and right["Location"] == clinician_pages[0]
    for url in clinician_pages:
        assert browser.get(url).status_code == 200, url
    events = AuditEvent.objects.filter(object_type="session_unlock", actor=bob)
    assert sorted(events.values_list("action", flat=True)) == [
        AuditAction.SIGN_IN,
        AuditAction.SIGN_IN_FAILED,
    ]


@pytest.mark.django_db
def test_wrong_passwords_are_rate_limited(erin, bob, password):
    browser = logged_in(bob)
    start_phq9(browser, erin)
    for _ in range(session_lock.UNLOCK_ATTEMPTS_ALLOWED):
        assert browser.post(reverse("session_unlock"), {"secret": "guess"}).status_code == 400
    refused = browser.post(reverse("session_unlock"), {"secret": password})
    assert refused.status_code == 429 and "15 minutes" in refused.content.decode()
    assert browser.get(reverse("dashboard")).status_code == 423
    assert AuditEvent.objects.filter(
        object_type="session_unlock", action=AuditAction.LOCKED_OUT
    ).exists()


@pytest.mark.django_db
def test_api_tokens_and_other_sessions_are_not_locked(erin, bob):
    browser = logged_in(bob)
    start_phq9(browser, erin)
    assert logged_in(bob).get(reverse("dashboard")).status_code == 200  # another device
    tokened = browser.get("/api/v1/clients/", HTTP_AUTHORIZATION="Token not-a-real-one")
    assert tokened.status_code != 403 or "locked" not in tokened.json()["detail"]


@pytest.mark.django_db
def test_scores_and_alerts_are_those_of_an_emailed_link(erin, frank, bob, dana):
    """The same answers, once in session, once by link: the same result and the same alert."""
    browser = logged_in(bob)
    packet = start_phq9(browser, erin)
    submitted = answer_phq9(browser, kiosk_url(packet), item9=1)
    assert submitted.status_code == 302  # to the crisis page, a GET that survives a reload
    crisis = browser.get(submitted["Location"])
    assert crisis.status_code == 200
    assert "Hand back to your clinician" in crisis.content.decode()

    _, emailed = send_now(frank, "phq-9")
    token = token_of(emailed)
    phone = Browser()
    phone.post(reverse("questionnaire:landing", args=[token]))
    answer_phq9(phone, lambda step: reverse("questionnaire:page", args=[token, step]), item9=1)

    in_session, by_link = (Response.objects.get(client=c) for c in (erin, frank))
    assert in_session.result == by_link.result
    assert (in_session.source, by_link.source) == ("in_session", "online")
    assert Alert.objects.filter(client=erin).count() == Alert.objects.filter(client=frank).count()
    assert Alert.objects.filter(client=erin).exists()


@pytest.mark.django_db
def test_an_open_link_can_be_answered_in_session(erin, bob):
    _, emailed = send_now(erin, "phq-9")
    browser = logged_in(bob)
    response = start(browser, erin, packet=emailed.pk)
    assert response["Location"] == kiosk_url(emailed)(1)
    answer_phq9(browser, kiosk_url(emailed))
    assert Response.objects.get(client=erin).source == Response.Source.IN_SESSION


@pytest.mark.django_db
def test_bad_choices_are_refused_with_a_message(erin, bob):
    browser = logged_in(bob)
    nothing = start(browser, erin)
    assert nothing.status_code == 400 and "Choose questionnaires" in nothing.content.decode()
    erin.status = erin.Status.DISCHARGED
    erin.save()
    [phq9] = cleared(erin.practice, "phq-9")
    discharged = start(browser, erin, instruments=[phq9.pk])
    assert discharged.status_code == 400 and "discharged" in discharged.content.decode()
    assert not Packet.objects.exists()


@pytest.mark.django_db
def test_other_clinicians_and_practices_get_404(erin, bob, dana, charlie):
    packet = start_phq9(logged_in(bob), erin)
    for person in (dana, charlie):
        browser = logged_in(person)
        assert (
            browser.get(reverse("assessments:in_session_start", args=[erin.pk])).status_code == 404
        )
        assert browser.get(kiosk_url(packet)(1)).status_code == 404


@pytest.mark.django_db
def test_a_current_authenticator_code_also_unlocks(erin, bob):
    secret = with_totp(bob)
    browser = logged_in(bob)
    start_phq9(browser, erin)
    assert browser.post(reverse("session_unlock"), {"secret": "000000"}).status_code == 400
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    assert browser.post(reverse("session_unlock"), {"secret": code}).status_code == 302
    assert browser.get(reverse("dashboard")).status_code == 200
