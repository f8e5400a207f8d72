"""Signing in: lockout after failures, idle timeout, required two-factor, and allauth's pages."""

import importlib.util
import time
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client as Browser
from django.urls import reverse

import practice.settings
from tests.conftest import logged_in
from tests.factories import PASSWORD

LOGIN = reverse("account_login")
DASHBOARD = reverse("dashboard")
TOO_MANY = "Too many failed login attempts. Try again later."
MISMATCH = "The email address and/or password you specified are not correct."


def sign_in(web, email, password, **extra):
    return web.post(LOGIN, {"login": email, "password": password}, **extra)


def form_errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def is_signed_in(web) -> bool:
    return web.get(DASHBOARD).status_code == 200


# --- Lockout ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_after_the_allowed_failures_even_the_right_password_is_refused(bob):
    assert settings.LOGIN_FAILURES_ALLOWED == 5
    web = Browser()
    for _ in range(settings.LOGIN_FAILURES_ALLOWED):
        response = sign_in(web, bob.email, "wrong-password")
        assert form_errors(response) == [MISMATCH]

    # From another address too: the limit is per account address, not per connection.
    response = sign_in(Browser(), "BOB@example.com", PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    assert form_errors(response) == [TOO_MANY]
    assert TOO_MANY in response.content.decode()
    assert not is_signed_in(web)


@pytest.mark.django_db
def test_lockout_lifts_after_the_lockout_window(bob):
    with time_machine.travel("2026-05-01 09:00 +00:00", tick=False) as traveller:
        for _ in range(settings.LOGIN_FAILURES_ALLOWED):
            sign_in(Browser(), bob.email, "wrong-password")
        assert form_errors(sign_in(Browser(), bob.email, PASSWORD)) == [TOO_MANY]
        traveller.shift(timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES, seconds=1))
        web = Browser()
        assert sign_in(web, bob.email, PASSWORD).status_code == 302
        assert is_signed_in(web)


@pytest.mark.django_db
def test_failed_attempts_do_not_reveal_whether_an_account_exists(bob):
    def attempts(email):
        web = Browser()
        seen = []
        for _ in range(settings.LOGIN_FAILURES_ALLOWED + 1):
            response = sign_in(web, email, "wrong-password")
            seen.append((response.status_code, form_errors(response)))
        return seen

    existing, unknown = attempts(bob.email), attempts("nobody-here@example.com")
    assert existing == unknown
    assert existing[-1] == (200, [TOO_MANY])


@pytest.mark.django_db
def test_a_successful_sign_in_does_not_reset_the_failure_count(bob):
    # Otherwise an attacker who knows one password could keep guessing another forever.
    for _ in range(settings.LOGIN_FAILURES_ALLOWED - 1):
        sign_in(Browser(), bob.email, "wrong-password")
    assert sign_in(Browser(), bob.email, PASSWORD).status_code == 302
    sign_in(Browser(), bob.email, "wrong-password")
    assert form_errors(sign_in(Browser(), bob.email, PASSWORD)) == [TOO_MANY]


# --- Idle timeout ----------------------------------------------------------------------------


