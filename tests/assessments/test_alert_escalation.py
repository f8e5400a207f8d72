"""Who is told of an alert, and when: the primary clinician at once (the owners when that
clinician's membership has ended), then, once the alert has stayed unacknowledged past the
practice's escalation time (default 24 hours), the safety lead or the owners, exactly once.
Every notice is in the alert's history, and the dashboard and client page mark it overdue."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from assessments import services, tasks
from assessments.models import Alert, AlertEvent
from practice.dashboard import progress
from practice.models import AuditEvent, Membership, OutboundEmail, SafetySettings
from tests.assessments.assign_helpers import answer_everything, at, phq9_answers, send_now

RAISED = at(2025, 3, 3, 10)
HOUR = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


@pytest.fixture
def raised(erin, alice, django_capture_on_commit_callbacks) -> Alert:
    """Erin's PHQ-9 with item 9 = 1, submitted at RAISED; the notice queued on commit."""
    with (
        time_machine.travel(RAISED, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _, packet = send_now(erin, "phq-9", now=RAISED)
        answer_everything(packet, value=1, overrides=phq9_answers(1, 1), now=RAISED)
        services.submit_packet(packet, now=RAISED)
        progress.refresh_client_progress(erin)  # as the client's page does after submitting
    return Alert.objects.get()


def overdue_emails():
    return OutboundEmail.objects.filter(kind="alert_overdue").order_by("to")


@pytest.mark.django_db
def test_not_before_the_time_then_once_to_the_owner(raised, alice, bob):
    assert services.escalate_overdue_alerts(now=RAISED + 24 * HOUR - datetime.timedelta(1)) == []
    assert not overdue_emails().exists()
    assert services.escalate_overdue_alerts(now=RAISED + 24 * HOUR) == [raised.pk]
    assert services.escalate_overdue_alerts(now=RAISED + 25 * HOUR) == []  # once
    (email,) = overdue_emails()
    assert email.to == alice.email
    raised.refresh_from_db()
    assert raised.escalated_at == RAISED + 24 * HOUR and raised.is_overdue
    history = [(e.kind, e.person, e.at) for e in raised.events.all()]
    assert history == [
        (AlertEvent.Kind.NOTIFIED, bob, RAISED),
        (AlertEvent.Kind.ESCALATED, alice, RAISED + 24 * HOUR),
    ]
    assert AuditEvent.objects.filter(object_type="alert", action="update").count() == 1


@pytest.mark.django_db
def test_the_beat_task_escalates_through_the_clock(raised, alice):
    with time_machine.travel(RAISED + 23 * HOUR, tick=False):
        assert tasks.escalate_overdue_alerts() == 0
    with time_machine.travel(RAISED + 24 * HOUR + datetime.timedelta(minutes=3), tick=False):
        assert tasks.escalate_overdue_alerts() == 1
        assert tasks.escalate_overdue_alerts() == 0
    assert overdue_emails().count() == 1


@pytest.mark.django_db
def test_the_practice_sets_the_time(raised, practice_a):
    SafetySettings.objects.create(practice=practice_a, escalation_hours=2)
    assert services.escalate_overdue_alerts(now=RAISED + HOUR) == []
    assert services.escalate_overdue_alerts(now=RAISED + 2 * HOUR) == [raised.pk]


@pytest.mark.django_db
def test_the_safety_lead_is_told_instead_of_the_owners(raised, practice_a, dana, alice):
    SafetySettings.objects.create(practice=practice_a, safety_lead=dana)
    services.escalate_overdue_alerts(now=RAISED + 24 * HOUR)
    assert [email.to for email in overdue_emails()] == [dana.email]


@pytest.mark.django_db
def test_a_safety_lead_who_left_is_passed_over_for_the_owners(raised, practice_a, dana, alice):
    SafetySettings.objects.create(practice=practice_a, safety_lead=dana)
    Membership.objects.filter(user=dana).update(is_active=False)
    services.escalate_overdue_alerts(now=RAISED + 24 * HOUR)
    assert [email.to for email in overdue_emails()] == [alice.email]


@pytest.mark.django_db
def test_an_acknowledged_alert_is_never_escalated(raised, bob):
    services.acknowledge_alert(bob, raised, action="contacted_client", now=RAISED + HOUR)
    assert services.escalate_overdue_alerts(now=RAISED + 48 * HOUR) == []
    assert not overdue_emails().exists()


@pytest.mark.django_db
def test_the_overdue_email_names_no_client_and_links_to_the_alert(raised, alice):
    services.escalate_overdue_alerts(now=RAISED + 24 * HOUR)
    email = overdue_emails().get()
    assert email.text_body.startswith("Hello Alice,")
    url = reverse("assessments:alert_detail", args=[raised.pk])
    assert url in email.text_body and url in email.html_body
    for part in (email.subject, email.text_body, email.html_body):
        for forbidden in ("Erin", "Fictional", "PHQ", "item 9", "score", "suicid"):
            assert forbidden not in part, forbidden


@pytest.mark.django_db
def test_dashboard_client_page_and_alert_page_mark_it_overdue(raised, as_bob, erin):
    services.escalate_overdue_alerts(now=RAISED + 24 * HOUR)
    dashboard = as_bob.get(reverse("dashboard")).content.decode()
    assert "Overdue</span>" in dashboard
    client_page = as_bob.get(reverse("clients:detail", args=[erin.pk])).content.decode()
    assert "Overdue</span>" in client_page
    page = as_bob.get(reverse("assessments:alert_detail", args=[raised.pk])).content.decode()
    assert "Overdue</span>" in page and "Overdue notice sent" in page and "Alice Owner" in page


@pytest.mark.django_db
def test_not_overdue_before_escalation(raised, as_bob):
    assert "Overdue</span>" not in as_bob.get(reverse("dashboard")).content.decode()


@pytest.mark.django_db
def test_a_deactivated_primary_clinician_is_not_notified_the_owners_are(
    erin, bob, alice, django_capture_on_commit_callbacks
):
    Membership.objects.filter(user=bob).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        _, packet = send_now(erin, "phq-9", actor=alice, now=RAISED)
        answer_everything(packet, value=1, overrides=phq9_answers(2, 1), now=RAISED)
        services.submit_packet(packet, now=RAISED)
    notices = OutboundEmail.objects.filter(kind="alert_notice")
    assert [notice.to for notice in notices] == [alice.email]
    alert = Alert.objects.get()
    assert [(e.kind, e.person) for e in alert.events.all()] == [(AlertEvent.Kind.NOTIFIED, alice)]
