"""Assigning questionnaires: now or on a schedule, to one client or many; pause, edit, end."""

import datetime
from dataclasses import replace

import pytest
import time_machine
from django.core.exceptions import ValidationError

from assessments import services
from assessments.models import Assignment, Occasion, Packet, PacketItem
from practice.models import AuditEvent, OutboundEmail
from tests.assessments.assign_helpers import at, cleared, link_in, send_now
from tests.factories import ClientFactory

NOW = at(2025, 3, 3, 10, 0)  # a Monday, GMT
Plan = services.Plan


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


@pytest.mark.django_db
def test_sending_now_makes_one_packet_one_link_and_one_email(erin, bob):
    assignment, packet = send_now(erin, "phq-9", "gad-7", actor=bob, now=NOW)

    assert assignment.status == Assignment.Status.ENDED  # a one-off, sent
    assert assignment.time_zone == "Europe/London"
    (occasion,) = assignment.occasions.all()
    assert occasion.status == Occasion.Status.SENT and occasion.packet == packet
    assert packet.status == Packet.Status.SENT
    assert packet.sent_at == NOW
    assert packet.expires_at == NOW + datetime.timedelta(days=7)
    assert packet.next_reminder_at == NOW + datetime.timedelta(days=2)
    assert [i.instrument.code for i in packet.items.order_by("position")] == ["gad-7", "phq-9"]
    for item in packet.items.all():
        assert item.instrument_version == item.instrument.current_version
    email = OutboundEmail.objects.get()
    assert email.to == erin.email and email.kind == "questionnaire_invitation"
    assert packet.last_email == email
    assert link_in(email)
    assert AuditEvent.objects.filter(object_type="assignment", action="create").count() == 1
    assert AuditEvent.objects.filter(object_type="packet", client_id=erin.pk).exists()


@pytest.mark.django_db
def test_the_email_names_practice_clinician_and_first_name_and_nothing_clinical(erin, bob):
    send_now(erin, "phq-9", "gad-7", actor=bob, now=NOW)
    email = OutboundEmail.objects.get()
    for part in (email.subject, email.text_body, email.html_body):
        assert "Harbour Therapy" in part
        for forbidden in ("PHQ", "GAD", "Patient Health", "Anxiety", "depress", "Fictional"):
            assert forbidden.lower() not in part.lower()
    assert "Bob Clinician" in email.text_body and "Erin" in email.text_body
    assert "Erin" not in email.subject
    assert "Monday 10 March" in email.text_body  # the expiry, in the client's zone


@pytest.mark.django_db
def test_an_instrument_without_acknowledged_licence_cannot_be_assigned(erin, bob):
    from assessments.models import Instrument

    ecr = Instrument.objects.get(code="ecr-r")
    with pytest.raises(ValidationError) as error:
        services.assign(bob, erin, [ecr], Plan(send_now=True), now=NOW)
    assert "acknowledge its licence note" in error.value.message_dict["instruments"][0]
    assert not Assignment.objects.exists() and not OutboundEmail.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [({"email": ""}, "has no e-mail address"), ({"status": "discharged"}, "is discharged")],
)
def test_a_client_who_cannot_receive_email_is_refused_with_the_reason(erin, bob, changes, message):
    for name, value in changes.items():
        setattr(erin, name, value)
    erin.save()
    with pytest.raises(ValidationError) as error:
        services.assign(bob, erin, cleared(erin.practice, "phq-9"), Plan(send_now=True), now=NOW)
    assert message in error.value.messages[0]
    assert not Assignment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("plan", "field"),
    [
        (Plan(schedule="every_n_weeks", start_date=datetime.date(2025, 3, 1)), "start_date"),
        (
            Plan(schedule="every_n_weeks", start_date=datetime.date(2025, 3, 4)),
            "interval_weeks",
        ),
        (
            Plan(
                schedule="monthly",
                start_date=datetime.date(2025, 3, 4),
                send_time=datetime.time(9),
                end_date=datetime.date(2025, 3, 1),
            ),
            "end_date",
        ),
        (Plan(schedule="once", start_date=datetime.date(2025, 3, 3)), "send_time"),
        (
            Plan(schedule="once", start_date=datetime.date(2025, 3, 3), send_time=datetime.time(9)),
            "send_time",  # 09:00 today has passed at 10:00
        ),
        (
            Plan(
                schedule="every_n_weeks",
                interval_weeks=99,
                start_date=datetime.date(2025, 3, 4),
                send_time=datetime.time(9),
            ),
            "interval_weeks",
        ),
        (Plan(schedule="fortnightly", start_date=datetime.date(2025, 3, 4)), "schedule"),
        (
            Plan(
                schedule="once",
                start_date=datetime.date(2025, 3, 4),
                send_time=datetime.time(9),
                time_zone="Mars/Olympus",
            ),
            "time_zone",
        ),
    ],
)
def test_a_bad_schedule_is_refused_on_the_field_at_fault(erin, bob, plan, field):
    with pytest.raises(ValidationError) as error:
        services.assign(bob, erin, cleared(erin.practice, "phq-9"), plan, now=NOW)
    assert field in error.value.message_dict
    assert not Assignment.objects.exists()


