"""API tokens' scopes (read-only, read and write) and expiry: on the account page, by command, in
the API's answers and in its schema."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from practice import services
from practice.models import ApiToken
from tests.conftest import logged_in
from tests.practice.test_api_tokens import ACCOUNT, CLIENTS_API, CREATE, api

LONDON = zoneinfo.ZoneInfo("Europe/London")


def token_for(user, *, scope=ApiToken.Scope.READ_WRITE, last_day=None) -> str:
    _, key = services.create_api_token(None, user, "script", scope=scope, last_day=last_day)
    return key


# --- Scopes ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_read_only_token_reads_but_every_change_is_403_saying_why(bob, erin):
    key = token_for(bob, scope=ApiToken.Scope.READ)
    client = api(key)
    assert client.get(CLIENTS_API).status_code == 200
    assert client.get(f"{CLIENTS_API}{erin.pk}/").status_code == 200
    for method, url in (
        ("post", CLIENTS_API),
        ("patch", f"{CLIENTS_API}{erin.pk}/"),
        ("put", f"{CLIENTS_API}{erin.pk}/"),
        ("delete", f"{CLIENTS_API}{erin.pk}/"),
    ):
        response = getattr(client, method)(url, {"pronouns": "they/them"}, format="json")
        assert response.status_code == 403, (method, response.status_code)
        assert "read-only" in response.json()["detail"]
    erin.refresh_from_db()
    assert erin.pronouns != "they/them"


@pytest.mark.django_db
def test_a_read_write_token_may_change_what_its_owner_may(bob, erin):
    client = api(token_for(bob))
    response = client.patch(f"{CLIENTS_API}{erin.pk}/", {"pronouns": "she/her"}, format="json")
    assert response.status_code == 200, response.content
    erin.refresh_from_db()
    assert erin.pronouns == "she/her"


# --- Expiry ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_token_works_through_its_last_day_in_the_practice_time_zone_then_401(bob, erin):
    with time_machine.travel("2026-07-01 09:00 +00:00", tick=False):
        key = token_for(bob, last_day=datetime.date(2026, 7, 10))
    token = ApiToken.objects.get()
    # Europe/London is on summer time: the day ends at 23:00 UTC.
    assert token.expires_at == datetime.datetime(2026, 7, 10, 23, 0, tzinfo=datetime.UTC)

    with time_machine.travel("2026-07-10 22:59 +00:00", tick=False):
        assert api(key).get(CLIENTS_API).status_code == 200
    with time_machine.travel("2026-07-10 23:00 +00:00", tick=False):
        response = api(key).get(CLIENTS_API)
    assert response.status_code == 401
    assert response.json()["detail"] == (
        "This token expired on 2026-07-10 23:00 UTC. Create a new one under Account."
    )


@pytest.mark.django_db
def test_a_last_day_in_the_past_is_refused(bob):
    with pytest.raises(services.ValidationError, match="from today onwards"):
        token_for(bob, last_day=datetime.date(2020, 1, 1))
    assert not ApiToken.objects.exists()


# --- The account page -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_account_page_makes_a_read_only_token_with_a_last_day_and_lists_both(as_bob, bob):
    with time_machine.travel("2026-03-02 12:00 +00:00", tick=False):
        response = as_bob.post(
            CREATE, {"name": "Dashboard", "scope": "read", "last_day": "2026-03-31"}
        )
        assert response.status_code == 200
        token = ApiToken.objects.get()
        assert token.scope == ApiToken.Scope.READ
        assert token.expires_at == datetime.datetime(2026, 4, 1, tzinfo=LONDON)
        assert api(response.context["new_key"]).post(CLIENTS_API, {}).status_code == 403

        html = as_bob.get(ACCOUNT).content.decode()
        assert "Read only" in html
        assert "1 Apr 2026, 00:00" in html  # the moment it stops, in the practice's time zone
        assert '<fieldset class="choices"' in html and "What it may do" in html

    with time_machine.travel("2026-04-02 12:00 +00:00", tick=False):
        html = logged_in(bob).get(ACCOUNT).content.decode()
    assert "Expired" in html  # still listed, so it can be revoked


@pytest.mark.django_db
def test_the_account_page_refuses_a_past_last_day_beside_the_field(as_bob):
    response = as_bob.post(CREATE, {"name": "Old", "scope": "read", "last_day": "2020-01-01"})
    assert response.status_code == 400
    assert response.context["form"].errors["last_day"] == ["Choose a last day from today onwards."]
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_a_form_without_scope_makes_a_read_write_token_as_before(as_bob):
    assert as_bob.post(CREATE, {"name": "Script"}).status_code == 200
    assert ApiToken.objects.get().scope == ApiToken.Scope.READ_WRITE


# --- The command -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_makes_a_read_only_token_with_a_last_day(bob, erin, capsys):
    with time_machine.travel("2026-05-01 08:00 +00:00", tick=False):
        call_command("create_api_token", "bob@example.com", "--read-only", "--last-day=2026-05-02")
        captured = capsys.readouterr()
        key = captured.out.strip()
        assert "read only, works until 2026-05-02 23:00 UTC" in captured.err
        assert api(key).get(CLIENTS_API).status_code == 200
        assert api(key).post(CLIENTS_API, {}).status_code == 403


@pytest.mark.django_db
def test_command_refuses_a_date_it_cannot_read(bob):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("create_api_token", "bob@example.com", "--last-day=next week")


@pytest.mark.django_db
def test_command_lists_tokens_without_keys_and_revokes_by_prefix(bob, capsys):
    key = token_for(bob, scope=ApiToken.Scope.READ)
    other = token_for(bob)
    capsys.readouterr()

    call_command("create_api_token", "bob@example.com", "--list")
    listing = capsys.readouterr().out
    assert key[:8] in listing and other[:8] in listing
    assert key not in listing and other not in listing
    assert "read only, until revoked" in listing and "read and write" in listing

    call_command("create_api_token", "bob@example.com", "--revoke", key[:8])
    assert api(key).get(CLIENTS_API).status_code == 401
    assert api(other).get(CLIENTS_API).status_code == 200
    call_command("create_api_token", "bob@example.com", "--list")
    assert key[:8] not in capsys.readouterr().out

    with pytest.raises(CommandError, match="No single token"):
        call_command("create_api_token", "bob@example.com", "--revoke", key[:8])


@pytest.mark.django_db
def test_a_key_never_starts_with_a_dash_so_its_prefix_can_be_revoked(bob, monkeypatch):
    # token_urlsafe draws '-' or '_' first about once in 32; such a prefix read as an option.
    draws = iter(["-" + "a" * 42, "_" + "b" * 42, "Cc" + "c" * 41])
    monkeypatch.setattr("practice.models.memberships.secrets.token_urlsafe", lambda n: next(draws))
    key = token_for(bob)
    assert key == "Cc" + "c" * 41
    call_command("create_api_token", "bob@example.com", "--revoke", key[:8])
    assert ApiToken.objects.get().revoked_at is not None


@pytest.mark.django_db
def test_revoking_someone_elses_token_by_prefix_is_refused(alice, bob):
    key = token_for(bob)
    with pytest.raises(CommandError, match="No single token"):
        call_command("create_api_token", "alice@example.com", "--revoke", key[:8])
    assert ApiToken.objects.get().revoked_at is None


# --- The schema -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_schema_documents_scopes_and_expiry(as_bob):
    schema = as_bob.get(reverse("api_schema"), {"format": "json"}).json()
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert "read-only" in scheme["description"] and "expired" in scheme["description"]
    some_operation = schema["paths"]["/api/v1/clients/"]["post"]
    assert "read-only token" in some_operation["responses"]["403"]["description"]
