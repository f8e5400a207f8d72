"""Discharging a client: asked first, saying what will end; then, in one transaction, every
schedule ends and every open questionnaire link stops working; and no reminder or link reaches
a discharged client, even one discharged behind the services' back."""

import datetime

import pytest
import time_machine
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from assessments import services as questionnaires
from assessments import tasks
from assessments.models import Assignment, Occasion, Packet
from clients import services
from clients.models import Client, ClientShare
from practice.models import AuditEvent, OutboundEmail
from tests.assessments.assign_helpers import answer_everything, cleared, send_now, token_of

INVALID = "This link cannot be used"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


def weekly(client, actor, code="gad-7") -> Assignment:
    return questionnaires.assign(
        actor,
        client,
        cleared(client.practice, code),
        questionnaires.Plan(
            schedule="every_n_weeks",
            interval_weeks=1,
            start_date=timezone.localdate() + datetime.timedelta(days=1),
            send_time=datetime.time(9),
        ),
    )


@pytest.fixture
def open_work(erin, bob):
    """Erin's running schedule, a paused one, an open link and a completed packet."""
    running = weekly(erin, bob)
    paused = questionnaires.pause_assignment(bob, weekly(erin, bob, "phq-9"))
    _, done = send_now(erin, "phq-9", actor=bob)
    answer_everything(done, now=timezone.now())
    questionnaires.submit_packet(done)
    _, live = send_now(erin, "gad-7", actor=bob)
    return {
        "running": running,
        "paused": paused,
        "done": done,
        "live": live,
        "token": token_of(live),
    }


def discharge_url(client) -> str:
    return reverse("clients:discharge", args=[client.pk])


def landing(token) -> str:
    return reverse("questionnaire:landing", args=[token])


@pytest.mark.django_db
def test_discharging_asks_first_and_says_what_will_end(as_bob, erin, open_work):
    assert Browser().get(landing(open_work["token"])).status_code == 200
    events = AuditEvent.objects.count()

    response = as_bob.get(discharge_url(erin))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Discharge Erin Fictional?" in html
    # The running and the paused schedule (one-off sends end once sent); one open link (the
    # completed one is done).
    assert "2 questionnaire schedules will end" in html
    assert "1 questionnaire link not yet completed will stop working" in html
    assert f'action="{discharge_url(erin)}"' in html and 'method="post"' in html
    # Asking changes nothing.
    erin.refresh_from_db()
    assert erin.is_active
    assert Browser().get(landing(open_work["token"])).status_code == 200
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_the_client_page_links_to_the_question(as_bob, erin):
    html = as_bob.get(reverse("clients:detail", args=[erin.pk])).content.decode()
    assert f'href="{discharge_url(erin)}"' in html
    assert f'action="{discharge_url(erin)}"' not in html  # no one-click discharge


@pytest.mark.django_db
def test_discharge_ends_schedules_and_revokes_open_links(as_bob, bob, erin, open_work):
    response = as_bob.post(discharge_url(erin), follow=True)

    assert response.redirect_chain[-1][0] == reverse("clients:detail", args=[erin.pk])
    html = response.content.decode()
    assert (
        "Erin was discharged (2 schedules ended and 1 questionnaire link revoked). "
        "The record is kept." in html
    )
    assert "Discharged since" in html and "Revoked" in html
    erin.refresh_from_db()
    assert erin.status == Client.Status.DISCHARGED and erin.discharged_at
    assert set(Assignment.objects.filter(client=erin).values_list("status", flat=True)) == {
        Assignment.Status.ENDED
    }
    assert not Occasion.objects.filter(client=erin, status=Occasion.Status.SCHEDULED).exists()
    open_work["live"].refresh_from_db()
    open_work["done"].refresh_from_db()
    assert open_work["live"].status == Packet.Status.REVOKED
    assert open_work["live"].revoked_by == bob
    assert open_work["done"].status == Packet.Status.COMPLETED  # answers kept as they were
    # The old link now gets the page every dead link gets.
    dead = Browser().get(landing(open_work["token"]))
    assert dead.status_code == 404 and INVALID in dead.content.decode()
    # Audited: the discharge, each schedule ended, the link revoked.
    events = AuditEvent.objects.filter(actor=bob, client_id=erin.pk)
    assert events.filter(action="discharge", object_type="client").count() == 1
    changed = [(e.object_type, e.fields) for e in events.filter(action="update")]
    assert changed.count(("assignment", ["ended_at", "status"])) == 2
    assert changed.count(("packet", ["revoked_at", "status"])) == 1


