"""The fictional practice ``bench_pages.py`` measures, grown in steps (``create_practice``, then
``add_clients``) to each size the bench compares: clients on 10 clinicians' caseloads (and 3 on an eleventh's), each with fortnightly ECR-R and PHQ-9 administrations along a few arcs,
session notes, schedules, open and expired links and open alerts (``ALERTED``), written with ``bulk_create``
and scored by the real engine. Imported by ``bench_pages.py`` after Django is set up."""

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone

CLINICIANS = 10
# Open alerts on the first 30 clients of each caseload, at every size: the dashboards' first
# pages (who needs attention first) and alerts panels then show the same at 1,000 clients as at
# 20,000, so the bench compares the same page on a larger practice. With alerts on one client
# in 37, a clinician's first page showed 4 clients with alerts at 1,000 and 25 at 20,000.
ALERTED = 30 * CLINICIANS
# A clinician holding 3 of the practice's clients (the first three after those with alerts):
# their dashboard and its alerts panel should cost the same in a practice of any size.
SMALL_CASELOAD = range(ALERTED, ALERTED + 3)
ECR_REVERSED = {9, 11, 20, 22, 26, 27, 28, 29, 30, 31, 33, 34, 35, 36}
NOTE = "Fictional bench note: reviewed the week, practised grounding, planned homework."


# --- Data ---------------------------------------------------------------------------------------


def ecr_answers(anxiety: int, avoidance: int) -> list[int]:
    return [
        8 - (anxiety if n <= 18 else avoidance)
        if n in ECR_REVERSED
        else (anxiety if n <= 18 else avoidance)
        for n in range(1, 37)
    ]


def phq9_answers(total: int) -> list[int]:
    answers, left = [], total
    for _ in range(8):
        answers.append(min(3, left))
        left -= answers[-1]
    return [*answers, 0, 0]  # item 9 and the functional question at 0


def arc(kind: str, step: int, rng: random.Random) -> tuple[int, int, int]:
    """(anxiety, avoidance, PHQ-9 total) at administration ``step`` of 0..9 along an arc."""
    noise = rng.choice((-1, 0, 0, 1))
    if kind == "toward_security":
        anxiety, avoidance, total = 6 - step * 4 // 9, 6 - step * 4 // 9, 20 - step * 2
    elif kind == "stuck":
        anxiety, avoidance, total = 5, 5, 14
    elif kind == "worse":
        anxiety, avoidance, total = 3 + step // 3, 3 + step // 4, 6 + step * 2
    else:  # slow improvement
        anxiety, avoidance, total = 5 - step // 4, 6 - step // 5, 16 - step
    clip = lambda value, low, high: max(low, min(high, value))  # noqa: E731
    return clip(anxiety + noise, 1, 7), clip(avoidance, 1, 7), clip(total + noise, 0, 24)


@dataclass
class BenchPractice:
    """The practice with its people, instruments and scored results, growing by ``add_clients``."""

    practice: object
    owner: object
    clinicians: list
    instruments: dict  # "ecr", "phq" to the shipped Instrument
    scored: dict
    small: object = None  # the clinician holding SMALL_CASELOAD
    clients: int = 0  # how many were added so far
    first_client: object = None


def create_practice() -> BenchPractice:
    """The practice, its owner and clinicians, licences, cited numbers and every scored result
    the clients' answers need; no clients yet."""
    from assessments import services as assessment_services
    from assessments.models import (
        CitedValueKind,
        Instrument,
        LicenceAcknowledgement,
        PracticeCitedValue,
    )
    from practice.models import Membership, Practice, Role, User

    practice = Practice.objects.create(name="Bench Practice", time_zone="Europe/London")
    owner = User.objects.create_user("owner@bench.invalid", full_name="Olive Owner")
    Membership.objects.create(user=owner, practice=practice, role=Role.OWNER)
    clinicians = []
    for n in range(CLINICIANS):
        user = User.objects.create_user(f"clinician{n}@bench.invalid", full_name=f"Clin {n}")
        Membership.objects.create(user=user, practice=practice, role=Role.CLINICIAN)
        clinicians.append(user)
    small = User.objects.create_user("small@bench.invalid", full_name="Clin Small")
    Membership.objects.create(user=small, practice=practice, role=Role.CLINICIAN)
    ecr = Instrument.objects.get(code="ecr-r", practice__isnull=True)
    phq = Instrument.objects.get(code="phq-9", practice__isnull=True)
    for instrument in (ecr, phq):
        LicenceAcknowledgement.objects.create(
            practice=practice,
            instrument=instrument,
            licence_hash=instrument.current_version.licence_hash,
        )
    for subscale in ("anxiety", "avoidance"):  # ECR-R reliable change needs the practice's numbers
        for kind, value in ((CitedValueKind.RELIABILITY, "0.85"), (CitedValueKind.SD, "1.1")):
            PracticeCitedValue.objects.create(
                practice=practice,
                instrument=ecr,
                subscale=subscale,
                kind=kind,
                value=value,
                citation="Bench: fictional citation",
            )
    scored = {}
    for anxiety in range(1, 8):
        for avoidance in range(1, 8):
            scored[("ecr", anxiety, avoidance)] = assessment_services.score_answers(
                practice, ecr, ecr_answers(anxiety, avoidance)
            )
    for total in range(25):
        scored[("phq", total)] = assessment_services.score_answers(
            practice, phq, phq9_answers(total)
        )

    return BenchPractice(practice, owner, clinicians, {"ecr": ecr, "phq": phq}, scored, small)