def load_settings_module():
    """Execute practice/settings.py afresh, as a new process would, without touching Django's."""
    spec = importlib.util.spec_from_file_location("settings_probe", practice.settings.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_session_lifetime_follows_the_idle_timeout_variable(monkeypatch):
    monkeypatch.setenv("SESSION_IDLE_TIMEOUT_MINUTES", "7")
    probe = load_settings_module()
    assert probe.SESSION_COOKIE_AGE == 7 * 60
    assert probe.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


@pytest.mark.parametrize("value", ["0", "soon"])
def test_a_bad_idle_timeout_fails_loudly(monkeypatch, value):
    monkeypatch.setenv("SESSION_IDLE_TIMEOUT_MINUTES", value)
    with pytest.raises(ImproperlyConfigured, match="SESSION_IDLE_TIMEOUT_MINUTES"):
        load_settings_module()


@pytest.mark.django_db
def test_activity_keeps_the_session_alive_and_idleness_ends_it(bob):
    idle = timedelta(minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES)
    with time_machine.travel("2026-05-01 09:00 +00:00", tick=False) as traveller:
        web = logged_in(bob)
        for _ in range(3):  # well past one timeout in total, but never idle that long
            traveller.shift(idle - timedelta(minutes=1))
            assert web.get(DASHBOARD).status_code == 200
        traveller.shift(idle + timedelta(seconds=1))
        response = web.get(DASHBOARD)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


# --- Two-factor authentication ---------------------------------------------------------------


@pytest.mark.django_db
def test_required_two_factor_sends_a_member_without_it_to_set_up(practice_a, as_bob, bob):
    practice_a.require_mfa = True
    practice_a.save()
    for url in (DASHBOARD, reverse("clients:list"), reverse("account_security")):
        response = as_bob.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    # The set-up pages themselves stay reachable (no redirect loop).
    assert as_bob.get(reverse("mfa_index")).status_code == 200

    Authenticator.objects.create(user=bob, type=Authenticator.Type.TOTP, data={})
    assert as_bob.get(DASHBOARD).status_code == 200


@pytest.mark.django_db
def test_two_factor_is_not_required_unless_the_practice_says_so(as_bob):
    assert as_bob.get(DASHBOARD).status_code == 200


def valid_codes(secret: str) -> set[str]:
    return {format_hotp_value(hotp_value(secret, c)) for c in yield_hotp_counters_from_time()}


@pytest.mark.django_db
def test_sign_in_with_an_authenticator_app_asks_for_the_code(bob):
    secret = generate_totp_secret()
    TOTP.activate(bob, secret)
    with time_machine.travel("2026-05-01 09:00:10 +00:00", tick=False):
        web = Browser()
        response = sign_in(web, bob.email, PASSWORD)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_authenticate")
        assert not is_signed_in(web)  # the password alone is not enough

        page = web.get(reverse("mfa_authenticate"))
        assert page.status_code == 200
        assert 'name="code"' in page.content.decode()

        wrong = next(f"{n:06}" for n in range(10**6) if f"{n:06}" not in valid_codes(secret))
        refused = web.post(reverse("mfa_authenticate"), {"code": wrong})
        assert refused.status_code == 200
        assert "Incorrect code." in refused.content.decode()
        assert not is_signed_in(web)

        code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
        accepted = web.post(reverse("mfa_authenticate"), {"code": code})
        assert accepted.status_code == 302
        assert accepted["Location"] == DASHBOARD
        assert is_signed_in(web)


# --- allauth's pages in our layout -----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["account_login", "account_reset_password", "account_signup"],
)
def test_signed_out_pages_use_our_layout(name):
    response = Browser().get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert 'class="auth-page auth-entrance"' in html
    assert "/static/css/attune.css" in html
    assert "Menu:" not in html  # allauth's bare default layout


@pytest.mark.django_db
def test_login_page_offers_no_sign_up_and_labels_its_fields():
    html = Browser().get(LOGIN).content.decode()
    assert "sign up" not in html.lower()
    assert '<label for="id_login">Email</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert reverse("account_reset_password") in html
    assert "invitation" in html


@pytest.mark.django_db
def test_sign_up_is_closed_and_explains_invitations():
    response = Browser().post(
        reverse("account_signup"),
        {"email": "x@example.com", "password1": "a-long-pass", "password2": "a-long-pass"},
    )
    assert "Accounts are by invitation" in response.content.decode()
    from practice.models import User

    assert not User.objects.filter(email="x@example.com").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["account_change_password", "mfa_index", "account_logout"])
def test_signed_in_pages_use_our_layout_with_a_way_back(as_bob, name):
    response = as_bob.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert 'class="auth-page auth-manage"' in html
    assert f'<a href="{reverse("account_security")}">Your account</a>' in html


@pytest.mark.django_db
def test_password_change_works_through_our_templates(as_bob, bob):
    response = as_bob.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "a-new-long-passphrase", "password2": "x"},
    )
    assert response.status_code == 200
    assert "You must type the same password each time." in response.content.decode()
    response = as_bob.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-passphrase",
            "password2": "a-new-long-passphrase",
        },
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password("a-new-long-passphrase")
