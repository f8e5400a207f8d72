"""Sign-ins, sign-outs, failed sign-ins, lockouts and two-factor changes are audit events, and
owners see those of their own members only."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.conf import settings
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from practice import audit
from practice.models import AuditAction, AuditEvent, DeniedAccessTally
from tests.factories import PASSWORD

LOGIN = reverse("account_login")
AUDIT = reverse("practice_audit")


def sign_in(web, email: str, password: str = PASSWORD):
    return web.post(LOGIN, {"login": email, "password": password})


def events(action) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def later():
    return timezone.now() + audit.REFUSAL_WINDOW * 2


def everything_stored() -> str:
    rows = list(AuditEvent.objects.values_list()) + list(DeniedAccessTally.objects.values_list())
    return " ".join(str(value) for row in rows for value in row)


@pytest.mark.django_db
def test_signing_in_and_out_are_recorded_without_a_practice(bob):
    web = Browser()
    assert sign_in(web, bob.email).status_code == 302
    [signed_in] = events(AuditAction.SIGN_IN)
    assert (signed_in.actor, signed_in.practice, signed_in.object_type) == (bob, None, "user")
    assert signed_in.ip_address == "127.0.0.1"

    assert web.post(reverse("account_logout")).status_code == 302
    [signed_out] = events(AuditAction.SIGN_OUT)
    assert signed_out.actor == bob


@pytest.mark.django_db
def test_a_test_clients_force_login_is_not_a_sign_in(as_bob):
    assert as_bob.get(reverse("dashboard")).status_code == 200
    assert not events(AuditAction.SIGN_IN)


@pytest.mark.django_db
def test_a_wrong_password_names_the_account_but_stores_no_password(bob):
    response = sign_in(Browser(), bob.email, "not-the-password")
    assert response.status_code == 200
    [failed] = events(AuditAction.SIGN_IN_FAILED)
    assert (failed.actor, failed.actor_email, failed.practice) == (bob, bob.email, None)
    assert failed.fields == ["password"]
    assert "not-the-password" not in everything_stored()


@pytest.mark.django_db
def test_a_failed_sign_in_for_an_unknown_address_keeps_no_trace_of_the_address(bob):
    sign_in(Browser(), "stranger@example.org", "whatever-1234")
    [failed] = events(AuditAction.SIGN_IN_FAILED)
    assert (failed.actor, failed.actor_email) == (None, "")
    assert "stranger" not in everything_stored()


@pytest.mark.django_db
def test_repeated_failures_are_one_event_and_then_their_count(bob):
    web = Browser()
    allowed = settings.LOGIN_FAILURES_ALLOWED
    for _ in range(allowed):
        sign_in(web, bob.email, "wrong-password-1")
    assert len(events(AuditAction.SIGN_IN_FAILED)) == 1

    assert audit.close_refusal_windows(now=later()) == 1
    first, repeats = events(AuditAction.SIGN_IN_FAILED)
    assert (first.count, repeats.count) == (1, allowed - 1)


@pytest.mark.django_db
def test_a_lockout_is_recorded(bob):
    web = Browser()
    for _ in range(settings.LOGIN_FAILURES_ALLOWED):
        sign_in(web, bob.email, "wrong-password-1")
    assert not events(AuditAction.LOCKED_OUT)

    refused = sign_in(web, bob.email)  # the right password, refused while locked
    assert "Too many failed login attempts" in refused.content.decode()
    [locked] = events(AuditAction.LOCKED_OUT)
    assert (locked.actor, locked.fields) == (bob, ["too_many_failures"])


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.mark.django_db
def test_two_factor_changes_are_recorded(bob, django_capture_on_commit_callbacks):
    web = Browser()
    sign_in(web, bob.email)
    assert web.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    setup = reverse("mfa_activate_totp")
    secret = web.get(setup).context["form"].secret
    with django_capture_on_commit_callbacks(execute=True):
        assert web.post(setup, {"code": current_code(secret)}).status_code == 302
    added = events(AuditAction.CREATE)
    assert {(e.object_type, tuple(e.fields)) for e in added} == {
        ("authenticator", ("totp",)),
        ("authenticator", ("recovery_codes",)),
    }
    assert {e.actor for e in added} == {bob}

    with django_capture_on_commit_callbacks(execute=True):
        web.post(reverse("mfa_generate_recovery_codes"))
    [reset] = events(AuditAction.UPDATE)
    assert (reset.object_type, reset.fields) == ("authenticator", ["recovery_codes"])

    with django_capture_on_commit_callbacks(execute=True):
        web.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=bob, type=Authenticator.Type.TOTP).exists()
    removed = events(AuditAction.DELETE)
    assert "totp" in {name for e in removed for name in e.fields}


@pytest.mark.django_db
def test_a_wrong_second_factor_code_is_a_failed_sign_in(bob):
    TOTP.activate(bob, generate_totp_secret())
    web = Browser()
    assert sign_in(web, bob.email)["Location"] == reverse("mfa_authenticate")
    web.post(reverse("mfa_authenticate"), {"code": "000000"})
    web.post(reverse("mfa_authenticate"), {"code": "000001"})
    [failed] = events(AuditAction.SIGN_IN_FAILED)
    assert (failed.actor, failed.object_type, failed.fields) == (bob, "authenticator", ["totp"])


@pytest.mark.django_db
def test_owners_see_the_account_events_of_their_members_only(as_alice, as_charlie, bob, alice):
    sign_in(Browser(), bob.email)
    sign_in(Browser(), "nobody@example.org", "whatever-1234")
    shown_to_alice = list(as_alice.get(AUDIT).context["page_obj"].object_list)
    assert [(e.action, e.actor) for e in shown_to_alice] == [(AuditAction.SIGN_IN, bob)]
    page = as_alice.get(AUDIT).content.decode()
    assert "Signed in" in page
    assert not list(as_charlie.get(AUDIT).context["page_obj"].object_list)
