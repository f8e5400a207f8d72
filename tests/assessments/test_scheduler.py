"""The scheduler: sends once however often or concurrently it runs, keeps local send times across
daylight-saving changes, reminds until (and only until) the packet is finished, and expires links."""

import datetime
import zoneinfo

import pytest
import time_machine

from assessments import schedules, services, tasks
from assessments.models import Occasion, Packet, PacketToken
from assessments.services import assignments
from practice.models import OutboundEmail
from tests.assessments.assign_helpers import (
    answer_everything,
    at,
    cleared,
    link_in,
    send_now,
)

Plan = services.Plan
LONDON = zoneinfo.ZoneInfo("Europe/London")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


def weekly(client, actor, start, send_time=datetime.time(9), now=None, **changes):
    fields = {
        "schedule": "every_n_weeks",
        "interval_weeks": 1,
        "start_date": start,
        "send_time": send_time,
        **changes,
    }
    return services.assign(
        actor,
        client,
        cleared(client.practice, "phq-9"),
        Plan(**fields),
        now=now or at(start.year, start.month, start.day, 0, 0) - datetime.timedelta(days=1),
    )


# --- Idempotency ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_running_the_scheduler_twice_sends_one_email(erin, bob):
    weekly(erin, bob, datetime.date(2025, 3, 4))
    now = at(2025, 3, 4, 9, 0, 30)
    first = services.dispatch_due_occasions(now)
    second = services.dispatch_due_occasions(now)
    assert len(first.packets) == 1 and second.packets == []
    assert OutboundEmail.objects.count() == 1
    assert Packet.objects.count() == 1


@pytest.mark.django_db
def test_two_workers_claiming_the_same_occasions_send_once(erin, bob, monkeypatch):
    """Both workers read the due rows before either claims them; only one claim wins."""
    weekly(erin, bob, datetime.date(2025, 3, 4))
    now = at(2025, 3, 4, 9, 1)
    seen_by_second_worker = assignments.due_occasions(now)
    services.dispatch_due_occasions(now)  # the first worker
    monkeypatch.setattr(assignments, "due_occasions", lambda now: seen_by_second_worker)
    late = services.dispatch_due_occasions(now)  # the second, with its stale list
    assert late.packets == [] and late.failed_clients == []
    assert OutboundEmail.objects.count() == 1


@pytest.mark.django_db
def test_the_task_runs_the_dispatch(erin, bob):
    weekly(erin, bob, datetime.date(2025, 3, 4))
    with time_machine.travel(at(2025, 3, 4, 9, 0, 5), tick=False):
        assert tasks.dispatch_due_questionnaires() == 1
        assert tasks.dispatch_due_questionnaires() == 0
    assert OutboundEmail.objects.count() == 1


@pytest.mark.django_db
def test_nothing_is_sent_before_the_due_time(erin, bob):
    weekly(erin, bob, datetime.date(2025, 3, 4))
    assert services.dispatch_due_occasions(at(2025, 3, 4, 8, 59, 59)).packets == []
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db
def test_a_failing_client_is_retried_and_does_not_stop_the_others(erin, frank, bob, monkeypatch):
    weekly(erin, bob, datetime.date(2025, 3, 4))
    weekly(frank, bob, datetime.date(2025, 3, 4))
    real = assignments.packets.open_packet

    def broken_for_erin(client, *args, **kwargs):
        if client.pk == erin.pk:
            raise RuntimeError("mail templates missing")
        return real(client, *args, **kwargs)

    monkeypatch.setattr(assignments.packets, "open_packet", broken_for_erin)
    report = services.dispatch_due_occasions(at(2025, 3, 4, 9))
    assert report.failed_clients == [erin.pk] and len(report.packets) == 1
    assert Occasion.objects.get(client=erin).status == "scheduled"  # rolled back, still due
    monkeypatch.setattr(assignments.packets, "open_packet", real)
    assert len(services.dispatch_due_occasions(at(2025, 3, 4, 9, 1)).packets) == 1


# --- Daylight saving -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "start", "first_utc", "second_utc"),
    [
        # London springs forward on Sunday 30 March 2025: 09:00 GMT, then 09:00 BST.
        ("Europe/London", datetime.date(2025, 3, 27), at(2025, 3, 27, 9), at(2025, 4, 3, 8)),
        # ...and falls back on Sunday 26 October 2025.
        ("Europe/London", datetime.date(2025, 10, 23), at(2025, 10, 23, 8), at(2025, 10, 30, 9)),
        # New York springs forward on 9 March 2025 and falls back on 2 November 2025.
        ("America/New_York", datetime.date(2025, 3, 6), at(2025, 3, 6, 14), at(2025, 3, 13, 13)),
        (
            "America/New_York",
            datetime.date(2025, 10, 30),
            at(2025, 10, 30, 13),
            at(2025, 11, 6, 14),
        ),
    ],
)
def test_a_weekly_schedule_keeps_its_local_send_time_across_a_dst_change(
    erin, bob, zone, start, first_utc, second_utc
):
    erin.time_zone = zone
    erin.save()
    weekly(erin, bob, start)
    tz = zoneinfo.ZoneInfo(zone)
    sent_local = []
    for moment in (first_utc, second_utc):
        with time_machine.travel(moment - datetime.timedelta(seconds=1), tick=False):
            assert tasks.dispatch_due_questionnaires() == 0  # not a second early
        with time_machine.travel(moment, tick=False):
            assert tasks.dispatch_due_questionnaires() == 1
        sent_local.append(Packet.objects.latest("sent_at").sent_at.astimezone(tz))
    assert [(p.hour, p.minute) for p in sent_local] == [(9, 0), (9, 0)]
    assert (sent_local[1].date() - sent_local[0].date()).days == 7


