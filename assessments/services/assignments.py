"""Assigning instruments to clients, and turning schedules into sent packets.

- ``assign()`` / ``assign_many()`` make assignments; ``update_assignment()``, ``pause_assignment()``,
  ``resume_assignment()`` and ``end_assignment()`` change them. Each writes its audit event.
- ``materialise_occasions()`` keeps the next occasion of every open assignment as a row (the
  horizon is one occasion), so the scheduler's work is a query over rows.
- ``dispatch_due_occasions(now)`` (Celery beat, every minute) claims each due occasion with a
  compare-and-set on its status, groups a client's occasions of the same local day into one
  packet and queues one e-mail. Running it twice, or in two workers at once, sends once.

Every function takes ``now`` so tests and the demo seeder can run them at any instant.

The dashboard sits above this layer, so nothing here refreshes its rows: the pages and the API
that call these services refresh the client's row afterwards, in the request's transaction, and
the scheduler's task refreshes the clients ``dispatch_due_occasions`` names in its report.
"""

import datetime
import logging
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from assessments import schedules
from assessments.models import Assignment, Instrument, Occasion, Packet
from assessments.services import packets
from practice import audit
from practice.models import AuditAction, validate_time_zone

logger = logging.getLogger(__name__)

Schedule = Assignment.Schedule


@dataclass(frozen=True)
class Plan:
    """When an assignment sends: right now, or on a schedule in the client's time zone.

    ``time_zone`` empty means the client's own (``client.effective_time_zone``).
    """

    schedule: str = Schedule.ONCE
    send_now: bool = False
    start_date: datetime.date | None = None
    send_time: datetime.time | None = None
    time_zone: str = ""
    interval_weeks: int | None = None
    end_date: datetime.date | None = None
    max_occasions: int | None = None


@dataclass
class AssignManyReport:
    assignments: list[Assignment] = field(default_factory=list)
    skipped: list[tuple[object, str]] = field(default_factory=list)  # (client, reason)


# --- Checks ------------------------------------------------------------------------------------


def usable_instruments(practice):
    """Instruments the practice may assign: available and licence note acknowledged."""
    return (
        Instrument.objects.usable_in(practice)
        .select_related("current_version")
        .order_by("name", "code")
    )


def _check_instruments(practice, instruments) -> list[Instrument]:
    instruments = list(dict.fromkeys(instruments))
    if not instruments:
        raise ValidationError({"instruments": gettext("Choose at least one questionnaire.")})
    usable = set(usable_instruments(practice).values_list("pk", flat=True))
    refused = [instrument for instrument in instruments if instrument.pk not in usable]
    if refused:
        names = ", ".join(instrument.name for instrument in refused)
        raise ValidationError(
            {
                "instruments": gettext(
                    "%(names)s cannot be assigned yet: a practice owner must first "
                    "acknowledge its licence note on the instrument's page."
                )
                % {"names": names}
            }
        )
    return instruments


def _first_slot(assignment_fields: dict, now: datetime.datetime):
    return schedules.next_slot(
        assignment_fields["schedule"],
        assignment_fields["start_date"],
        assignment_fields["send_time"],
        assignment_fields["time_zone"],
        interval_weeks=assignment_fields["interval_weeks"],
        end_date=assignment_fields["end_date"],
        not_before=now,
    )


