"""Helpers for the trajectory and dashboard tests: stored responses on chosen dates, answers that
give chosen scores, and the practice numbers reliable change needs."""

import datetime
from decimal import Decimal

from assessments import services
from assessments.models import (
    CitedValueKind,
    Instrument,
    LicenceAcknowledgement,
    Packet,
    PacketItem,
    PracticeCitedValue,
    Response,
)
from assessments.services.responses import _summary_fields, update_summary

UTC = datetime.UTC
ECR_R_REVERSED = {9, 11, 20, 22, 26, 27, 28, 29, 30, 31, 33, 34, 35, 36}


def day(year, month, dd, hour=12) -> datetime.datetime:
    return datetime.datetime(year, month, dd, hour, tzinfo=UTC)


def cleared(practice, code) -> Instrument:
    instrument = Instrument.objects.available_to(practice).get(code=code)
    LicenceAcknowledgement.objects.get_or_create(
        practice=practice,
        instrument=instrument,
        licence_hash=instrument.current_version.licence_hash,
    )
    return instrument


def ecr(anxiety: int, avoidance: int) -> dict:
    """ECR-R answers whose keyed means are exactly ``anxiety`` and ``avoidance``."""
    answers = {}
    for number in range(1, 37):
        value = anxiety if number <= 18 else avoidance
        answers[number] = 8 - value if number in ECR_R_REVERSED else value
    return answers


def phq9(total: int) -> dict:
    """PHQ-9 answers adding up to ``total`` with item 9 at 0 (no safety alert)."""
    answers = dict.fromkeys(range(1, 10), 0)
    left = total
    for number in range(1, 9):
        answers[number] = min(3, left)
        left -= answers[number]
    assert left == 0, "at most 24 without item 9"
    answers[10] = 0
    return answers


def respond(client, code: str, answers: dict, at: datetime.datetime, *, drop=()) -> Response:
    """A response stored as ``submit_packet`` stores it (scored, summary updated) on ``at``,
    without e-mails or alerts. ``drop`` leaves those item numbers unanswered (incomplete)."""
    instrument = cleared(client.practice, code)
    version = instrument.current_version
    packet = Packet.objects.create(
        practice=client.practice,
        client=client,
        status=Packet.Status.COMPLETED,
        local_date=at.date(),
        created_at=at,
        sent_at=at,
        completed_at=at,
        expires_at=at + datetime.timedelta(days=7),
    )
    item = PacketItem.objects.create(
        packet=packet, instrument=instrument, instrument_version=version, position=1, completed=True
    )
    given = {n: v for n, v in answers.items() if n not in drop}
    result = services.score_answers(client.practice, instrument, given, version=version)
    response = Response.objects.create(
        practice=client.practice,
        client=client,
        packet_item=item,
        instrument=instrument,
        instrument_version=version,
        answers={str(n): v for n, v in given.items()},
        result=result,
        submitted_at=at,
        **_summary_fields(result),
    )
    update_summary(client, instrument)
    return response


def cite(practice, code: str, subscale: str, *, reliability=None, sd=None) -> None:
    """Numbers a practice entered for reliable change, each with a citation."""
    instrument = Instrument.objects.available_to(practice).get(code=code)
    for kind, value in ((CitedValueKind.RELIABILITY, reliability), (CitedValueKind.SD, sd)):
        if value is not None:
            PracticeCitedValue.objects.update_or_create(
                practice=practice,
                instrument=instrument,
                subscale=subscale,
                kind=kind,
                defaults={"value": Decimal(str(value)), "citation": f"Test citation for {kind}"},
            )


def cite_ecr(practice, reliability=0.9, sd=1.0) -> None:
    """ECR-R numbers giving SE_diff = 1 x sqrt(2) x sqrt(0.1) = 0.447, margin 1.96 x 0.447."""
    for subscale in ("anxiety", "avoidance"):
        cite(practice, "ecr-r", subscale, reliability=reliability, sd=sd)