def test_a_send_time_the_clocks_skip_moves_to_the_first_valid_time():
    due = schedules.local_to_utc(datetime.date(2025, 3, 30), datetime.time(1, 30), "Europe/London")
    assert due == at(2025, 3, 30, 1, 0)
    assert due.astimezone(LONDON).time() == datetime.time(2, 0)
    due = schedules.local_to_utc(
        datetime.date(2025, 3, 9), datetime.time(2, 30), "America/New_York"
    )
    assert due.astimezone(NEW_YORK).time() == datetime.time(3, 0)


def test_a_send_time_that_happens_twice_takes_the_first():
    due = schedules.local_to_utc(datetime.date(2025, 10, 26), datetime.time(1, 30), "Europe/London")
    assert due == at(2025, 10, 26, 0, 30)  # 01:30 BST, not 01:30 GMT an hour later
    due = schedules.local_to_utc(
        datetime.date(2025, 11, 2), datetime.time(1, 30), "America/New_York"
    )
    assert due == at(2025, 11, 2, 5, 30)  # 01:30 EDT


def test_monthly_on_the_31st_falls_on_each_months_last_day_and_returns_to_the_31st():
    dates = [
        slot.local_date
        for slot in schedules.slots(
            "monthly",
            datetime.date(2024, 12, 31),
            datetime.time(9),
            "Europe/London",
            end_date=datetime.date(2025, 6, 1),
        )
    ]
    assert dates == [
        datetime.date(2024, 12, 31),
        datetime.date(2025, 1, 31),
        datetime.date(2025, 2, 28),
        datetime.date(2025, 3, 31),
        datetime.date(2025, 4, 30),
        datetime.date(2025, 5, 31),
    ]
    leap = schedules.slot_date("monthly", datetime.date(2024, 1, 31), 1)
    assert leap == datetime.date(2024, 2, 29)


@pytest.mark.django_db
def test_a_monthly_assignment_from_the_31st_is_sent_on_those_days(erin, bob):
    services.assign(
        bob,
        erin,
        cleared(erin.practice, "gad-7"),
        Plan(schedule="monthly", start_date=datetime.date(2025, 1, 31), send_time=datetime.time(9)),
        now=at(2025, 1, 30),
    )
    for month, day in ((1, 31), (2, 28), (3, 31), (4, 30)):
        services.dispatch_due_occasions(
            datetime.datetime(2025, month, day, 9, tzinfo=LONDON).astimezone(datetime.UTC)
        )
    assert list(Packet.objects.order_by("local_date").values_list("local_date", flat=True)) == [
        datetime.date(2025, 1, 31),
        datetime.date(2025, 2, 28),
        datetime.date(2025, 3, 31),
        datetime.date(2025, 4, 30),
    ]


def test_every_n_weeks_needs_a_positive_interval():
    with pytest.raises(ValueError):
        schedules.slot_date("every_n_weeks", datetime.date(2025, 1, 1), 1, interval_weeks=0)
    assert schedules.slot_date("once", datetime.date(2025, 1, 1), 1) is None


# --- Reminders and expiry ----------------------------------------------------------------------


SENT = at(2025, 3, 3, 10)