def add_clients(bench: BenchPractice, count: int, administrations: int, rng: random.Random):
    """``count`` more clients with ``administrations`` each (and their notes, schedules, links
    and alerts), numbered after those already added. Returns them."""
    from assessments.models import (
        Alert,
        Assignment,
        ClientInstrumentSummary,
        Occasion,
        Packet,
        PacketItem,
        Response,
    )
    from assessments.services.responses import _summary_fields
    from clients.models import Client, SessionNote

    practice, clinicians, scored = bench.practice, bench.clinicians, bench.scored
    ecr, phq = bench.instruments["ecr"], bench.instruments["phq"]
    offset = bench.clients
    now = timezone.now()
    people = Client.objects.bulk_create(
        (
            Client(
                practice=practice,
                primary_clinician=bench.small
                if n in SMALL_CASELOAD
                else clinicians[n % CLINICIANS],
                preferred_name=f"Client{n}",
                full_name=f"Client{n:05d} Bench",
                email=f"client{n}@bench.invalid",
            )
            for n in range(offset, offset + count)
        ),
        batch_size=1000,
    )
    number = {client.pk: offset + index for index, client in enumerate(people)}
    kinds = ["toward_security", "stuck", "worse", "slow"]
    occasions = administrations // 2
    chunk = 250
    for first in range(0, len(people), chunk):
        group = people[first : first + chunk]
        packets, plan = [], []
        for client in group:
            kind = rng.choice(kinds)
            start = now - datetime.timedelta(days=14 * occasions + rng.randint(0, 13))
            for step in range(occasions):
                moment = start + datetime.timedelta(days=14 * step, hours=rng.randint(8, 20))
                packets.append(
                    Packet(
                        practice=practice,
                        client=client,
                        status=Packet.Status.COMPLETED,
                        local_date=moment.date(),
                        created_at=moment,
                        sent_at=moment,
                        completed_at=moment,
                        expires_at=moment + datetime.timedelta(days=7),
                    )
                )
                plan.append((client, moment, arc(kind, step, rng)))
        packets = Packet.objects.bulk_create(packets, batch_size=2000)
        items = PacketItem.objects.bulk_create(
            (
                PacketItem(
                    packet=packet,
                    instrument=instrument,
                    instrument_version=instrument.current_version,
                    position=position,
                    completed=True,
                )
                for packet in packets
                for position, instrument in ((1, ecr), (2, phq))
            ),
            batch_size=2000,
        )
        responses = []
        for index, (client, moment, (anxiety, avoidance, total)) in enumerate(plan):
            for item, result in (
                (items[2 * index], scored[("ecr", anxiety, avoidance)]),
                (items[2 * index + 1], scored[("phq", total)]),
            ):
                responses.append(
                    Response(
                        practice=practice,
                        client=client,
                        packet_item=item,
                        instrument=item.instrument,
                        instrument_version=item.instrument_version,
                        answers={},
                        result=result,
                        submitted_at=moment,
                        **_summary_fields(result),
                    )
                )
        responses = Response.objects.bulk_create(responses, batch_size=2000)
        by_client: dict = {}
        for response in responses:
            by_client.setdefault((response.client_id, response.instrument_id), []).append(response)
        ClientInstrumentSummary.objects.bulk_create(
            ClientInstrumentSummary(
                practice=practice,
                client_id=client_id,
                instrument_id=instrument_id,
                baseline=answered[0],
                previous=answered[-2] if len(answered) > 1 else None,
                latest=answered[-1],
                responses_count=len(answered),
            )
            for (client_id, instrument_id), answered in by_client.items()
        )
        SessionNote.objects.bulk_create(
            SessionNote(
                practice=practice,
                client=client,
                author=client.primary_clinician,
                started_at=now - datetime.timedelta(days=7 * week + rng.randint(1, 6)),
                time_zone="Europe/London",
                session_date=(now - datetime.timedelta(days=7 * week + 3)).date(),
                duration_minutes=50,
                content={"text": NOTE},
                search_text=NOTE,
            )
            for client in group
            for week in range(4)
        )
        assignments = Assignment.objects.bulk_create(
            Assignment(
                practice=practice,
                client=client,
                created_by=client.primary_clinician,
                schedule=Assignment.Schedule.EVERY_N_WEEKS,
                interval_weeks=2,
                start_date=(now - datetime.timedelta(days=14 * occasions)).date(),
                send_time=datetime.time(9),
                time_zone="Europe/London",
            )
            for client in group
        )
        Occasion.objects.bulk_create(
            Occasion(
                practice=practice,
                client=assignment.client,
                assignment=assignment,
                due_date=(now + datetime.timedelta(days=1 + n % 14)).date(),
                due_at=now + datetime.timedelta(days=1 + n % 14),
            )
            for n, assignment in enumerate(assignments)
        )
        # Some links are out now, some expired unanswered; a few responses raised alerts.
        Packet.objects.bulk_create(
            Packet(
                practice=practice,
                client=client,
                status=Packet.Status.SENT if n % 2 else Packet.Status.EXPIRED,
                local_date=(now - datetime.timedelta(days=3 + 10 * (n % 2 == 0))).date(),
                created_at=now - datetime.timedelta(days=3 + 10 * (n % 2 == 0)),
                sent_at=now - datetime.timedelta(days=3 + 10 * (n % 2 == 0)),
                expires_at=now + datetime.timedelta(days=4 - 10 * (n % 2 == 0)),
            )
            for n, client in enumerate(group)
            if n % 7 == 0
        )
        latest_phq = [
            answered[-1]
            for (client_id, i), answered in by_client.items()
            if i == phq.pk and number[client_id] < ALERTED
        ]
        Alert.objects.bulk_create(
            Alert(
                practice=practice,
                client_id=response.client_id,
                response=response,
                rule_key="item-9-safety",
                rule_label="Item 9 answered above 0",
                raised_at=response.submitted_at,
            )
            for response in latest_phq
        )
    bench.clients += count
    bench.first_client = bench.first_client or people[0]
    return people