@pytest.mark.django_db
def test_a_schedule_uses_the_clients_time_zone_and_keeps_the_next_occasion_as_a_row(erin, bob):
    erin.time_zone = "America/New_York"
    erin.save()
    assignment = services.assign(
        bob,
        erin,
        cleared(erin.practice, "phq-9"),
        Plan(
            schedule="every_n_weeks",
            interval_weeks=2,
            start_date=datetime.date(2025, 3, 4),
            send_time=datetime.time(18, 30),
        ),
        now=NOW,
    )
    assert assignment.time_zone == "America/New_York"
    (occasion,) = assignment.occasions.all()
    assert occasion.status == Occasion.Status.SCHEDULED
    assert occasion.due_date == datetime.date(2025, 3, 4)
    assert occasion.due_at == at(2025, 3, 4, 23, 30)  # 18:30 EST
    assert not Packet.objects.exists() and not OutboundEmail.objects.exists()


@pytest.mark.django_db
def test_instruments_due_the_same_day_go_out_as_one_packet(erin, bob):
    phq, gad = cleared(erin.practice, "phq-9", "gad-7")
    day = Plan(schedule="once", start_date=datetime.date(2025, 3, 5), send_time=datetime.time(9))
    services.assign(bob, erin, [phq], day, now=NOW)
    services.assign(bob, erin, [gad, phq], replace(day, send_time=datetime.time(17)), now=NOW)

    report = services.dispatch_due_occasions(at(2025, 3, 5, 9, 0))

    assert len(report.packets) == 1
    packet = Packet.objects.get()
    assert sorted(packet.items.values_list("instrument__code", flat=True)) == ["gad-7", "phq-9"]
    assert PacketItem.objects.count() == 2  # PHQ-9 asked once, though two assignments hold it
    assert Occasion.objects.filter(status="sent", packet=packet).count() == 2
    assert OutboundEmail.objects.count() == 1
    assert services.dispatch_due_occasions(at(2025, 3, 5, 17, 0)).packets == []


@pytest.mark.django_db
def test_assigning_to_many_clients_skips_those_without_email_and_says_why(bob, erin, practice_a):
    other = ClientFactory(practice=practice_a, primary_clinician=bob, preferred_name="Ola")
    silent = ClientFactory(practice=practice_a, primary_clinician=bob, preferred_name="Pat")
    silent.email = ""
    silent.save()
    report = services.assign_many(
        bob, [erin, other, silent], cleared(practice_a, "gad-7"), Plan(send_now=True), now=NOW
    )
    assert {a.client for a in report.assignments} == {erin, other}
    assert [(client, reason) for client, reason in report.skipped] == [
        (silent, "Pat has no e-mail address: add one to their details first.")
    ]
    assert sorted(OutboundEmail.objects.values_list("to", flat=True)) == sorted(
        [erin.email, other.email]
    )


@pytest.mark.django_db
def test_assigning_to_many_refuses_clients_of_two_practices(bob, erin, gina):
    # Both practices cleared GAD-7, so nothing but the one-practice rule stands in the way.
    cleared(gina.practice, "gad-7")
    with pytest.raises(ValidationError, match="Choose clients of one practice"):
        services.assign_many(
            bob, [erin, gina], cleared(erin.practice, "gad-7"), Plan(send_now=True), now=NOW
        )
    assert not Assignment.objects.exists() and not OutboundEmail.objects.exists()


def _weekly(erin, bob, **changes):
    plan = Plan(
        schedule="every_n_weeks",
        interval_weeks=1,
        start_date=datetime.date(2025, 3, 4),
        send_time=datetime.time(9),
    )
    return services.assign(
        bob, erin, cleared(erin.practice, "phq-9"), replace(plan, **changes), now=NOW
    )


@pytest.mark.django_db
def test_a_paused_schedule_skips_what_falls_due_and_resumes_on_the_next_date(erin, bob):
    assignment = _weekly(erin, bob)
    services.pause_assignment(bob, assignment, now=NOW)
    services.dispatch_due_occasions(at(2025, 3, 4, 9, 0))
    skipped = Occasion.objects.get(due_date=datetime.date(2025, 3, 4))
    assert skipped.status == Occasion.Status.SKIPPED
    assert skipped.skip_reason == "The schedule was paused."
    assert not Packet.objects.exists()

    services.resume_assignment(bob, assignment, now=at(2025, 3, 6, 12))
    services.dispatch_due_occasions(at(2025, 3, 11, 9, 0))
    assert Packet.objects.count() == 1
    assert Occasion.objects.get(due_date=datetime.date(2025, 3, 11)).status == "sent"
    assert Occasion.objects.filter(due_date=datetime.date(2025, 3, 18), status="scheduled").exists()


