"""Personal API tokens: made on the account page or by command, shown once, stored hashed."""

import re

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from practice.models import ApiToken, AuditEvent, hash_token
from tests.factories import UserFactory

ACCOUNT = reverse("account_security")
CREATE = reverse("account_token_create")
CLIENTS_API = "/api/v1/clients/"


def api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def create_on_page(web, name="Reporting script") -> tuple[str, object]:
    response = web.post(CREATE, {"name": name})
    assert response.status_code == 200
    return response.context["new_key"], response


@pytest.mark.django_db
def test_key_is_shown_once_in_the_post_response_and_stored_only_hashed(as_bob, bob):
    key, response = create_on_page(as_bob)

    token = ApiToken.objects.get()
    assert (token.user, token.name) == (bob, "Reporting script")
    assert token.key_hash == hash_token(key)
    assert token.prefix == key[:8]
    assert key not in str(list(ApiToken.objects.values()))
    assert len(key) >= 40  # 256 bits from secrets, URL-safe

    assert key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    # Not in a URL, not in the session, not on the page afterwards.
    assert key not in response.get("Location", "")
    assert key not in str(dict(as_bob.session.items()))
    later = as_bob.get(ACCOUNT).content.decode()
    assert key not in later
    assert token.prefix in later and "Reporting script" in later


@pytest.mark.django_db
def test_account_page_links_to_password_and_two_factor_and_lists_tokens(as_bob, bob, alice):
    mine = ApiToken.objects.create(user=bob, name="Mine", prefix="abcd1234", key_hash="1" * 64)
    ApiToken.objects.create(user=alice, name="Alices", prefix="zzzz9999", key_hash="2" * 64)
    ApiToken.objects.create(
        user=bob, name="Old", prefix="oooo0000", key_hash="3" * 64, revoked_at="2026-01-01T00:00Z"
    )
    response = as_bob.get(ACCOUNT)
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("account_change_password") in html
    assert reverse("mfa_index") in html
    assert list(response.context["tokens"]) == [mine]
    assert "Alices" not in html and "oooo0000" not in html
    assert "Never" in html  # last used


@pytest.mark.django_db
def test_a_token_needs_a_name(as_bob):
    response = as_bob.post(CREATE, {"name": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_creating_a_token_needs_post(as_bob):
    assert as_bob.get(CREATE).status_code == 405


@pytest.mark.django_db
def test_token_works_on_the_api_end_to_end_until_revoked(as_bob, erin, frank):
    key, _ = create_on_page(as_bob)

    with time_machine.travel("2026-04-01 10:00 +00:00", tick=False):
        response = api(key).get(CLIENTS_API)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(erin.pk)]
    token = ApiToken.objects.get()
    assert token.last_used_at.isoformat().startswith("2026-04-01T10:00")
    assert AuditEvent.objects.filter(via="api", action="list").exists()

    revoke = as_bob.post(reverse("account_token_revoke", args=[token.pk]))
    assert revoke.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api(key).get(CLIENTS_API).status_code == 401


@pytest.mark.django_db
def test_wrong_key_gets_401(erin):
    assert api("not-a-real-key").get(CLIENTS_API).status_code == 401


@pytest.mark.django_db
def test_nobody_can_revoke_someone_elses_token(as_alice, as_charlie, bob):
    token = ApiToken.objects.create(user=bob, name="Bob's", prefix="abcd1234", key_hash="1" * 64)
    url = reverse("account_token_revoke", args=[token.pk])
    assert as_alice.post(url).status_code == 404  # even Bob's practice owner
    assert as_charlie.post(url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_revoking_twice_is_404_the_second_time(as_bob):
    create_on_page(as_bob)
    url = reverse("account_token_revoke", args=[ApiToken.objects.get().pk])
    assert as_bob.post(url).status_code == 302
    assert as_bob.post(url).status_code == 404


@pytest.mark.django_db
def test_token_actions_are_audited_in_the_practice(as_bob, practice_a):
    create_on_page(as_bob)
    as_bob.post(reverse("account_token_revoke", args=[ApiToken.objects.get().pk]))
    events = AuditEvent.objects.filter(practice=practice_a, object_type="apitoken")
    assert sorted(events.values_list("action", flat=True)) == ["create", "delete"]


# --- create_api_token ------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_prints_a_working_key_once(bob, erin, capsys):
    call_command("create_api_token", "Bob@Example.com", "--name", "Nightly export")
    captured = capsys.readouterr()
    key = captured.out.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", key)
    assert key not in captured.err
    assert "shown again" in captured.err
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.key_hash) == (bob, "Nightly export", hash_token(key))
    assert api(key).get(CLIENTS_API).status_code == 200


@pytest.mark.django_db
def test_command_refuses_unknown_address(alice):
    with pytest.raises(CommandError, match="No account"):
        call_command("create_api_token", "nobody@example.com")
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_command_refuses_user_without_active_membership(bob):
    bob.memberships.update(is_active=False)
    loner = UserFactory(email="loner@example.com")
    for email in ("bob@example.com", loner.email):
        with pytest.raises(CommandError, match="active members"):
            call_command("create_api_token", email)
    assert not ApiToken.objects.exists()