@pytest.mark.django_db
def test_reminders_go_out_on_the_practice_days_once_each(erin, bob):
    _, packet = send_now(erin, actor=bob, now=SENT)
    assert services.send_reminders(SENT + datetime.timedelta(days=1, hours=23)) == []
    day2 = SENT + datetime.timedelta(days=2, minutes=1)
    assert services.send_reminders(day2) == [packet.pk]
    assert services.send_reminders(day2) == []  # twice in a row: once
    assert services.send_reminders(SENT + datetime.timedelta(days=5, minutes=1)) == [packet.pk]
    assert services.send_reminders(SENT + datetime.timedelta(days=6)) == []
    packet.refresh_from_db()
    assert packet.reminders_sent == 2 and packet.next_reminder_at is None
    kinds = list(OutboundEmail.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["questionnaire_invitation", "questionnaire_reminder", "questionnaire_reminder"]


@pytest.mark.django_db
def test_the_practice_chooses_reminder_days_and_link_validity(erin, bob, practice_a):
    practice_a.questionnaire_reminder_days = [1]
    practice_a.questionnaire_link_days = 3
    practice_a.save()
    _, packet = send_now(erin, actor=bob, now=SENT)
    assert packet.expires_at == SENT + datetime.timedelta(days=3)
    assert packet.next_reminder_at == SENT + datetime.timedelta(days=1)
    services.send_reminders(SENT + datetime.timedelta(days=1))
    packet.refresh_from_db()
    assert packet.next_reminder_at is None  # no reminder day left before expiry


@pytest.mark.django_db
def test_reminders_stop_once_the_packet_is_completed(erin, bob):
    _, packet = send_now(erin, actor=bob, now=SENT)
    services.start_visit(packet, now=SENT + datetime.timedelta(hours=1))
    answer_everything(packet, value=0)
    services.submit_packet(packet, now=SENT + datetime.timedelta(days=1))
    packet.refresh_from_db()
    assert packet.next_reminder_at is None
    for days in (2, 5, 6):
        assert services.send_reminders(SENT + datetime.timedelta(days=days)) == []
    assert OutboundEmail.objects.filter(kind="questionnaire_reminder").count() == 0


@pytest.mark.django_db
def test_a_reminder_racing_a_completion_does_not_send(erin, bob):
    """The reminder run read the packet as open; the client completed it before the claim."""
    _, packet = send_now(erin, actor=bob, now=SENT)
    stale = list(Packet.objects.filter(pk=packet.pk))
    answer_everything(packet, value=0)
    services.submit_packet(packet, now=SENT + datetime.timedelta(days=2))
    from assessments.services import packets as packet_service

    assert packet_service._remind(stale[0], SENT + datetime.timedelta(days=2, minutes=1)) is False
    assert OutboundEmail.objects.filter(kind="questionnaire_reminder").count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("closing", ["revoke", "expire"])
def test_no_reminder_for_a_revoked_or_expired_packet(erin, bob, closing):
    _, packet = send_now(erin, actor=bob, now=SENT)
    if closing == "revoke":
        services.revoke_packet(bob, packet, now=SENT + datetime.timedelta(days=1))
    else:
        services.expire_packets(SENT + datetime.timedelta(days=7))
    assert services.send_reminders(SENT + datetime.timedelta(days=2)) == []
    assert services.send_reminders(SENT + datetime.timedelta(days=8)) == []


@pytest.mark.django_db
def test_a_reminder_brings_a_new_link_and_the_first_link_still_works(erin, bob):
    _, packet = send_now(erin, actor=bob, now=SENT)
    first = link_in(packet.last_email)
    services.send_reminders(SENT + datetime.timedelta(days=2))
    reminder = OutboundEmail.objects.get(kind="questionnaire_reminder")
    second = link_in(reminder)
    assert first != second
    moment = SENT + datetime.timedelta(days=3)
    assert services.find_packet(first, moment) == packet
    assert services.find_packet(second, moment) == packet
    assert PacketToken.objects.filter(packet=packet).count() == 2


@pytest.mark.django_db
def test_links_expire_and_the_sweep_marks_the_packet_expired(erin, bob):
    _, packet = send_now(erin, actor=bob, now=SENT)
    token = link_in(packet.last_email)
    expiry = SENT + datetime.timedelta(days=7)
    assert services.find_packet(token, expiry - datetime.timedelta(seconds=1)) == packet
    assert services.find_packet(token, expiry) is None  # before any sweep
    assert services.expire_packets(expiry - datetime.timedelta(seconds=1)) == []
    assert services.expire_packets(expiry) == [packet.pk]
    assert services.expire_packets(expiry) == []
    packet.refresh_from_db()
    assert packet.status == Packet.Status.EXPIRED


@pytest.mark.django_db
def test_the_reminder_and_expiry_tasks_run_the_services(erin, bob):
    _, packet = send_now(erin, actor=bob, now=SENT)
    with time_machine.travel(SENT + datetime.timedelta(days=2, minutes=1), tick=False):
        assert tasks.send_questionnaire_reminders() == 1
    with time_machine.travel(SENT + datetime.timedelta(days=7, minutes=1), tick=False):
        assert tasks.expire_questionnaire_links() == 1
    packet.refresh_from_db()
    assert packet.status == Packet.Status.EXPIRED


def test_beat_runs_the_three_questionnaire_tasks(settings):
    tasks_in_beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "assessments.tasks.dispatch_due_questionnaires",
        "assessments.tasks.send_questionnaire_reminders",
        "assessments.tasks.expire_questionnaire_links",
    } <= tasks_in_beat
    dispatch = settings.CELERY_BEAT_SCHEDULE["dispatch-due-questionnaires"]
    assert dispatch["schedule"] == 60.0