def _schedule_fields(
    plan: Plan, client, now: datetime.datetime, kept_start: datetime.date | None = None
) -> dict:
    """The assignment's schedule fields from ``plan``, checked; ``ValidationError`` per field.

    ``kept_start`` is an edited schedule's existing start date, which may lie in the past.
    """
    errors: dict[str, str] = {}
    time_zone = plan.time_zone or client.effective_time_zone
    try:
        validate_time_zone(time_zone)
    except ValidationError:
        raise ValidationError({"time_zone": gettext("Choose a time zone from the list.")}) from None
    today = schedules.local_today(time_zone, now)
    if plan.send_now:
        local_now = now.astimezone(zoneinfo.ZoneInfo(time_zone))
        return {
            "schedule": Schedule.ONCE,
            "start_date": today,
            "send_time": local_now.time().replace(second=0, microsecond=0),
            "time_zone": time_zone,
            "interval_weeks": None,
            "end_date": None,
            "max_occasions": None,
        }
    if plan.schedule not in Schedule.values:
        raise ValidationError({"schedule": gettext("Choose how often to send.")})
    if plan.start_date is None:
        errors["start_date"] = gettext("Give the date of the first sending.")
    elif plan.start_date < today and plan.start_date != kept_start:
        errors["start_date"] = gettext("The first sending cannot be in the past.")
    if plan.send_time is None:
        errors["send_time"] = gettext("Give the time of day to send.")
    interval = None
    if plan.schedule == Schedule.EVERY_N_WEEKS:
        interval = plan.interval_weeks
        if not interval or not 1 <= interval <= Assignment.MAX_INTERVAL_WEEKS:
            errors["interval_weeks"] = gettext(
                "Give the number of weeks between sendings, 1 to %(most)s."
            ) % {"most": Assignment.MAX_INTERVAL_WEEKS}
    repeating = plan.schedule != Schedule.ONCE
    end_date = plan.end_date if repeating else None
    max_occasions = plan.max_occasions if repeating else None
    if end_date and plan.start_date and end_date < plan.start_date:
        errors["end_date"] = gettext("The end date is before the first sending.")
    if max_occasions is not None and not 1 <= max_occasions <= Assignment.MAX_OCCASIONS:
        errors["max_occasions"] = gettext("Give a number of sendings from 1 to %(most)s.") % {
            "most": Assignment.MAX_OCCASIONS
        }
    if errors:
        raise ValidationError(errors)
    fields = {
        "schedule": plan.schedule,
        "start_date": plan.start_date,
        "send_time": plan.send_time.replace(second=0, microsecond=0),
        "time_zone": time_zone,
        "interval_weeks": interval,
        "end_date": end_date,
        "max_occasions": max_occasions,
    }
    if _first_slot(fields, now) is None:
        raise ValidationError(
            {"send_time": gettext("That time has already passed: choose a later time or date.")}
        )
    return fields


# --- Assigning ---------------------------------------------------------------------------------


def _create(actor, client, instruments, fields, *, request, now) -> Assignment:
    assignment = Assignment.objects.create(
        practice=client.practice,
        client=client,
        created_by=actor,
        schedule_from=now,
        **fields,
    )
    assignment.instruments.set(instruments)
    audit.record(
        request,
        AuditAction.CREATE,
        assignment,
        actor=actor,
        fields=["instruments", *fields.keys()],
    )
    return assignment


@transaction.atomic
def assign(actor, client, instruments, plan: Plan, *, request=None, now=None) -> Assignment:
    """Assign ``instruments`` to ``client``: sent at once (``plan.send_now``) or on a schedule.

    The caller has found ``client`` through ``Client.objects.visible_to``. Sending now queues the
    e-mail in this transaction (it goes out when it commits). Raises ``ValidationError`` keyed by
    field for an unreachable client, instruments not cleared for use, or a bad schedule.
    The caller refreshes the client's dashboard row afterwards (``refresh_client_progress``).
    """
    now = now or timezone.now()
    reason = packets.unreachable_reason(client)
    if reason:
        raise ValidationError({NON_FIELD_ERRORS: reason})
    instruments = _check_instruments(client.practice, instruments)
    fields = _schedule_fields(plan, client, now)
    assignment = _create(actor, client, instruments, fields, request=request, now=now)
    if plan.send_now:
        occasion = Occasion.objects.create(
            practice=client.practice,
            client=client,
            assignment=assignment,
            due_date=fields["start_date"],
            due_at=now,
            created_at=now,
        )
        dispatch_client(client.pk, [occasion.pk], now)
        assignment.refresh_from_db()
    else:
        materialise_occasions(assignment, now)
    return assignment


@transaction.atomic
def assign_many(
    actor, clients, instruments, plan: Plan, *, request=None, now=None
) -> AssignManyReport:
    """The same assignment for several clients (each in their own time zone unless the plan
    names one). Clients who cannot receive e-mail are skipped and listed with the reason; a bad
    plan or instrument list raises ``ValidationError`` and assigns nothing. The caller refreshes
    the dashboard row of each assigned client afterwards."""
    now = now or timezone.now()
    report = AssignManyReport()
    clients = list(clients)
    if not clients:
        raise ValidationError({"clients": gettext("Choose at least one client.")})
    practice = clients[0].practice
    if any(client.practice_id != practice.pk for client in clients):
        raise ValidationError({"clients": gettext("Choose clients of one practice.")})
    instruments = _check_instruments(practice, instruments)
    for client in clients:
        reason = packets.unreachable_reason(client)
        if reason:
            report.skipped.append((client, reason))
            continue
        report.assignments.append(
            assign(actor, client, instruments, plan, request=request, now=now)
        )
    return report


