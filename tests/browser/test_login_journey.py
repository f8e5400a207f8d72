"""A clinician signs in with e-mail and password and sees their caseload."""

import pytest

from tests.factories import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_clinician_logs_in_and_sees_only_their_caseload(page, bob, erin, frank):
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Email").fill(bob.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/dashboard/")
    assert page.get_by_role("heading", name="My caseload").is_visible()
    assert page.get_by_role("link", name="Erin Fictional", exact=True).is_visible()
    assert page.get_by_text("Frank Fictional").count() == 0
    page.get_by_role("link", name="Erin Fictional", exact=True).click()
    assert page.get_by_role("heading", name="Erin Fictional").is_visible()


@pytest.mark.django_db(transaction=True)
def test_wrong_password_is_refused_with_a_message(page, bob):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(bob.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign In").click()
    assert page.get_by_text("not correct").is_visible()
    assert "/accounts/login/" in page.url
