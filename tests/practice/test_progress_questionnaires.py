"""Questionnaire work done through the pages brings the dashboard's row up to date.

The questionnaire services sit below the dashboard and leave its rows alone; their callers (the
client's questionnaire form, the clinician's pages, the API, the discharge page's closing step)
refresh the client's row after the service, in the request's transaction, and the scheduler's
task refreshes the clients it handled. These tests fail when a caller forgets to.
"""

import datetime

import pytest
import time_machine
from django.test import Client as Browser
from django.urls import reverse
from rest_framework.test import APIClient

from assessments import services
from assessments import tasks as assessment_tasks
from assessments.models import Alert, Assignment
from practice import tasks
from practice.dashboard import progress
from tests.assessments.assign_helpers import (
    answer_everything,
    cleared,
    phq9_answers,
    send_now,
    token_of,
)
from tests.clients.test_discharge import weekly as weekly_gad7
from tests.practice.test_progress_notes import assert_current

NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)
TOMORROW_9 = datetime.datetime(2026, 3, 11, 9, 0, tzinfo=datetime.UTC)  # London is on GMT

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def _no_mail(monkeypatch):
    from assessments.services import responses

    monkeypatch.setattr(tasks.send_outbound_email, "delay", lambda *args: None)
    monkeypatch.setattr(responses, "notify_clinician", lambda ids: None)


def sent_phq9(client, actor):
    """A PHQ-9 sent now, the row refreshed as the assign page does."""
    _, packet = send_now(client, "phq-9", actor=actor)
    progress.refresh_client_progress(client)
    return packet


def test_the_questionnaire_page_refreshes_the_row_on_submit(erin, bob):
    packet = sent_phq9(erin, bob)
    assert assert_current(erin)["awaiting_since"] == NOW
    token = token_of(packet)
    browser = Browser()
    browser.post(reverse("questionnaire:landing", args=[token]))
    answer_everything(packet, overrides=phq9_answers(2), now=NOW)
    last = {f"item-{n}": "1" for n in range(6, 11)} | {"item-9": "2", "action": "submit"}
    response = browser.post(reverse("questionnaire:page", args=[token, 2]), last, follow=True)
    # Item 9 above 0: the submission redirects to the crisis page.
    assert response.status_code == 200 and "/support/" in response.redirect_chain[-1][0]
    assert "Call your local emergency number now" in response.content.decode()
    row = assert_current(erin)
    assert (row["responses"], row["open_alerts"], row["awaiting_since"]) == (1, 1, None)


def test_the_alert_page_refreshes_the_row(as_bob, erin, bob):
    packet = sent_phq9(erin, bob)
    answer_everything(packet, overrides=phq9_answers(2), now=NOW)
    services.submit_packet(packet)
    progress.refresh_client_progress(erin)
    assert assert_current(erin)["open_alerts"] == 1
    alert = Alert.objects.get(client=erin)
    response = as_bob.post(
        reverse("assessments:alert_acknowledge", args=[alert.pk]), {"action": "contacted_client"}
    )
    assert response.status_code == 302
    assert assert_current(erin)["open_alerts"] == 0


def weekly(client, actor) -> Assignment:
    """A weekly GAD-7 from tomorrow 09:00, the row refreshed as the assign page does."""
    assignment = weekly_gad7(client, actor)
    progress.refresh_client_progress(client)
    return assignment


def test_the_assign_pages_refresh_the_row(as_bob, erin, practice_a):
    phq, gad = cleared(practice_a, "phq-9", "gad-7")
    progress.refresh_client_progress(erin)
    response = as_bob.post(
        reverse("assessments:assign", args=[erin.pk]), {"instruments": [phq.pk], "when": "now"}
    )
    assert response.status_code == 302
    assert assert_current(erin)["awaiting_since"] == NOW
    response = as_bob.post(
        reverse("assessments:assign_many"),
        {
            "clients": [erin.pk],
            "instruments": [gad.pk],
            "when": "every_n_weeks",
            "interval_weeks": "1",
            "start_date": "2026-03-11",
            "send_time": "09:00",
        },
    )
    assert response.status_code == 302
    assert assert_current(erin)["next_due_at"] == TOMORROW_9