@pytest.mark.django_db
def test_nothing_is_sent_after_discharge(as_bob, erin, open_work):
    as_bob.post(discharge_url(erin))
    emails = OutboundEmail.objects.count()
    later = timezone.now() + datetime.timedelta(days=30)
    assert questionnaires.dispatch_due_occasions(later).packets == []
    assert questionnaires.send_reminders(timezone.now() + datetime.timedelta(days=2)) == []
    assert OutboundEmail.objects.count() == emails


@pytest.mark.django_db
def test_discharge_is_one_transaction(rf, bob, erin, open_work):
    request = rf.post("/")
    request.user = bob
    request.membership = bob.memberships.get()

    def fails(client):
        questionnaires.end_client_questionnaires(bob, client)
        raise RuntimeError("storage down")

    with pytest.raises(RuntimeError):
        services.discharge_client(request, erin, close_open_work=fails)
    erin.refresh_from_db()
    assert erin.is_active and erin.discharged_at is None
    open_work["live"].refresh_from_db()
    assert open_work["live"].status == Packet.Status.SENT
    assert not AuditEvent.objects.filter(action="discharge").exists()


@pytest.mark.django_db
def test_a_clinician_the_client_is_shared_with_may_neither_ask_nor_discharge(
    as_dana, dana, bob, erin, open_work
):
    ClientShare.objects.create(client=erin, clinician=dana, shared_by=bob)
    assert as_dana.get(discharge_url(erin)).status_code == 403
    assert as_dana.post(discharge_url(erin)).status_code == 403
    erin.refresh_from_db()
    open_work["live"].refresh_from_db()
    assert erin.is_active and open_work["live"].status == Packet.Status.SENT


@pytest.mark.django_db
def test_outside_the_practice_the_page_is_404(as_charlie, erin):
    assert as_charlie.get(discharge_url(erin)).status_code == 404
    assert as_charlie.post(discharge_url(erin)).status_code == 404


@pytest.mark.django_db
def test_confirming_again_closes_what_an_earlier_discharge_left_open(as_bob, erin, open_work):
    # A client discharged before discharge closed anything (or behind the services' back).
    Client.objects.filter(pk=erin.pk).update(status="discharged", discharged_at=timezone.now())
    html = as_bob.get(discharge_url(erin)).content.decode()
    assert "Close what is still open" in html
    as_bob.post(discharge_url(erin))
    open_work["live"].refresh_from_db()
    assert open_work["live"].status == Packet.Status.REVOKED
    assert not AuditEvent.objects.filter(action="discharge").exists()  # discharged already


# --- Defence in depth: a client discharged without the service --------------------------


@pytest.mark.django_db
def test_reminders_never_go_to_a_discharged_client(erin, bob):
    _, packet = send_now(erin, actor=bob)
    packet.refresh_from_db()
    Client.objects.filter(pk=erin.pk).update(status="discharged")  # bypasses the service
    with time_machine.travel(packet.next_reminder_at + datetime.timedelta(minutes=1), tick=False):
        assert tasks.send_questionnaire_reminders() == 0
    assert not OutboundEmail.objects.filter(kind="questionnaire_reminder").exists()
    packet.refresh_from_db()
    assert packet.reminders_sent == 0


@pytest.mark.django_db
def test_a_discharged_clients_link_does_not_open(erin, bob):
    _, packet = send_now(erin, actor=bob)
    token = token_of(packet)
    assert Browser().get(landing(token)).status_code == 200
    Client.objects.filter(pk=erin.pk).update(status="discharged")  # bypasses the service
    response = Browser().get(landing(token))
    assert response.status_code == 404 and INVALID in response.content.decode()
