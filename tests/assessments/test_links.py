"""The e-mailed link: strong, stored only as a digest, never consumed by a GET or HEAD, and every
link that does not work answered alike, rate-limited per address."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.test import Client as Browser
from django.urls import reverse

from assessments import services
from assessments.models import Packet, PacketItem, PacketToken
from assessments.views import client_form
from practice.models import AuditEvent, hash_token
from tests.assessments.assign_helpers import answer_everything, at, send_now, token_of

SENT = at(2025, 3, 3, 10)
DURING = SENT + datetime.timedelta(hours=2)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


@pytest.fixture
def frozen():
    with time_machine.travel(DURING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sent(erin, bob):
    _, packet = send_now(erin, "phq-9", "gad-7", actor=bob, now=SENT)
    return packet, token_of(packet)


def landing(token):
    return reverse("questionnaire:landing", args=[token])


def page(token, step):
    return reverse("questionnaire:page", args=[token, step])


def tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.mark.django_db
def test_the_token_has_256_bits_and_only_its_digest_is_stored(sent, erin, frank, bob):
    packet, token = sent
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 32 random bytes, URL-safe
    stored = PacketToken.objects.get(packet=packet)
    assert stored.token_hash == hash_token(token) != token
    _, other = send_now(frank, now=SENT)
    assert token_of(other) != token
    # Nothing in the packet's rows holds the raw token.
    for model in (Packet, PacketItem, PacketToken):
        for row in model.objects.values():
            assert token not in repr(row)
    assert token not in repr(list(AuditEvent.objects.values()))


@pytest.mark.django_db
def test_the_link_carries_the_token_and_nothing_else(sent, erin):
    _, token = sent
    url = services.packets.link_url(token)
    assert url == f"{settings.SITE_URL}/q/{token}/"  # no client, packet or instrument in it
    assert str(erin.pk) not in url


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "head"])
def test_get_and_head_show_but_never_change_anything(sent, frozen, method):
    packet, token = sent
    events = AuditEvent.objects.count()
    browser = Browser()
    for _ in range(3):  # a mail scanner, a preview, the client
        response = getattr(browser, method)(landing(token))
        assert response.status_code == 200
    packet.refresh_from_db()
    assert packet.status == Packet.Status.SENT and packet.opened_at is None
    assert AuditEvent.objects.count() == events
    assert browser.get(page(token, 1)).status_code == 302  # not started: back to the landing page
    packet.refresh_from_db()
    assert packet.status == Packet.Status.SENT


@pytest.mark.django_db
def test_the_landing_page_names_no_questionnaire(sent, frozen):
    _, token = sent
    html = Browser().get(landing(token)).content.decode()
    assert "Harbour Therapy" in html and "Bob Clinician" in html
    assert "2 questionnaires" in html
    for hidden in ("PHQ", "GAD", "Patient Health", "Erin"):
        assert hidden not in html


@pytest.mark.django_db
def test_starting_is_a_post_that_records_the_opening(sent, frozen):
    packet, token = sent
    response = Browser().post(landing(token))
    assert response.status_code == 302 and response["Location"] == page(token, 1)
    packet.refresh_from_db()
    assert packet.status == Packet.Status.OPENED and packet.opened_at == DURING
    opened = [e.fields for e in AuditEvent.objects.filter(object_type="packet", action="update")]
    assert opened == [["opened_at", "status"]]


def _invalid_body(response) -> bytes:
    # The CSRF token differs per response; nothing else may.
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)


@pytest.mark.django_db
def test_unknown_tampered_revoked_expired_and_completed_links_get_one_page(erin, bob):
    _, revoked = send_now(erin, now=SENT)
    revoked_token = token_of(revoked)
    services.revoke_packet(bob, revoked, now=SENT)
    _, expired = send_now(erin, now=SENT - datetime.timedelta(days=8))
    _, completed = send_now(erin, now=SENT)
    completed_token = token_of(completed)
    answer_everything(completed, now=SENT)
    services.submit_packet(completed, now=SENT)
    _, live = send_now(erin, now=SENT)
    live_token = token_of(live)

    tokens = {
        "unknown": "A" * 43,
        "tampered": tampered(live_token),
        "revoked": revoked_token,
        "expired": token_of(expired),
        "completed": completed_token,
        "malformed": "not-a-token",
        "odd characters": "%3Cscript%3E" + "A" * 40,
    }
    bodies = {}
    with time_machine.travel(DURING, tick=False):
        for index, (name, token) in enumerate(tokens.items()):
            browser = Browser(REMOTE_ADDR=f"192.0.2.{index + 1}")  # apart from the rate limit
            for url in (landing(token), page(token, 1)):
                response = browser.get(url)
                assert response.status_code == 404, name
                bodies[name] = _invalid_body(response)
            assert browser.post(landing(token)).status_code == 404, name
        assert Browser().get(landing(live_token)).status_code == 200
    assert len(set(bodies.values())) == 1, "every bad link must get the very same page"
    text = bodies["revoked"].decode()
    assert "This link cannot be used" in text
    for leak in ("Erin", "Harbour", "Bob", "revoked", "expired on"):
        assert leak not in text


@pytest.mark.django_db
def test_resending_kills_the_old_link_and_keeps_the_answers(sent, bob, frozen):
    packet, old = sent
    Browser().post(landing(old))
    item = packet.items.order_by("position").first()
    services.save_answers(packet, item, {1: 2}, now=DURING)
    services.resend_packet(bob, packet, now=DURING)
    new = token_of(packet)
    assert new != old
    assert Browser().get(landing(old)).status_code == 404
    assert Browser().get(landing(new)).status_code == 200
    packet.refresh_from_db()
    assert packet.status == Packet.Status.IN_PROGRESS
    assert packet.expires_at == DURING + datetime.timedelta(days=7)
    item.refresh_from_db()
    assert item.draft_answers == {"1": 2}


@pytest.mark.django_db
def test_a_completed_or_revoked_packet_cannot_be_resent(sent, bob):
    from django.core.exceptions import ValidationError

    packet, _ = sent
    services.revoke_packet(bob, packet, now=DURING)
    with pytest.raises(ValidationError):
        services.resend_packet(bob, packet, now=DURING)


@pytest.mark.django_db
def test_failed_lookups_are_rate_limited_per_address(sent, frozen):
    _, token = sent
    attacker = Browser(REMOTE_ADDR="203.0.113.9")
    for attempt in range(client_form.FAILED_LOOKUPS_ALLOWED):
        assert attacker.get(landing(f"{attempt:043d}")).status_code == 404
    refused = attacker.get(landing("B" * 43))
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(client_form.FAILED_LOOKUP_WINDOW)
    assert "wait" in refused.content.decode()
    # While limited, a good link still opens from that address (tests/assessments/
    # test_link_limits.py); other addresses are unaffected.
    assert attacker.get(landing(token)).status_code == 200
    assert Browser(REMOTE_ADDR="198.51.100.7").get(landing(token)).status_code == 200


@pytest.mark.django_db
def test_good_links_do_not_count_towards_the_limit(sent, frozen):
    _, token = sent
    browser = Browser(REMOTE_ADDR="203.0.113.10")
    for _ in range(client_form.FAILED_LOOKUPS_ALLOWED + 5):
        assert browser.get(landing(token)).status_code == 200


@pytest.mark.django_db
def test_every_token_page_forbids_referrers_and_caching(sent, frozen):
    _, token = sent
    browser = Browser()
    responses = [
        browser.get(landing(token)),
        browser.post(landing(token)),
        browser.get(page(token, 1)),
        browser.post(page(token, 1), {"action": "next"}),  # 400: unanswered
        browser.post(page(token, 1), {"action": "save"}),
        browser.get(landing("C" * 43)),
        browser.get(reverse("questionnaire:thanks")),
    ]
    limited = Browser(REMOTE_ADDR="203.0.113.11")
    for attempt in range(client_form.FAILED_LOOKUPS_ALLOWED + 1):
        last = limited.get(landing(f"{attempt:043d}"))
    responses.append(last)
    assert [r.status_code for r in responses] == [200, 302, 200, 400, 200, 404, 200, 429]
    for response in responses:
        assert response["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response["Cache-Control"].split(", ")


@pytest.mark.django_db
def test_token_pages_load_nothing_from_elsewhere_and_need_no_javascript(sent, frozen):
    _, token = sent
    browser = Browser()
    browser.post(landing(token))
    for url in (landing(token), page(token, 1), page(token, 2)):
        html = browser.get(url).content.decode()
        assert "<script" not in html
        for attribute in re.findall(r'(?:src|href|action)="([^"]*)"', html):
            assert attribute.startswith(("/", "#")), attribute


@pytest.mark.django_db
def test_an_expired_link_stops_working_at_its_expiry(sent):
    _, token = sent
    expiry = SENT + datetime.timedelta(days=7)
    with time_machine.travel(expiry - datetime.timedelta(seconds=1), tick=False):
        assert Browser().get(landing(token)).status_code == 200
    with time_machine.travel(expiry, tick=False):
        assert Browser().get(landing(token)).status_code == 404


@pytest.mark.django_db
def test_posts_work_with_the_null_origin_no_referrer_makes_browsers_send(sent, frozen):
    """With Referrer-Policy: no-referrer, Chromium sends "Origin: null" on the form's POSTs."""
    packet, token = sent
    browser = Browser(enforce_csrf_checks=True, HTTP_ORIGIN="null")
    response = browser.post(landing(token))
    assert response.status_code == 302
    answers = {f"item-{n}": "1" for n in range(1, 9)} | {"action": "next"}
    assert browser.post(page(token, 1), answers).status_code == 302
    packet.refresh_from_db()
    assert packet.status == Packet.Status.IN_PROGRESS