# --- Changing --------------------------------------------------------------------------------


def _cancel_scheduled(assignment: Assignment) -> int:
    return assignment.occasions.filter(status=Occasion.Status.SCHEDULED).update(
        status=Occasion.Status.CANCELLED
    )


def _locked(assignment: Assignment) -> Assignment:
    return Assignment.objects.select_for_update().get(pk=assignment.pk)


@transaction.atomic
def update_assignment(
    actor, assignment: Assignment, plan: Plan, instruments=None, *, request=None, now=None
) -> Assignment:
    """Change an open assignment's schedule (and instruments). Unsent occasions are replaced;
    what was already sent stays. Raises ``ValidationError`` as ``assign()`` does. The caller
    refreshes the client's dashboard row afterwards."""
    now = now or timezone.now()
    assignment = _locked(assignment)
    if assignment.status == Assignment.Status.ENDED:
        raise ValidationError(
            {NON_FIELD_ERRORS: gettext("This assignment has ended; assign anew.")}
        )
    if plan.send_now:
        raise ValidationError({"schedule": gettext("Use “assign” to send now.")})
    changed = []
    if instruments is not None:
        instruments = _check_instruments(assignment.practice, instruments)
        if {i.pk for i in instruments} != set(assignment.instruments.values_list("pk", flat=True)):
            assignment.instruments.set(instruments)
            changed.append("instruments")
    fields = _schedule_fields(plan, assignment.client, now, kept_start=assignment.start_date)
    for name, value in fields.items():
        if getattr(assignment, name) != value:
            setattr(assignment, name, value)
            changed.append(name)
    if changed:
        assignment.schedule_from = now
        assignment.save()
        _cancel_scheduled(assignment)
        materialise_occasions(assignment, now)
        audit.record(request, AuditAction.UPDATE, assignment, actor=actor, fields=changed)
    return assignment


def _set_status(actor, assignment, status, *, request, now) -> Assignment:
    """Pause, resume or end; the callers of the three services (and of discharge's closing
    step) refresh the client's dashboard row afterwards."""
    assignment = _locked(assignment)
    if assignment.status == status:
        return assignment
    if assignment.status == Assignment.Status.ENDED:
        raise ValidationError(
            {NON_FIELD_ERRORS: gettext("This assignment has ended; assign anew.")}
        )
    assignment.status = status
    fields = ["status"]
    if status == Assignment.Status.ENDED:
        assignment.ended_at = now
        fields.append("ended_at")
        _cancel_scheduled(assignment)
    assignment.save(update_fields=[*fields, "updated_at"])
    audit.record(request, AuditAction.UPDATE, assignment, actor=actor, fields=fields)
    if status == Assignment.Status.ACTIVE:
        materialise_occasions(assignment, now)
    return assignment


@transaction.atomic
def pause_assignment(actor, assignment, *, request=None, now=None) -> Assignment:
    """Stop sending until resumed. Occasions that fall due meanwhile are skipped, not saved up."""
    return _set_status(
        actor, assignment, Assignment.Status.PAUSED, request=request, now=now or timezone.now()
    )


@transaction.atomic
def resume_assignment(actor, assignment, *, request=None, now=None) -> Assignment:
    return _set_status(
        actor, assignment, Assignment.Status.ACTIVE, request=request, now=now or timezone.now()
    )


@transaction.atomic
def end_assignment(actor, assignment, *, request=None, now=None) -> Assignment:
    """End the schedule: nothing more is sent. Links already sent keep working until they
    expire or are revoked."""
    return _set_status(
        actor, assignment, Assignment.Status.ENDED, request=request, now=now or timezone.now()
    )


# --- Discharge ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenWork:
    """What still reaches a client: schedules that may send, links that work."""

    schedules: int
    links: int


def open_work(client) -> OpenWork:
    """Count ``client``'s schedules not ended (active or paused) and open links: what
    discharging them will end (the confirmation page says so before anything changes)."""
    return OpenWork(
        schedules=Assignment.objects.filter(client=client)
        .exclude(status=Assignment.Status.ENDED)
        .count(),
        links=Packet.objects.open().filter(client=client).count(),
    )