@pytest.mark.django_db
def test_ending_a_schedule_cancels_what_is_not_sent(erin, bob):
    assignment = _weekly(erin, bob)
    services.end_assignment(bob, assignment, now=NOW)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ENDED and assignment.ended_at == NOW
    assert set(assignment.occasions.values_list("status", flat=True)) == {"cancelled"}
    assert services.dispatch_due_occasions(at(2025, 3, 4, 9)).packets == []
    with pytest.raises(ValidationError):
        services.resume_assignment(bob, assignment, now=NOW)


@pytest.mark.django_db
def test_editing_a_schedule_replaces_unsent_occasions_and_never_sends_twice_a_day(erin, bob):
    assignment = _weekly(erin, bob)
    services.dispatch_due_occasions(at(2025, 3, 4, 9))
    assert Packet.objects.count() == 1
    # Later that day: same start, now 18:00 every 2 weeks. Today is already sent.
    services.update_assignment(
        bob,
        assignment,
        services.assignments.plan_from_assignment(
            assignment, interval_weeks=2, send_time=datetime.time(18)
        ),
        now=at(2025, 3, 4, 12),
    )
    live = assignment.occasions.exclude(status="cancelled").order_by("due_at")
    assert [(o.due_date, o.status) for o in live] == [
        (datetime.date(2025, 3, 4), "sent"),
        (datetime.date(2025, 3, 18), "scheduled"),
    ]
    assert live.last().due_at == at(2025, 3, 18, 18)
    assert services.dispatch_due_occasions(at(2025, 3, 4, 18)).packets == []
    event = AuditEvent.objects.filter(object_type="assignment", action="update").get()
    assert set(event.fields) == {"interval_weeks", "send_time"}


@pytest.mark.django_db
def test_a_limited_number_of_occasions_ends_the_assignment(erin, bob):
    assignment = _weekly(erin, bob, max_occasions=2)
    for day in (4, 11, 18, 25):
        services.dispatch_due_occasions(at(2025, 3, day, 9))
    assignment.refresh_from_db()
    assert Packet.objects.count() == 2
    assert assignment.status == Assignment.Status.ENDED


@pytest.mark.django_db
def test_an_end_date_ends_the_assignment_after_its_last_occasion(erin, bob):
    assignment = _weekly(erin, bob, end_date=datetime.date(2025, 3, 12))
    for day in (4, 11, 18):
        services.dispatch_due_occasions(at(2025, 3, day, 9))
    assignment.refresh_from_db()
    assert Packet.objects.count() == 2
    assert assignment.status == Assignment.Status.ENDED


@pytest.mark.django_db
def test_a_client_discharged_after_assigning_is_skipped_and_the_schedule_ends(erin, bob):
    assignment = _weekly(erin, bob)
    erin.status = "discharged"
    erin.save()
    services.dispatch_due_occasions(at(2025, 3, 4, 9))
    assert Occasion.objects.get().skip_reason == "Erin is discharged."
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ENDED
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db
def test_a_client_without_email_at_sending_time_is_skipped_visibly(erin, bob):
    _weekly(erin, bob)
    erin.email = ""
    erin.save()
    services.dispatch_due_occasions(at(2025, 3, 4, 9))
    skipped = Occasion.objects.get(due_date=datetime.date(2025, 3, 4))
    assert skipped.status == "skipped" and "no e-mail address" in skipped.skip_reason
    assert Occasion.objects.filter(due_date=datetime.date(2025, 3, 11), status="scheduled").exists()


@pytest.mark.django_db
def test_a_skip_reason_naming_a_long_preferred_name_fits_its_column(erin, bob):
    # 80 characters of name and the no-address sentence are longer than the 120 the column
    # holds: PostgreSQL refused the save and the whole sending run failed.
    _weekly(erin, bob)
    erin.preferred_name, erin.email = "E" * 80, ""
    erin.save()
    services.dispatch_due_occasions(at(2025, 3, 4, 9))
    skipped = Occasion.objects.get(due_date=datetime.date(2025, 3, 4))
    assert skipped.status == "skipped"
    assert skipped.skip_reason.startswith("E" * 80 + " has no e-mail address")
    assert len(skipped.skip_reason) == Occasion._meta.get_field("skip_reason").max_length


@pytest.mark.django_db
def test_assign_uses_the_clock_when_no_time_is_given(erin, bob):
    with time_machine.travel(NOW, tick=False):
        _, packet = send_now(erin, "gad-7", actor=bob)
    assert packet.sent_at == NOW