def test_the_schedule_pages_refresh_the_row(as_bob, erin, bob):
    assignment = weekly(erin, bob)
    assert assert_current(erin)["next_due_at"] == TOMORROW_9
    response = as_bob.post(
        reverse("assessments:assignment_edit", args=[assignment.pk]),
        {
            "instruments": [i.pk for i in assignment.instruments.all()],
            "when": "every_n_weeks",
            "interval_weeks": "1",
            "start_date": "2026-03-12",
            "send_time": "09:00",
            "time_zone": "Europe/London",
        },
    )
    assert response.status_code == 302
    day_after = TOMORROW_9 + datetime.timedelta(days=1)
    assert assert_current(erin)["next_due_at"] == day_after
    for name, next_due in (("pause", None), ("resume", day_after), ("end", None)):
        response = as_bob.post(reverse(f"assessments:assignment_{name}", args=[assignment.pk]))
        assert response.status_code == 302
        assert assert_current(erin)["next_due_at"] == next_due, name


def test_the_assignments_api_refreshes_the_row(bob, erin, practice_a):
    cleared(practice_a, "gad-7")
    progress.refresh_client_progress(erin)
    api = APIClient()
    api.force_authenticate(bob)
    body = {
        "client": str(erin.pk),
        "instruments": ["gad-7"],
        "schedule": "every_n_weeks",
        "interval_weeks": 1,
        "start_date": "2026-03-11",
        "send_time": "09:00",
    }
    response = api.post("/api/v1/assignments/", body, format="json")
    assert response.status_code == 201, response.json()
    assert assert_current(erin)["next_due_at"] == TOMORROW_9
    url = f"/api/v1/assignments/{response.json()['id']}/"
    response = api.patch(url, {"status": "paused"}, format="json")
    assert response.status_code == 200, response.json()
    assert assert_current(erin)["next_due_at"] is None
    response = api.patch(url, {"status": "active"}, format="json")
    assert response.status_code == 200, response.json()
    assert assert_current(erin)["next_due_at"] == TOMORROW_9
    response = api.post(f"{url}end/", format="json")
    assert response.status_code == 200, response.json()
    assert assert_current(erin)["next_due_at"] is None


def test_the_scheduler_task_refreshes_the_clients_it_sent_to(erin, bob, time_machine):
    weekly(erin, bob)
    time_machine.move_to(TOMORROW_9, tick=False)
    assert assessment_tasks.dispatch_due_questionnaires() == 1
    row = assert_current(erin)
    assert row["awaiting_since"] == TOMORROW_9
    assert row["next_due_at"] == TOMORROW_9 + datetime.timedelta(weeks=1)


def test_the_discharge_page_refreshes_the_row(as_bob, erin, bob):
    weekly(erin, bob)
    response = as_bob.post(reverse("clients:discharge", args=[erin.pk]))
    assert response.status_code == 302
    assert assert_current(erin)["next_due_at"] is None


def test_the_link_pages_refresh_the_row(as_bob, erin, bob):
    packet = sent_phq9(erin, bob)
    later = NOW + datetime.timedelta(minutes=10)  # within the idle timeout
    with time_machine.travel(later, tick=False):
        response = as_bob.post(reverse("assessments:invitation_resend", args=[packet.pk]))
        assert response.status_code == 302
        assert assert_current(erin)["awaiting_since"] == later
        response = as_bob.post(reverse("assessments:invitation_revoke", args=[packet.pk]))
        assert response.status_code == 302
        assert assert_current(erin)["awaiting_since"] is None


def test_the_invitations_api_refreshes_the_row(bob, erin):
    packet = sent_phq9(erin, bob)
    api = APIClient()
    api.force_authenticate(bob)
    later = NOW + datetime.timedelta(minutes=10)
    with time_machine.travel(later, tick=False):
        response = api.post(f"/api/v1/invitations/{packet.pk}/resend/")
        assert response.status_code == 200, response.json()
        assert assert_current(erin)["awaiting_since"] == later
        response = api.post(f"/api/v1/invitations/{packet.pk}/revoke/")
        assert response.status_code == 200, response.json()
        assert assert_current(erin)["awaiting_since"] is None


def test_the_expiry_task_refreshes_the_clients_of_expired_links(erin, bob, time_machine):
    packet = sent_phq9(erin, bob)
    time_machine.move_to(packet.expires_at, tick=False)
    assert assessment_tasks.expire_questionnaire_links() == 1
    row = assert_current(erin)
    assert row["missed_since"] == packet.expires_at and row["awaiting_since"] is None
