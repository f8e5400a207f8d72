"""Requiring two-factor authentication in real Chromium (issue 11, defect 2).

The owner ticks "Require two-factor authentication", is held at set-up like everyone else, types
the code for the secret the page shows and gets back to Practice settings to undo it if they
wish. It used to fail every time: the browser's own requests while the set-up page was open
(``/favicon.ico``, redirected to the page) made a new secret behind the owner's back, so every
correct code was "Incorrect code"."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from tests.factories import PASSWORD

SETUP = "/accounts/2fa/totp/activate/"


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/dashboard/")


def code_for(secret: str) -> str:
    """The code an authenticator app shows now, not about to roll over."""
    if time.time() % 30 > 26:
        time.sleep(30 - time.time() % 30 + 0.5)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.mark.django_db(transaction=True)
def test_owner_requires_two_factor_sets_it_up_and_gets_back_to_settings(page, alice, bob):
    sign_in(page, alice)
    page.get_by_role("link", name="Practice", exact=True).click()
    assert "2 of 2 active members have not set up" in page.locator("#mfa-members").inner_text()

    page.get_by_label("Require two-factor authentication for every member").check()
    page.get_by_role("button", name="Save settings").click()

    # Held at set-up; allauth first asks for the password again, and says what just happened.
    page.wait_for_url("**/accounts/reauthenticate/**")
    assert "2 members have not set it up yet; it applies to them now" in page.content()
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"**{SETUP}")
    page.wait_for_load_state("networkidle")
    secret = page.locator("#authenticator_secret").input_value()
    assert len(secret) >= 16

    # What browsers do while the owner reaches for their phone: ask for /favicon.ico (any
    # browser that finds no icon named in the page), and open the page again in another tab.
    # Neither may change the secret the page shows.
    assert page.request.get("/favicon.ico").status == 404
    other_tab = page.context.new_page()
    other_tab.goto(SETUP)
    assert other_tab.locator("#authenticator_secret").input_value() == secret
    other_tab.close()

    page.get_by_label("Authenticator code").fill(code_for(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url("**/recovery-codes/**")
    assert Authenticator.objects.filter(user=alice, type=Authenticator.Type.TOTP).exists()

    page.goto("/practice/settings/")
    assert page.get_by_role("heading", name="Practice settings").is_visible()
    assert page.get_by_label("Require two-factor authentication for every member").is_checked()
    assert "1 of 2 active members has not set up" in page.locator("#mfa-members").inner_text()
