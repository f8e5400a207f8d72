"""The in-session lock stays safe when things go wrong (issue 14): the unlock limiter still
counts wrong passwords while the cache is down (from the audit log), and the crisis page after an
in-session submission survives a reload."""

import pytest
from django.urls import reverse

from practice import session_lock
from tests.assessments.test_in_session import start_phq9
from tests.conftest import logged_in


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


class UnreachableCache:
    """A cache whose every call fails as Redis does when it is down."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Connection refused")

        return fail


@pytest.fixture
def cache_down(monkeypatch):
    monkeypatch.setattr(session_lock, "cache", UnreachableCache())


def unlock(browser, secret):
    return browser.post(reverse("session_unlock"), {"secret": secret})


@pytest.mark.django_db
def test_wrong_passwords_are_still_limited_while_the_cache_is_down(erin, bob, password, cache_down):
    browser = logged_in(bob)
    start_phq9(browser, erin)
    for left in range(session_lock.UNLOCK_ATTEMPTS_ALLOWED - 1, -1, -1):
        wrong = unlock(browser, "guess")
        assert wrong.status_code == 400
        assert f"{left} tr" in wrong.content.decode()
    refused = unlock(browser, password)
    assert refused.status_code == 429 and "15 minutes" in refused.content.decode()
    assert browser.get(reverse("dashboard")).status_code == 423


@pytest.mark.django_db
def test_the_clinician_still_unlocks_while_the_cache_is_down(erin, bob, password, cache_down):
    browser = logged_in(bob)
    packet = start_phq9(browser, erin)
    assert unlock(browser, "guess").status_code == 400
    right = unlock(browser, password)
    assert right.status_code == 302 and right["Location"] == reverse(
        "clients:detail", args=[erin.pk]
    )
    assert browser.get(reverse("dashboard")).status_code == 200

    # The count starts again after an unlock: earlier wrong tries do not carry over.
    browser.get(reverse("assessments:in_session_page", args=[packet.pk, 1]))  # locks again
    assert browser.get(reverse("dashboard")).status_code == 423
    for _ in range(session_lock.UNLOCK_ATTEMPTS_ALLOWED - 1):
        assert unlock(browser, "guess").status_code == 400
    assert unlock(browser, password).status_code == 302
