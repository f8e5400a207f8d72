"""The crisis page after a critical answer survives a reload (issue 14): the submission redirects
to it (POST, redirect, GET), so reloading shows the resources again and never posts the answers
twice. The page needs the link's token and the signed mark the submission handed out, and lasts a
day; without either, or later, it is the same 404 as every dead link. The same on the clinician's
device in session, inside the session's lock."""

import datetime
import re
from html import unescape
from urllib.parse import unquote

import pytest
import time_machine
from django.core import signing
from django.test import Client as Browser
from django.urls import reverse

from assessments.models import Alert, Packet, Response
from assessments.views import client_form
from assessments.views.client_form import SUPPORT_SALT
from tests.assessments.assign_helpers import send_now, token_of
from tests.assessments.test_crisis_page import PHONE, SENT, safety, submit_phq9  # noqa: F401
from tests.assessments.test_in_session import answer_phq9, kiosk_url, start_phq9
from tests.conftest import logged_in

SUBMITTED = SENT + datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)

pytestmark = pytest.mark.usefixtures("safety")  # the practice's crisis wording and phone


def support_url(response) -> str:
    [(location, status)] = response.redirect_chain
    assert status == 302
    return location


def assert_crisis_page(response, *, by_link=True):
    html = response.content.decode()
    assert response.status_code == 200
    assert PHONE in html and "We are here for you. Please call us today." in html
    for shown_back in ("Item 9", "PHQ", "Several days", "score"):
        assert shown_back not in html, shown_back
    assert "no-store" in response["Cache-Control"]
    if by_link:
        assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.django_db
def test_the_submission_redirects_and_a_reload_shows_the_resources_again(erin):
    response, token, browser = submit_phq9(erin, item9=1)
    url = support_url(response)
    assert url.startswith(reverse("questionnaire:support", args=[token]) + "?mark=")
    assert_crisis_page(response)
    for later in (10 * MINUTE, 23 * 60 * MINUTE):
        with time_machine.travel(SUBMITTED + later, tick=False):
            assert_crisis_page(browser.get(url))
    assert Response.objects.count() == 1 and Alert.objects.count() == 1
    assert Packet.objects.get().status == Packet.Status.COMPLETED


@pytest.mark.django_db
def test_a_day_later_the_page_is_gone_and_the_used_link_is_dead(erin):
    response, token, browser = submit_phq9(erin, item9=1)
    url = support_url(response)
    with time_machine.travel(SUBMITTED + datetime.timedelta(hours=24, minutes=1), tick=False):
        gone = browser.get(url)
        assert gone.status_code == 404 and PHONE not in gone.content.decode()
    with time_machine.travel(SUBMITTED + MINUTE, tick=False):
        for dead in (
            reverse("questionnaire:landing", args=[token]),
            reverse("questionnaire:page", args=[token, 2]),
        ):
            page = browser.get(dead)
            assert page.status_code == 404 and PHONE not in page.content.decode()


@pytest.mark.django_db
def test_the_page_needs_the_link_and_its_mark(erin):
    response, token, _ = submit_phq9(erin, item9=1)
    packet = Packet.objects.get()
    mark = support_url(response).split("?mark=")[1]
    base = reverse("questionnaire:support", args=[token])
    other_token = reverse("questionnaire:support", args=["A" * 43])
    wrong_packet = signing.dumps(packet.pk + 1, salt=SUPPORT_SALT)
    wrong_salt = signing.dumps(packet.pk, salt="attune.questionnaire.thanks")
    stranger = Browser()
    with time_machine.travel(SUBMITTED + MINUTE, tick=False):
        for url in (
            base,
            f"{base}?mark=",
            f"{base}?mark=not-a-mark",
            f"{base}?mark={wrong_packet}",
            f"{base}?mark={wrong_salt}",
            f"{other_token}?mark={mark}",
        ):
            refused = stranger.get(url)
            assert refused.status_code == 404, url
            assert PHONE not in refused.content.decode()
        assert stranger.post(f"{base}?mark={mark}").status_code == 405


