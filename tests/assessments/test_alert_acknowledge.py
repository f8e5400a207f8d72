"""Acknowledging an alert asks for the action taken (contacted the client, reviewed the safety
plan, referred, or other with a note), keeps it with the alert and shows it on the alert page,
in the client's timeline and in the clinical PDF report. An item-9 alert offers the safety plan
worksheet, which is assignable and never scored. The owner sets the crisis contacts."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Alert, AlertEvent, Assignment, Packet, Response
from practice.dashboard import timeline
from practice.models import AuditEvent, SafetySettings
from tests.assessments.assign_helpers import (
    answer_everything,
    at,
    cleared,
    phq9_answers,
    send_now,
)
from tests.clients.reports_helpers import make_report, media, pdf_text  # noqa: F401

NOW = at(2025, 3, 3, 10)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


def raise_alert(client, when=NOW) -> Alert:
    _, packet = send_now(client, "phq-9", now=when)
    answer_everything(packet, value=1, overrides=phq9_answers(1, 1), now=when)
    services.submit_packet(packet, now=when)
    return Alert.objects.filter(client=client).latest("raised_at", "pk")


def alert_page(alert):
    return reverse("assessments:alert_detail", args=[alert.pk])


def acknowledge(alert):
    return reverse("assessments:alert_acknowledge", args=[alert.pk])


@pytest.mark.django_db
def test_the_alert_page_shows_the_alert_and_its_form_and_is_audited(as_bob, erin):
    alert = raise_alert(erin)
    html = as_bob.get(alert_page(alert)).content.decode()
    assert "Item 9 answered above 0" in html and "suicide risk" in html
    assert "<legend>What did you do?</legend>" in html
    for label in ("Contacted the client", "Reviewed the safety plan", "Referred the client on"):
        assert label in html
    assert "The client was shown your practice" in html  # a critical rule
    event = AuditEvent.objects.get(object_type="alert", action="view")
    assert event.client_id == erin.pk


@pytest.mark.django_db
def test_acknowledging_requires_an_action(as_bob, erin):
    alert = raise_alert(erin)
    response = as_bob.post(acknowledge(alert), {})
    assert response.status_code == 400
    assert "Choose the action taken." in response.content.decode()
    alert.refresh_from_db()
    assert alert.is_open


@pytest.mark.django_db
def test_other_requires_a_note(as_bob, erin):
    alert = raise_alert(erin)
    response = as_bob.post(acknowledge(alert), {"action": "other", "note": "  "})
    assert response.status_code == 400
    assert "Describe the action taken." in response.content.decode()
    assert Alert.objects.get().is_open
    with pytest.raises(ValidationError):
        services.acknowledge_alert(None, alert, action="shrugged")


@pytest.mark.django_db
def test_the_action_is_kept_with_the_alert_and_its_history(as_bob, bob, erin):
    alert = raise_alert(erin)
    with time_machine.travel(NOW + datetime.timedelta(hours=2), tick=False):
        response = as_bob.post(
            acknowledge(alert), {"action": "other", "note": "Spoke with her GP today."}
        )
        html = as_bob.get(alert_page(alert)).content.decode()
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.action, alert.action_note, alert.acknowledged_by) == (
        "other",
        "Spoke with her GP today.",
        bob,
    )
    event = alert.events.get(kind=AlertEvent.Kind.ACKNOWLEDGED)
    assert (event.person, event.action, event.note) == (bob, "other", "Spoke with her GP today.")
    assert "Acknowledged: Other (described in the note) (Spoke with her GP today.)" in html
    assert "What did you do?" not in html  # no form once acknowledged


@pytest.mark.django_db
def test_the_action_shows_in_the_client_timeline(bob, erin):
    alert = raise_alert(erin)
    services.acknowledge_alert(
        bob,
        alert,
        action="referred",
        note="To the crisis team.",
        now=NOW + datetime.timedelta(hours=1),
    )
    entries, _ = timeline.newest_entries(bob, erin, 10)
    (entry,) = [e for e in entries if e.kind == "alert_acknowledged"]
    assert entry.at == NOW + datetime.timedelta(hours=1)
    assert entry.detail == "Bob Clinician · Referred the client on: To the crisis team."
    assert entry.url == alert_page(alert)
    assert timeline.timeline(bob, erin).paginator.count == len(entries)


@pytest.mark.django_db
@pytest.mark.usefixtures("media")
def test_the_action_shows_in_the_clinical_pdf(bob, erin):
    from clients.reports import services as report_services

    alert = raise_alert(erin, when=timezone.now() - datetime.timedelta(days=3))
    services.acknowledge_alert(bob, alert, action="safety_plan_reviewed")
    report = make_report(erin, bob)
    report_services.render(report.pk)
    text = pdf_text(report)
    assert "Item 9 answered above 0" in text
    assert "Action: Reviewed the safety plan with the client" in " ".join(text.split())


@pytest.mark.django_db
def test_an_item_9_alert_offers_the_safety_plan_which_is_sent_on_request(as_bob, erin):
    alert = raise_alert(erin)
    html = as_bob.get(alert_page(alert)).content.decode()
    assert "not cleared for use" in html  # until an owner acknowledges its licence note
    cleared(erin.practice, "safety-plan")
    html = as_bob.get(alert_page(alert)).content.decode()
    assert "Send the safety plan worksheet" in html
    response = as_bob.post(reverse("assessments:alert_offer", args=[alert.pk]))
    assert response.status_code == 302
    assert Assignment.objects.filter(client=erin, instruments__code="safety-plan").exists()
    packet = Packet.objects.get(client=erin, items__instrument__code="safety-plan")
    assert packet.status == Packet.Status.SENT


@pytest.mark.django_db
def test_the_safety_plan_is_never_scored(erin):
    _, packet = send_now(erin, "safety-plan", now=NOW)
    item = packet.items.get()
    answers = {q["number"]: f"My answer {q['number']}." for q in item.definition["items"]}
    services.save_answers(packet, item, answers, now=NOW)
    (response,) = services.submit_packet(packet, now=NOW)
    assert response.total is None and response.scores == {} and response.band == ""
    assert Response.objects.get().answers["6"] == "My answer 6."
    assert not Alert.objects.exists()
    assert "scoring" not in item.definition


@pytest.mark.django_db
def test_the_owner_sets_crisis_contacts_and_the_safety_lead(as_alice, practice_a, dana):
    page = as_alice.get(reverse("safety_settings")).content.decode()
    assert "Samaritans" in page and "Dana Clinician" in page
    response = as_alice.post(
        reverse("safety_settings"),
        {
            "crisis_wording": "Call us.",
            "phone": "01632 960 000",
            "hours": "Weekdays",
            "out_of_hours": "Call 111.",
            "crisis_lines": ["gb-samaritans"],
            "escalation_hours": "12",
            "safety_lead": str(dana.pk),
        },
    )
    assert response.status_code == 302
    safety = SafetySettings.objects.get(practice=practice_a)
    assert (safety.phone, safety.crisis_lines, safety.escalation_hours, safety.safety_lead) == (
        "01632 960 000",
        ["gb-samaritans"],
        12,
        dana,
    )
    event = AuditEvent.objects.get(object_type="practice", action="update")
    assert "phone" in event.fields and "01632" not in str(event.fields)


@pytest.mark.django_db
def test_bad_safety_settings_are_refused_with_a_message(as_alice, charlie):
    response = as_alice.post(
        reverse("safety_settings"),
        {"escalation_hours": "0", "crisis_lines": ["xx-made-up"], "safety_lead": str(charlie.pk)},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice" in html and "greater than or equal to 1" in html
