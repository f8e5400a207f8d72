"""What is recorded about access beyond changes: the edit form's read, and refused requests
(403, 404 on another practice's record, refused API tokens), with repeats counted, not flooded."""

import secrets

import pytest
from django.urls import reverse
from django.utils import timezone

from practice import audit
from practice.models import AuditAction, AuditEvent, DeniedAccessTally
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


def denied() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.DENIED).order_by("id"))


def close_windows() -> int:
    return audit.close_refusal_windows(now=timezone.now() + audit.REFUSAL_WINDOW * 2)


def test_opening_the_edit_form_is_a_read(as_bob, bob, erin):
    assert as_bob.get(reverse("clients:edit", args=[erin.pk])).status_code == 200
    [read] = AuditEvent.objects.filter(action=AuditAction.VIEW, client_id=erin.pk)
    assert (read.actor, read.object_type) == (bob, "client")


def test_saving_the_edit_form_is_a_change_not_a_second_read(as_bob, erin):
    url = reverse("clients:edit", args=[erin.pk])
    form = as_bob.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["preferred_name"] = "Erin B."
    assert as_bob.post(url, data).status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, client_id=erin.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, client_id=erin.pk).count() == 1


def test_another_practices_record_is_a_404_and_recorded_as_refused(as_bob, bob, gina, practice_a):
    """The 404 rolls the view's transaction back; the record is written after it, and kept."""
    response = as_bob.get(reverse("clients:detail", args=[gina.pk]))
    assert response.status_code == 404
    [event] = denied()
    assert (event.actor, event.practice, event.object_type) == (bob, practice_a, "route")
    assert (event.object_id, event.fields, event.count) == ("clients:detail", ["404"], 1)
    assert event.client_id is None  # nothing about the record asked for


def test_fifty_identical_refusals_are_at_most_two_events_with_the_total_count(as_bob, gina):
    url = reverse("clients:detail", args=[gina.pk])
    for _ in range(50):
        assert as_bob.get(url).status_code == 404
    assert len(denied()) == 1
    assert close_windows() == 1
    events = denied()
    assert len(events) == 2
    assert sum(event.count for event in events) == 50
    assert not DeniedAccessTally.objects.exists()
    assert close_windows() == 0  # closing twice writes nothing more


def test_a_different_route_or_person_is_recorded_on_its_own(as_bob, as_dana, gina, bob, dana):
    as_bob.get(reverse("clients:detail", args=[gina.pk]))
    as_bob.get(reverse("clients:detail", args=[gina.pk]))
    as_bob.get(reverse("clients:edit", args=[gina.pk]))
    as_dana.get(reverse("clients:detail", args=[gina.pk]))
    assert [(e.actor, e.object_id) for e in denied()] == [
        (bob, "clients:detail"),
        (bob, "clients:edit"),
        (dana, "clients:detail"),
    ]


def test_a_403_is_recorded(as_bob, bob):
    assert as_bob.get(reverse("practice_members")).status_code == 403
    [event] = denied()
    assert (event.actor, event.object_id, event.fields) == (bob, "practice_members", ["403"])


def test_an_address_that_matches_no_route_and_anonymous_visitors_are_not_recorded(
    as_bob, client, gina
):
    assert as_bob.get("/no-such-page/").status_code == 404
    assert client.get(reverse("clients:detail", args=[gina.pk])).status_code == 302
    assert not denied()


def test_a_link_token_is_never_recorded(as_bob):
    token = secrets.token_urlsafe(32)
    response = as_bob.get(reverse("questionnaire:landing", args=[token]))
    stored = " ".join(str(v) for row in AuditEvent.objects.values_list() for v in row)
    assert token not in stored
    if response.status_code == 404:
        [event] = denied()
        assert event.object_id == "questionnaire:landing"


def test_a_refused_api_token_is_recorded_without_the_token(client):
    token = secrets.token_urlsafe(32)
    for _ in range(3):
        response = client.get("/api/v1/clients/", headers={"Authorization": f"Token {token}"})
        assert response.status_code in (401, 403)
    [event] = denied()
    assert (event.actor, event.object_type, event.object_id) == (None, "api_token", "client-list")
    assert event.ip_address == "127.0.0.1"
    assert token not in " ".join(str(v) for v in AuditEvent.objects.values_list()[0])


def test_the_audit_log_shows_refusals_readably(as_alice, as_bob, gina):
    for _ in range(3):
        as_bob.get(reverse("clients:detail", args=[gina.pk]))
    close_windows()
    page = as_alice.get(reverse("practice_audit")).content.decode()
    assert "Refused" in page and "clients:detail" in page
    assert "answered 404" in page and "\u00d72 more" in page


def test_other_bob_sessions_share_one_window(bob, gina):
    """The source is the person, not the session or address: a new browser is no way around."""
    for _ in range(3):
        logged_in(bob).get(reverse("clients:detail", args=[gina.pk]))
    assert len(denied()) == 1
    assert DeniedAccessTally.objects.get().count == 3
