"""Discharge and reactivation through the API (issue 14): the same services as the pages, by
the client's primary clinician or an owner, with the reason and the new-or-resume choice, 400
on bad input, audited, idempotent with ``Idempotency-Key`` and refused to read-only tokens."""

import pytest
from django.urls import reverse

from clients.models import Client, ClientShare, EndReason, Episode
from practice.models import ApiToken, AuditAction, AuditEvent
from tests.clients.test_api import api_as
from tests.practice.test_api_tokens import api
from tests.practice.test_api_tokens_scopes import token_for

pytestmark = pytest.mark.django_db


def discharge_url(client) -> str:
    return reverse("client-discharge", args=[client.pk])


def reactivate_url(client) -> str:
    return reverse("client-reactivate", args=[client.pk])


def episodes(client) -> list[tuple[bool, str]]:
    return [(e.ended_at is None, e.end_reason) for e in Episode.objects.filter(client=client)]


def test_discharge_ends_the_episode_for_the_reason_and_is_audited(bob, erin):
    response = api_as(bob).post(discharge_url(erin), {"reason": "referred"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "discharged"
    assert response.json()["episodes"][-1]["end_reason"] == EndReason.REFERRED
    assert response.json()["episodes"][-1]["ended_at"] is not None
    erin.refresh_from_db()
    assert erin.status == Client.Status.DISCHARGED
    assert episodes(erin) == [(False, EndReason.REFERRED)]
    assert AuditEvent.objects.filter(
        action=AuditAction.DISCHARGE, object_id=str(erin.pk), actor=bob
    ).exists()


def test_discharge_without_a_reason_records_none(alice, erin):
    response = api_as(alice).post(discharge_url(erin), {}, format="json")
    assert response.status_code == 200, response.json()
    assert episodes(erin) == [(False, "")]


def test_an_unknown_reason_is_400_and_changes_nothing(bob, erin):
    response = api_as(bob).post(discharge_url(erin), {"reason": "bored"}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    erin.refresh_from_db()
    assert erin.is_active
    assert not Episode.objects.filter(client=erin, ended_at__isnull=False).exists()


def test_reactivate_in_a_new_episode_or_resume_the_last(bob, erin):
    api_as(bob).post(discharge_url(erin), {"reason": "completed"}, format="json")
    response = api_as(bob).post(reactivate_url(erin), {"episode": "new"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "active"
    assert [e["current"] for e in response.json()["episodes"]] == [False, True]
    assert episodes(erin) == [(False, EndReason.COMPLETED), (True, "")]

    api_as(bob).post(discharge_url(erin), {"reason": "lost_contact"}, format="json")
    response = api_as(bob).post(reactivate_url(erin), {"episode": "resume"}, format="json")
    assert response.status_code == 200, response.json()
    assert episodes(erin) == [(False, EndReason.COMPLETED), (True, "")]
    assert (
        AuditEvent.objects.filter(action=AuditAction.REACTIVATE, object_id=str(erin.pk)).count()
        == 2
    )


def test_an_active_client_is_left_as_is(bob, erin):
    api_as(bob).post(discharge_url(erin), {}, format="json")
    api_as(bob).post(reactivate_url(erin), {"episode": "new"}, format="json")
    again = api_as(bob).post(reactivate_url(erin), {"episode": "new"}, format="json")
    assert again.status_code == 200
    assert again.json()["status"] == "active"
    assert len(episodes(erin)) == 2


def test_reactivate_needs_the_choice(bob, erin):
    api_as(bob).post(discharge_url(erin), {}, format="json")
    for body in ({}, {"episode": "both"}):
        refused = api_as(bob).post(reactivate_url(erin), body, format="json")
        assert refused.status_code == 400
        assert "episode" in refused.json()
    erin.refresh_from_db()
    assert not erin.is_active


def test_a_clinician_the_client_is_shared_with_is_403_another_practice_404(dana, charlie, erin):
    ClientShare.objects.create(client=erin, clinician=dana, shared_by=erin.primary_clinician)
    assert api_as(dana).post(discharge_url(erin), {}, format="json").status_code == 403
    assert api_as(charlie).post(discharge_url(erin), {}, format="json").status_code == 404
    erin.refresh_from_db()
    assert erin.is_active


def test_a_read_only_token_is_refused(bob, erin):
    client = api(token_for(bob, scope=ApiToken.Scope.READ))
    response = client.post(discharge_url(erin), {"reason": "completed"}, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    erin.refresh_from_db()
    assert erin.is_active


def test_the_same_idempotency_key_replays_the_reactivation_without_a_third_episode(bob, erin):
    api_as(bob).post(discharge_url(erin), {}, format="json")
    client = api_as(bob)
    client.credentials(HTTP_IDEMPOTENCY_KEY="reactivate-erin-1")
    first = client.post(reactivate_url(erin), {"episode": "new"}, format="json")
    again = client.post(reactivate_url(erin), {"episode": "new"}, format="json")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert len(episodes(erin)) == 2
