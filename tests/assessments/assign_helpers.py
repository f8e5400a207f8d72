"""Helpers for the questionnaire tests: clear instruments, send packets, read links from e-mails,
answer like a client."""

import datetime
import re

from assessments import services
from assessments.models import Instrument, LicenceAcknowledgement, Packet
from practice.models import OutboundEmail

LINK = re.compile(r"/q/([A-Za-z0-9_-]+)/")
UTC = datetime.UTC


def at(*args, tz=UTC) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=tz)


def cleared(practice, *codes) -> list[Instrument]:
    """Instruments ``codes`` with their licence note acknowledged in ``practice``."""
    instruments = []
    for code in codes:
        instrument = Instrument.objects.available_to(practice).get(code=code)
        LicenceAcknowledgement.objects.get_or_create(
            practice=practice,
            instrument=instrument,
            licence_hash=instrument.current_version.licence_hash,
        )
        instruments.append(instrument)
    return instruments


def send_now(client, *codes, actor=None, now=None):
    """Assign ``codes`` to ``client`` now; returns the assignment and its packet."""
    instruments = cleared(client.practice, *(codes or ("phq-9",)))
    assignment = services.assign(
        actor or client.primary_clinician,
        client,
        instruments,
        services.Plan(send_now=True),
        now=now,
    )
    return assignment, Packet.objects.filter(client=client).latest("created_at", "pk")


def link_in(email: OutboundEmail) -> str:
    """The raw token from a queued e-mail's link (the only place it exists)."""
    match = LINK.search(email.text_body)
    assert match, "no questionnaire link in the e-mail"
    assert match.group(0) in email.html_body
    return match.group(1)


def token_of(packet: Packet) -> str:
    packet.refresh_from_db()
    return link_in(packet.last_email)


def answer_everything(
    packet: Packet, value=1, text="A belief I hold.", overrides=None, now=None
) -> None:
    """Save an answer for every question of every questionnaire, as the client's pages would."""
    overrides = overrides or {}
    for item in packet.items.select_related("instrument_version"):
        answers = {}
        for question in item.definition["items"]:
            number = question["number"]
            if question["type"] == "text":
                answers[number] = text
            else:
                answers[number] = overrides.get((item.instrument.code, number), value)
        services.save_answers(packet, item, answers, now=now or packet.sent_at)


def phq9_answers(item9: int, rest: int = 1) -> dict:
    return {("phq-9", n): (item9 if n == 9 else rest) for n in range(1, 11)}