@transaction.atomic
def end_client_questionnaires(actor, client, *, request=None, now=None) -> OpenWork:
    """End every schedule of ``client`` and revoke every open link, each audited; returns how
    many of each. Discharge calls it (``clients.services.discharge_client``), so a discharged
    client gets no further e-mail and an old link shows the page every dead link shows. The
    caller (the discharge page's closing step) refreshes the client's dashboard row."""
    now = now or timezone.now()
    schedules = Assignment.objects.filter(client=client).exclude(status=Assignment.Status.ENDED)
    ended = [
        _set_status(actor, assignment, Assignment.Status.ENDED, request=request, now=now)
        for assignment in schedules.order_by("pk")
    ]
    revoked = [
        packets.revoke_packet(actor, packet, request=request, now=now)
        for packet in Packet.objects.open().filter(client=client).order_by("pk")
    ]
    return OpenWork(schedules=len(ended), links=len(revoked))


# --- Occasions -------------------------------------------------------------------------------


def _finish(assignment: Assignment, now) -> None:
    """The schedule has no occasion left: the assignment ends by itself."""
    updated = (
        Assignment.objects.filter(pk=assignment.pk)
        .exclude(status=Assignment.Status.ENDED)
        .update(status=Assignment.Status.ENDED, ended_at=now, updated_at=now)
    )
    if updated:
        assignment.status, assignment.ended_at = Assignment.Status.ENDED, now
        audit.record(None, AuditAction.UPDATE, assignment, fields=["status", "ended_at"])


def materialise_occasions(assignment: Assignment, now=None) -> Occasion | None:
    """Make sure an open assignment's next occasion exists as a row, and return it.

    The horizon is one occasion: the next is made when the current one is sent or skipped.
    When the schedule has nothing left (a one-off sent, the end date or the number of
    occasions reached) the assignment ends.
    """
    now = now or timezone.now()
    if assignment.status == Assignment.Status.ENDED:
        return None
    live = assignment.occasions.exclude(status=Occasion.Status.CANCELLED)
    pending = live.filter(status=Occasion.Status.SCHEDULED).order_by("due_at").first()
    if pending is not None:
        return pending
    counted = live.filter(status=Occasion.Status.SENT).count()
    if assignment.max_occasions and counted >= assignment.max_occasions:
        _finish(assignment, now)
        return None
    last = live.order_by("-due_date").first()
    slot = schedules.next_slot(
        assignment.schedule,
        assignment.start_date,
        assignment.send_time,
        assignment.time_zone,
        interval_weeks=assignment.interval_weeks,
        end_date=assignment.end_date,
        not_before=assignment.schedule_from,
        after_date=last.due_date if last else None,
    )
    if slot is None:
        _finish(assignment, now)
        return None
    return Occasion.objects.create(
        practice_id=assignment.practice_id,
        client_id=assignment.client_id,
        assignment=assignment,
        due_date=slot.local_date,
        due_at=slot.due_at,
        created_at=now,
    )


# --- Dispatch ----------------------------------------------------------------------------------


@dataclass
class DispatchReport:
    packets: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed_clients: list = field(default_factory=list)
    # Clients whose occasions this run sent or skipped: their dashboard rows changed, and the
    # caller (the scheduler's task) refreshes them.
    clients: list = field(default_factory=list)


def due_occasions(now) -> dict:
    """Client id to the ids of their scheduled occasions due at ``now``."""
    due: dict = defaultdict(list)
    rows = (
        Occasion.objects.filter(status=Occasion.Status.SCHEDULED, due_at__lte=now)
        .order_by("client_id", "due_at", "pk")
        .values_list("client_id", "pk")
    )
    for client_id, pk in rows:
        due[client_id].append(pk)
    return due


def dispatch_due_occasions(now=None) -> DispatchReport:
    """Send everything due: one packet and one e-mail per client and local day.

    Each client is handled in its own transaction, so one failure (logged by id) delays only
    that client's packet, which the next run retries. The report names the clients whose
    occasions were handled (``clients``), for the caller to refresh their dashboard rows.
    """
    now = now or timezone.now()
    report = DispatchReport()
    for client_id, occasion_ids in due_occasions(now).items():
        try:
            result = dispatch_client(client_id, occasion_ids, now)
        except Exception:
            logger.exception("dispatch for client %s failed; it will be retried", client_id)
            report.failed_clients.append(client_id)
            continue
        if result.client_id is not None:
            report.clients.append(result.client_id)
        if result.packet is not None:
            report.packets.append(result.packet.pk)
        report.skipped.extend(result.skipped)
    return report