@pytest.mark.django_db
def test_token_pages_set_no_cookies(sent, frozen):
    _, token = sent
    browser = Browser()
    for response in (
        browser.get(landing(token)),
        browser.post(landing(token)),
        browser.get(page(token, 1)),
        browser.get(landing("D" * 43)),
    ):
        assert not response.cookies, response.cookies


@pytest.mark.django_db
@pytest.mark.parametrize("closing", ["expired", "revoked", "submitted"])
def test_answers_sent_after_the_packet_closed_are_not_kept(erin, bob, closing):
    """The page found the packet open, then it closed (expiry, the clinician revoking it, the
    same form submitted in another tab) before this page of answers arrived: nothing is saved.
    No other test failed when ``save_answers`` stopped checking (issue 11, defect 12)."""
    _, packet = send_now(erin, now=SENT)
    item = packet.items.get()
    now = SENT + datetime.timedelta(hours=1)
    if closing == "expired":
        now = packet.expires_at
    elif closing == "revoked":
        services.revoke_packet(bob, packet, now=now)
    else:
        answer_everything(packet, value=1, now=now)
        services.submit_packet(packet, now=now)
        item.refresh_from_db()
    before = dict(item.draft_answers)
    audited = AuditEvent.objects.filter(object_type="packetitem").count()
    with pytest.raises(services.PacketClosed):
        services.save_answers(packet, item, {1: 3}, now=now)
    item.refresh_from_db()
    assert item.draft_answers == before
    assert AuditEvent.objects.filter(object_type="packetitem").count() == audited