@pytest.mark.django_db
def test_in_session_the_crisis_page_survives_a_reload_inside_the_lock(erin, bob):
    browser = logged_in(bob)
    packet = start_phq9(browser, erin)
    submitted = answer_phq9(browser, kiosk_url(packet), item9=1)
    assert submitted.status_code == 302
    url = submitted["Location"]
    assert url.startswith(reverse("assessments:in_session_support", args=[packet.pk]) + "?mark=")
    for _ in range(2):  # the page, then a reload
        page = browser.get(url)
        assert_crisis_page(page, by_link=False)
        assert "Hand back to your clinician" in page.content.decode()
    assert browser.get(reverse("dashboard")).status_code == 423  # still locked
    assert browser.get(url.split("?")[0]).status_code == 404  # no mark, no page
    assert Response.objects.count() == 1 and Alert.objects.count() == 1


@pytest.mark.django_db
def test_in_session_no_crisis_still_goes_to_the_lock_screen(erin, bob):
    browser = logged_in(bob)
    packet = start_phq9(browser, erin)
    done = answer_phq9(browser, kiosk_url(packet), item9=0)
    assert done.status_code == 302 and done["Location"] == reverse("session_unlock")


def answer_phq9_by_link(client, query: str):
    """Answer a PHQ-9 through its link with ``query`` (a ``?lang=`` flag) on every address, an
    hour after it was sent; the page shown after submitting (its redirect chain included)."""
    _, packet = send_now(client, "phq-9", now=SENT)
    token = token_of(packet)
    browser = Browser()
    with time_machine.travel(SUBMITTED, tick=False):
        browser.post(reverse("questionnaire:landing", args=[token]) + query)
        first = {f"item-{n}": "2" for n in range(1, 6)}
        page_1 = reverse("questionnaire:page", args=[token, 1]) + query
        browser.post(page_1, {**first, "action": "next"})
        last = {**{f"item-{n}": "2" for n in range(6, 9)}, "item-9": "1", "action": "submit"}
        page_2 = reverse("questionnaire:page", args=[token, 2]) + query
        return browser.post(page_2, last, follow=True), browser


@pytest.mark.django_db
def test_the_language_the_client_picked_holds_on_the_crisis_page(erin):
    response, _ = answer_phq9_by_link(erin, "?lang=es")  # Erin reads English by default
    assert support_url(response).endswith("&lang=es")
    html = response.content.decode()
    assert '<html lang="es">' in html and PHONE in html


@pytest.mark.django_db
def test_switching_language_on_the_crisis_page_keeps_the_page(erin):
    response, browser = answer_phq9_by_link(erin, "")
    html = response.content.decode()
    mark = support_url(response).split("?mark=")[1]
    switch = re.search(r'<a href="([^"]*)" lang="es"', html)
    assert switch, "no switch to Spanish on the crisis page"
    assert f"mark={mark}&lang=es" in unquote(unescape(switch[1]))
    with time_machine.travel(SUBMITTED + MINUTE, tick=False):
        spanish = browser.get(unescape(switch[1]))
    assert spanish.status_code == 200
    assert '<html lang="es">' in spanish.content.decode() and PHONE in spanish.content.decode()


@pytest.mark.django_db
def test_guessing_support_addresses_counts_toward_the_link_limit(erin):
    response, token, _ = submit_phq9(erin, item9=1)
    url = support_url(response)
    guesser = Browser(REMOTE_ADDR="203.0.113.9")
    base = reverse("questionnaire:support", args=[token])
    with time_machine.travel(SUBMITTED + MINUTE, tick=False):
        for attempt in range(client_form.FAILED_LOOKUPS_ALLOWED):
            assert guesser.get(f"{base}?mark={attempt}").status_code == 404
        assert guesser.get(f"{base}?mark=one-more").status_code == 429
        assert guesser.get(url).status_code == 200  # the page itself still opens