@dataclass
class ClientDispatch:
    packet: object = None
    skipped: list[int] = field(default_factory=list)
    client_id: object = None  # set when occasions were claimed: the client's row changed


def _claim(occasion_ids) -> list[Occasion]:
    """Compare-and-set: only the run that moves a row from scheduled to sent owns it."""
    claimed = []
    for pk in occasion_ids:
        if Occasion.objects.filter(pk=pk, status=Occasion.Status.SCHEDULED).update(
            status=Occasion.Status.SENT
        ):
            claimed.append(pk)
    return list(
        Occasion.objects.filter(pk__in=claimed)
        .select_related("assignment", "client__practice", "client__primary_clinician")
        .prefetch_related("assignment__instruments")
        .order_by("due_at", "pk")
    )


def _skip(occasion: Occasion, reason: str) -> None:
    # A translation (or a long preferred name) may be longer than the column holds.
    limit = Occasion._meta.get_field("skip_reason").max_length
    occasion.status, occasion.skip_reason = Occasion.Status.SKIPPED, reason[:limit]
    occasion.save(update_fields=["status", "skip_reason"])


@transaction.atomic
def dispatch_client(client_id, occasion_ids, now) -> ClientDispatch:
    """Claim ``occasion_ids`` (and the client's other occasions due the same local day) and send
    them as one packet. Occasions another run already claimed are left alone. When it claimed
    any (``client_id`` set in the result), the caller refreshes the client's dashboard row."""
    result = ClientDispatch()
    days = set(
        Occasion.objects.filter(pk__in=occasion_ids, status=Occasion.Status.SCHEDULED).values_list(
            "due_date", flat=True
        )
    )
    same_day = Occasion.objects.filter(
        client_id=client_id, status=Occasion.Status.SCHEDULED, due_date__in=days
    ).values_list("pk", flat=True)
    occasions = _claim(list(dict.fromkeys([*occasion_ids, *same_day])))
    if not occasions:
        return result
    client = occasions[0].client
    result.client_id = client.pk
    usable = set(usable_instruments(client.practice).values_list("pk", flat=True))
    sending, instruments = [], {}
    for occasion in occasions:
        assignment = occasion.assignment
        reason = packets.unreachable_reason(client)
        if assignment.status == Assignment.Status.PAUSED:
            reason = gettext("The schedule was paused.")
        elif assignment.status == Assignment.Status.ENDED:
            reason = gettext("The schedule had ended.")
        chosen = [i for i in assignment.instruments.all() if i.pk in usable]
        if not reason and not chosen:
            reason = gettext("No questionnaire in it is cleared for use.")
        if reason:
            _skip(occasion, reason)
            result.skipped.append(occasion.pk)
            continue
        sending.append(occasion)
        for instrument in chosen:
            instruments.setdefault(instrument.pk, instrument)
    if sending:
        packet = packets.open_packet(
            client,
            _in_order(instruments.values()),
            local_date=min(o.due_date for o in sending),
            now=now,
        )
        Occasion.objects.filter(pk__in=[o.pk for o in sending]).update(packet=packet)
        result.packet = packet
    for assignment in {o.assignment_id: o.assignment for o in occasions}.values():
        if not client.is_active and assignment.status != Assignment.Status.ENDED:
            _finish(assignment, now)
        else:
            materialise_occasions(assignment, now)
    return result


def _in_order(instruments):
    return sorted(instruments, key=lambda instrument: (instrument.name, instrument.code))


def plan_from_assignment(assignment: Assignment, **changes) -> Plan:
    """The assignment's current schedule as a ``Plan`` (for edit forms and partial updates)."""
    plan = Plan(
        schedule=assignment.schedule,
        start_date=assignment.start_date,
        send_time=assignment.send_time,
        time_zone=assignment.time_zone,
        interval_weeks=assignment.interval_weeks,
        end_date=assignment.end_date,
        max_occasions=assignment.max_occasions,
    )
    return replace(plan, **changes)
