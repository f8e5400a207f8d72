"""Switching practice: Bob, a clinician in practice A, also joins practice B and chooses which
one he works in from the header. Only a practice where he is an active member can be chosen;
anything else is 404 and leaves the session as it was."""

import pytest
from django.db import connection
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practice.middleware import CURRENT_PRACTICE_SESSION_KEY
from practice.models import Role
from tests.factories import ClientFactory, MembershipFactory
from tests.practice.test_dashboard import names

pytestmark = pytest.mark.django_db
SWITCH = reverse("practice_switch")
DASHBOARD = reverse("dashboard")
SELECTOR = f'action="{SWITCH}"'


@pytest.fixture
def bob_in_b(bob, practice_b, charlie):
    """Bob joins practice B as a clinician, with Hugo on his caseload there."""
    MembershipFactory(user=bob, practice=practice_b, role=Role.CLINICIAN)
    return ClientFactory(
        practice=practice_b,
        primary_clinician=bob,
        preferred_name="Hugo",
        full_name="Hugo Fictional",
    )


def chosen(browser):
    return browser.session.get(CURRENT_PRACTICE_SESSION_KEY)


def test_switching_shows_the_other_practices_caseload(as_bob, erin, practice_b, bob_in_b):
    assert names(as_bob.get(DASHBOARD)) == ["Erin Fictional"]

    response = as_bob.post(SWITCH, {"practice": practice_b.pk})

    assert response.status_code == 302 and response["Location"] == DASHBOARD
    assert chosen(as_bob) == practice_b.pk
    page = as_bob.get(DASHBOARD)
    assert names(page) == ["Hugo Fictional"]
    assert "Now working in Hillside Counselling." in page.content.decode()


def test_switching_back(as_bob, erin, practice_a, practice_b, bob_in_b):
    as_bob.post(SWITCH, {"practice": practice_b.pk})
    assert as_bob.post(SWITCH, {"practice": practice_a.pk}).status_code == 302
    assert chosen(as_bob) == practice_a.pk
    assert names(as_bob.get(DASHBOARD)) == ["Erin Fictional"]


def test_a_practice_without_membership_is_404_and_changes_nothing(
    as_bob, practice_a, practice_b, charlie
):
    as_bob.post(SWITCH, {"practice": practice_a.pk})
    assert chosen(as_bob) == practice_a.pk

    assert as_bob.post(SWITCH, {"practice": practice_b.pk}).status_code == 404
    assert chosen(as_bob) == practice_a.pk


def test_an_inactive_membership_is_404(as_bob, bob, practice_b, charlie):
    MembershipFactory(user=bob, practice=practice_b, is_active=False)
    assert as_bob.post(SWITCH, {"practice": practice_b.pk}).status_code == 404
    assert chosen(as_bob) is None


@pytest.mark.parametrize("value", ["", "abc", "1.5", "-1", "0", "²", "9" * 30])
def test_a_missing_or_garbage_id_is_404(as_bob, value):
    assert as_bob.post(SWITCH, {"practice": value}).status_code == 404
    assert chosen(as_bob) is None


def test_no_practice_field_is_404(as_bob):
    assert as_bob.post(SWITCH).status_code == 404


def test_get_is_not_allowed(as_bob):
    assert as_bob.get(SWITCH).status_code == 405


def test_anonymous_is_sent_to_log_in(practice_a):
    response = DjangoClient().post(SWITCH, {"practice": practice_a.pk})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_selector_is_shown_only_with_two_or_more_memberships(as_bob, as_charlie, bob_in_b):
    html = as_bob.get(DASHBOARD).content.decode()
    assert SELECTOR in html
    assert '<label for="practice-switch">Practice</label>' in html
    assert "Harbour Therapy</option>" in html and "Hillside Counselling</option>" in html
    assert '<p class="practice-name">' not in html

    single = as_charlie.get(DASHBOARD).content.decode()
    assert SELECTOR not in single
    assert '<p class="practice-name">Hillside Counselling</p>' in single


def test_the_selector_marks_the_current_practice(as_bob, practice_b, bob_in_b):
    as_bob.post(SWITCH, {"practice": practice_b.pk})
    html = as_bob.get(DASHBOARD).content.decode()
    assert f'<option value="{practice_b.pk}" selected>Hillside Counselling</option>' in html


def test_an_inactive_membership_does_not_make_a_selector(as_bob, bob, practice_b, charlie):
    MembershipFactory(user=bob, practice=practice_b, is_active=False)
    assert SELECTOR not in as_bob.get(DASHBOARD).content.decode()


def test_the_selector_costs_no_query(as_bob, bob, practice_b, charlie):
    as_bob.get(DASHBOARD)  # warm up: session and caches
    with CaptureQueriesContext(connection) as one_practice:
        as_bob.get(DASHBOARD)
    MembershipFactory(user=bob, practice=practice_b)
    with CaptureQueriesContext(connection) as two_practices:
        html = as_bob.get(DASHBOARD).content.decode()
    assert SELECTOR in html
    assert len(two_practices) == len(one_practice)
