"""Bad link guesses and the client's own link (issue 11, defect 8).

- Only failed lookups count against an address, and a working link is served whatever that
  address did before: guesses from a shared address (a clinic's Wi-Fi, a carrier's NAT) never
  lock a client out.
- An unknown link and a dead one (revoked, expired, completed) get the same answer after the
  same work: same status, same page, the same queries in the same order.
- With the cache down or raising, the limiter stops counting; no link page answers 500.
"""

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.views import client_form
from practice.models import hash_token
from tests.assessments.assign_helpers import answer_everything, at, send_now, token_of

SENT = at(2025, 3, 3, 10)
DURING = SENT + datetime.timedelta(hours=2)
SHARED_ADDRESS = "203.0.113.50"


@pytest.fixture
def live(erin, bob):
    _, packet = send_now(erin, "phq-9", actor=bob, now=SENT)
    return packet, token_of(packet)


def landing(token):
    return reverse("questionnaire:landing", args=[token])


def guess(n: int) -> str:
    return f"Guess{n:038d}"  # well formed, 43 characters, matches nothing


@pytest.mark.django_db
def test_a_valid_link_opens_from_an_address_limited_by_bad_guesses(live):
    packet, token = live
    shared = Browser(REMOTE_ADDR=SHARED_ADDRESS)
    with time_machine.travel(DURING, tick=False):
        for n in range(client_form.FAILED_LOOKUPS_ALLOWED):
            assert shared.get(landing(guess(n))).status_code == 404
        assert shared.get(landing(guess(999))).status_code == 429  # the guesser is refused

        # The client behind the same address opens, starts and answers their questionnaire.
        opened = shared.get(landing(token))
        assert opened.status_code == 200
        assert "has asked you to answer 1 questionnaire" in opened.content.decode()
        started = shared.post(landing(token))
        assert started.status_code == 302
        assert shared.get(started["Location"]).status_code == 200

        # ...and further guesses from there are still refused.
        assert shared.get(landing(guess(1000))).status_code == 429
    packet.refresh_from_db()
    assert packet.status == packet.Status.OPENED


@pytest.mark.django_db
def test_only_failures_count(live):
    _, token = live
    browser = Browser(REMOTE_ADDR=SHARED_ADDRESS)
    with time_machine.travel(DURING, tick=False):
        for _ in range(3 * client_form.FAILED_LOOKUPS_ALLOWED):
            assert browser.get(landing(token)).status_code == 200
        for n in range(client_form.FAILED_LOOKUPS_ALLOWED):
            assert browser.get(landing(guess(n))).status_code == 404


def _dead_links(erin, bob) -> dict[str, str]:
    _, revoked = send_now(erin, now=SENT)
    revoked_token = token_of(revoked)
    services.revoke_packet(bob, revoked, now=SENT)
    _, expired = send_now(erin, now=SENT - datetime.timedelta(days=8))
    _, completed = send_now(erin, now=SENT)
    completed_token = token_of(completed)
    answer_everything(completed, now=SENT)
    services.submit_packet(completed, now=SENT)
    return {"revoked": revoked_token, "expired": token_of(expired), "completed": completed_token}


def _masked(queries, token) -> list[str]:
    """The SQL run, with what must differ masked: the token's digest, the limiter's key (the
    address) and savepoint names."""
    digest = hash_token(token) if client_form.packet_service.TOKEN_PATTERN.match(token) else ""
    masked = []
    for query in queries:
        sql = query["sql"].replace(digest, "DIGEST")
        sql = re.sub(r"questionnaire-link-failures:[^'\" ]*", "KEY", sql)
        masked.append(re.sub(r'"s\d+_x\d+"', "SAVEPOINT", sql))
    return masked


@pytest.mark.django_db
def test_unknown_and_dead_links_cost_the_same_work(erin, bob, django_assert_num_queries):
    dead = _dead_links(erin, bob)
    tokens = {"unknown": "U" * 43, **dead}
    answers = {}
    with time_machine.travel(DURING, tick=False):
        for index, (name, token) in enumerate(tokens.items()):
            browser = Browser(REMOTE_ADDR=f"198.51.100.{index + 1}")
            with CaptureQueriesContext(connection) as queries:
                response = browser.get(landing(token))
            answers[name] = (
                response.status_code,
                [t.name for t in response.templates],
                response.content,
                _masked(queries.captured_queries, token),
            )
            # The database itself finds nothing for a dead link, as for an unknown one: run the
            # lookup again and look at what it returns.
            [lookup] = [q["sql"] for q in queries.captured_queries if "packettoken" in q["sql"]]
            with connection.cursor() as cursor:
                cursor.execute(lookup)
                assert cursor.fetchall() == [], name
        expected = answers.pop("unknown")
        assert expected[0] == 404
        assert "assessments/client/invalid.html" in expected[1]
        for name, answer in answers.items():
            assert answer == expected, name
        # And pinned, so a later change cannot add work to one kind of link only.
        with django_assert_num_queries(len(expected[3])):
            Browser(REMOTE_ADDR="198.51.100.99").get(landing(dead["revoked"]))


@pytest.mark.django_db
def test_a_malformed_link_is_looked_up_like_any_other(erin, bob):
    with time_machine.travel(DURING, tick=False):
        counts = []
        for index, token in enumerate(("U" * 43, "not-a-token")):
            with CaptureQueriesContext(connection) as queries:
                Browser(REMOTE_ADDR=f"198.51.100.{index + 20}").get(landing(token))
            counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
    assert services.find_packet("not-a-token") is None


@pytest.mark.django_db
@pytest.mark.parametrize("failure", ["raises", "answers nothing"])
def test_the_link_pages_work_with_the_cache_down(live, monkeypatch, failure):
    """With Redis down, django-redis answers None (IGNORE_EXCEPTIONS); another backend might
    raise. Either way bad links are 404 (never 500 or 429) and good ones open."""
    _, token = live

    def down(*args, **kwargs):
        if failure == "raises":
            raise ConnectionError("Error 111 connecting to redis. Connection refused.")
        return None

    for method in ("get", "add", "incr", "set"):
        monkeypatch.setattr(cache, method, down)
    browser = Browser(REMOTE_ADDR=SHARED_ADDRESS)
    with time_machine.travel(DURING, tick=False):
        for n in range(client_form.FAILED_LOOKUPS_ALLOWED + 3):
            assert browser.get(landing(guess(n))).status_code == 404
        assert browser.get(landing(token)).status_code == 200
        assert browser.post(landing(token)).status_code == 302
