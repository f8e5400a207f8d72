"""Packets: one e-mail, one link, one visit. Building them, their links, reminders and expiry,
resending and revoking, and what the client's visit changes (starting it, saving answers).

Links: each is a token from ``secrets`` (256 bits, ``practice.models.new_token``) of which only
the SHA-256 digest is stored (``PacketToken``). The URL carries the token and nothing else.
A reminder adds a new link and leaves the earlier ones working; a resend replaces them all, so
old links stop working. A link works while its packet is open (sent, opened or in progress) and
not past ``expires_at``.

E-mails go through ``practice.emails.queue_email`` (a row first, sent by Celery, retried), and
name the practice, the clinician and the client's preferred name only: never an instrument or
anything clinical. They are written in the client's language (``Client.language``).

The dashboard sits above this layer, so nothing here refreshes its rows: the pages and the API
that resend or revoke refresh the client's row afterwards, in the request's transaction, and the
expiry task refreshes the clients of the packets ``expire_packets`` names.
"""

import datetime
import logging
import re
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.translation import gettext as _

from assessments.models import Packet, PacketItem, PacketToken
from assessments.models.questionnaires import REMINDER_KIND
from clients.models import Client
from practice import audit, emails
from practice.models import AuditAction, OutboundEmail, hash_token, new_token

logger = logging.getLogger(__name__)

Status = Packet.Status
# What a well-formed link token looks like (token_urlsafe output). Anything else is refused
# before the database is asked.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
PAGE_SIZE = 8
"""At most this many questions on one page of the client's form."""


class PacketClosed(Exception):
    """The packet can no longer be answered (completed, expired or revoked meanwhile)."""


# --- Links and e-mails -------------------------------------------------------------------------


def unreachable_reason(client) -> str:
    """Why questionnaires cannot be sent to ``client``, or an empty string, in the active
    language (a page's, or the default one in a task that stores it as a skip reason)."""
    if not client.is_active:
        return _("%(name)s is discharged.") % {"name": client.preferred_name}
    if not client.email:
        return _("%(name)s has no e-mail address: add one to their details first.") % {
            "name": client.preferred_name
        }
    return ""


def link_url(raw_token: str) -> str:
    return settings.SITE_URL + reverse("questionnaire:landing", args=[raw_token])


def _new_link(packet: Packet, purpose: str, now) -> str:
    raw, digest = new_token()
    PacketToken.objects.create(packet=packet, token_hash=digest, purpose=purpose, created_at=now)
    return raw


def local_day_text(moment: datetime.datetime, time_zone: str) -> str:
    """``Tuesday 11 March`` in the client's zone, for e-mails and pages, in the active language
    (``martes 11 de marzo``)."""
    local = moment.astimezone(zoneinfo.ZoneInfo(time_zone))
    return _("%(weekday)s %(day)s %(month)s") % {
        "weekday": WEEKDAYS[local.weekday()],
        "day": local.day,
        "month": MONTHS[local.month],
    }


def _email_link(packet: Packet, raw_token: str, *, reminder: bool) -> OutboundEmail:
    """Queue the e-mail carrying ``raw_token``'s link (sent when the transaction commits), in
    the client's language."""
    client = packet.client
    url = link_url(raw_token)
    with translation.override(client.language):
        return emails.queue_email(
            practice=packet.practice,
            to=client.email,
            template=(
                "emails/questionnaire_reminder" if reminder else "emails/questionnaire_invitation"
            ),
            context={
                "first_name": client.preferred_name,
                "clinician_name": client.primary_clinician.get_full_name(),
                "url": url,
                "action_url": url,
                "action_label": _("Open your questionnaires"),
                "expires_on": local_day_text(packet.expires_at, client.effective_time_zone),
            },
            kind=REMINDER_KIND if reminder else "questionnaire_invitation",
        )


def _next_reminder(packet: Packet, after) -> datetime.datetime | None:
    """The first reminder time after ``after`` that falls before the link expires."""
    for days in packet.practice.questionnaire_reminder_days or []:
        at = packet.sent_at + datetime.timedelta(days=days)
        if after < at < packet.expires_at:
            return at
    return None


def _expiry(packet: Packet, now) -> datetime.datetime:
    return now + datetime.timedelta(days=packet.practice.questionnaire_link_days)


# --- Building ------------------------------------------------------------------------------------


def _add_items(packet: Packet, instruments) -> None:
    """The packet's questionnaires, in order, on their instruments' current versions."""
    PacketItem.objects.bulk_create(
        PacketItem(
            packet=packet,
            instrument=instrument,
            instrument_version=instrument.current_version,
            position=position,
        )
        for position, instrument in enumerate(instruments, start=1)
    )


def open_packet(client, instruments, *, local_date, now, actor=None) -> Packet:
    """Build a packet of ``instruments`` (on their current versions) for ``client`` and queue the
    e-mail with its link. Runs inside the caller's transaction."""
    packet = Packet.objects.create(
        practice=client.practice, client=client, local_date=local_date, created_at=now
    )
    _add_items(packet, instruments)
    packet.status, packet.sent_at, packet.expires_at = Status.SENT, now, _expiry(packet, now)
    packet.next_reminder_at = _next_reminder(packet, now)
    packet.last_email = _email_link(
        packet, _new_link(packet, PacketToken.Purpose.INVITATION, now), reminder=False
    )
    packet.save()
    audit.record(None, AuditAction.CREATE, packet, actor=actor, fields=["status", "sent_at"])
    return packet


IN_SESSION_HOURS = 3
"""How long a questionnaire started in session stays open (no link, no e-mail, no reminder)."""


def open_in_session(client, instruments, *, now=None, request=None) -> Packet:
    """Build a packet of ``instruments`` for ``client`` to answer now, on the clinician's device
    (in-session administration): opened at once, no link and no e-mail, open for
    ``IN_SESSION_HOURS``. Its responses are scored, stored and alerted like a link's
    (``responses.submit_packet``), with the source "in session"."""
    now = now or timezone.now()
    local_date = now.astimezone(zoneinfo.ZoneInfo(client.effective_time_zone)).date()
    packet = Packet.objects.create(
        practice=client.practice,
        client=client,
        local_date=local_date,
        created_at=now,
        status=Status.OPENED,
        sent_at=now,
        opened_at=now,
        expires_at=now + datetime.timedelta(hours=IN_SESSION_HOURS),
        in_session=True,
    )
    _add_items(packet, instruments)
    audit.record(request, AuditAction.CREATE, packet, fields=["in_session", "status"])
    return packet


def continue_in_session(packet: Packet, *, now=None, request=None) -> Packet:
    """Let the client answer an open link's packet on the clinician's device: it is marked
    answered in session (the e-mailed link keeps working until one of them submits). Raises
    ``PacketClosed`` if the packet is no longer open."""
    now = now or timezone.now()
    changed = Packet.objects.filter(
        pk=packet.pk, status__in=Packet.OPEN_STATUSES, expires_at__gt=now
    ).update(in_session=True, opened_at=Coalesce(F("opened_at"), now))
    if not changed:
        raise PacketClosed
    packet.in_session = True
    audit.record(request, AuditAction.UPDATE, packet, fields=["in_session"])
    return packet


# --- Reminders and expiry (Celery beat) -------------------------------------------------------


def send_reminders(now=None) -> list[int]:
    """E-mail a reminder for every open packet whose reminder is due. Each packet is claimed with
    a compare-and-set on ``reminders_sent``, so two runs never remind twice; completed, expired
    and revoked packets are never reminded, and neither is a discharged client (discharge
    revokes their links; this holds even if a discharge somehow left one open). Returns the
    reminded packets' ids."""
    now = now or timezone.now()
    due = (
        Packet.objects.open()
        .filter(next_reminder_at__lte=now, expires_at__gt=now, client__status=Client.Status.ACTIVE)
        .select_related("practice", "client__practice", "client__primary_clinician")
        .order_by("next_reminder_at", "pk")
    )
    reminded = []
    for packet in due:
        try:
            if _remind(packet, now):
                reminded.append(packet.pk)
        except Exception:
            logger.exception("reminder for packet %s failed; it will be retried", packet.pk)
    return reminded


@transaction.atomic
def _remind(packet: Packet, now) -> bool:
    claimed = Packet.objects.filter(
        pk=packet.pk,
        status__in=Packet.OPEN_STATUSES,
        reminders_sent=packet.reminders_sent,
        next_reminder_at=packet.next_reminder_at,
    ).update(reminders_sent=F("reminders_sent") + 1, next_reminder_at=_next_reminder(packet, now))
    if not claimed or not packet.client.email:
        return False
    email = _email_link(packet, _new_link(packet, PacketToken.Purpose.REMINDER, now), reminder=True)
    Packet.objects.filter(pk=packet.pk).update(last_email=email)
    audit.record(None, AuditAction.UPDATE, packet, fields=["reminders_sent"])
    return True


def expire_packets(now=None) -> list[int]:
    """Mark open packets past their expiry as expired (their links already refuse to work),
    each in its own transaction. Returns their ids; the caller (the expiry task) refreshes their
    clients' dashboard rows."""
    now = now or timezone.now()
    expired = []
    for packet in Packet.objects.open().filter(expires_at__lte=now).select_related("practice"):
        with transaction.atomic():
            if Packet.objects.filter(pk=packet.pk, status__in=Packet.OPEN_STATUSES).update(
                status=Status.EXPIRED, next_reminder_at=None
            ):
                audit.record(None, AuditAction.UPDATE, packet, fields=["status"])
                expired.append(packet.pk)
    return expired


# --- The clinician's actions --------------------------------------------------------------------


def _locked(packet: Packet) -> Packet:
    return (
        Packet.objects.select_for_update(of=("self",))
        .select_related("practice", "client__practice", "client__primary_clinician")
        .get(pk=packet.pk)
    )


@transaction.atomic
def resend_packet(actor, packet: Packet, *, request=None, now=None) -> Packet:
    """E-mail a fresh link: every earlier link stops working, the expiry and reminders restart,
    and answers saved so far are kept. Raises ``ValidationError`` for a completed or revoked
    packet or a client who cannot receive e-mail. The caller refreshes the client's dashboard
    row afterwards (``refresh_client_progress``)."""
    now = now or timezone.now()
    packet = _locked(packet)
    if packet.status in (Status.COMPLETED, Status.REVOKED):
        refusal = (
            _("This link was completed; assign anew.")
            if packet.status == Status.COMPLETED
            else _("This link was revoked; assign anew.")
        )
        raise ValidationError({NON_FIELD_ERRORS: refusal})
    reason = unreachable_reason(packet.client)
    if reason:
        raise ValidationError({NON_FIELD_ERRORS: reason})
    packet.tokens.all().delete()
    raw = _new_link(packet, PacketToken.Purpose.RESEND, now)
    packet.sent_at, packet.expires_at, packet.reminders_sent = now, _expiry(packet, now), 0
    packet.next_reminder_at = _next_reminder(packet, now)
    if any(packet.items.values_list("draft_answers", flat=True)):
        packet.status = Status.IN_PROGRESS
    else:
        packet.status = Status.OPENED if packet.opened_at else Status.SENT
    packet.last_email = _email_link(packet, raw, reminder=False)
    packet.save()
    audit.record(
        request,
        AuditAction.UPDATE,
        packet,
        actor=actor,
        fields=["token", "sent_at", "expires_at", "status"],
    )
    return packet


@transaction.atomic
def revoke_packet(actor, packet: Packet, *, request=None, now=None) -> Packet:
    """Stop the packet's links from working. Completed packets keep their answers and cannot be
    revoked; revoking twice changes nothing. The caller refreshes the client's dashboard row
    afterwards."""
    now = now or timezone.now()
    packet = _locked(packet)
    if packet.status == Status.COMPLETED:
        raise ValidationError({NON_FIELD_ERRORS: _("These questionnaires were already completed.")})
    if packet.status == Status.REVOKED:
        return packet
    packet.status, packet.revoked_at, packet.revoked_by = Status.REVOKED, now, actor
    packet.next_reminder_at = None
    packet.save(update_fields=["status", "revoked_at", "revoked_by", "next_reminder_at"])
    audit.record(request, AuditAction.UPDATE, packet, actor=actor, fields=["status", "revoked_at"])
    return packet


# --- The client's visit -------------------------------------------------------------------------


def find_packet(raw_token, now=None) -> Packet | None:
    """The open, unexpired packet this link belongs to, or ``None`` for any other link
    (malformed, unknown, replaced, expired, revoked, completed): callers answer them all alike.

    Every link costs the same work, so timing cannot tell an unknown link from a dead one: one
    query by the token's hash that carries the packet's conditions, which the database answers
    with nothing for both (a malformed token is looked up as a hash no row has)."""
    now = now or timezone.now()
    well_formed = isinstance(raw_token, str) and TOKEN_PATTERN.match(raw_token)
    token = (
        PacketToken.objects.select_related(
            "packet__practice", "packet__client__practice", "packet__client__primary_clinician"
        )
        .filter(
            token_hash=hash_token(raw_token) if well_formed else "",
            packet__status__in=Packet.OPEN_STATUSES,
            packet__expires_at__gt=now,
            # Discharge revokes a client's links; a discharged client's link fails regardless.
            packet__client__status=Client.Status.ACTIVE,
        )
        .first()
    )
    if token is None:
        return None
    return token.packet


def find_submitted_packet(raw_token, packet_id: int) -> Packet | None:
    """The submitted packet ``packet_id`` when ``raw_token`` is its link, else ``None``: for the
    page a client is sent to after a submission that raised a critical alert (the caller has
    checked the signed mark that names ``packet_id``). One query, as in ``find_packet``."""
    well_formed = isinstance(raw_token, str) and TOKEN_PATTERN.match(raw_token)
    token = (
        PacketToken.objects.select_related("packet__practice", "packet__client")
        .filter(
            token_hash=hash_token(raw_token) if well_formed else "",
            packet_id=packet_id,
            packet__status=Packet.Status.COMPLETED,
        )
        .first()
    )
    return token.packet if token is not None else None


def start_visit(packet: Packet, *, request=None, now=None) -> Packet:
    """The client pressed Start (a POST; a GET never gets here): the packet is opened."""
    now = now or timezone.now()
    if Packet.objects.filter(pk=packet.pk, status=Status.SENT).update(
        status=Status.OPENED, opened_at=now
    ):
        packet.status, packet.opened_at = Status.OPENED, now
        audit.record(request, AuditAction.UPDATE, packet, fields=["status", "opened_at"])
    return packet


@transaction.atomic
def save_answers(packet: Packet, item: PacketItem, answers: dict, *, request=None, now=None):
    """Keep the answers of one page as a draft (blank removes an answer). Raises
    ``PacketClosed`` if the packet was completed, revoked or expired meanwhile."""
    now = now or timezone.now()
    current = Packet.objects.select_for_update().filter(pk=packet.pk).first()
    if current is None or current.status not in Packet.OPEN_STATUSES or current.expires_at <= now:
        raise PacketClosed
    item = PacketItem.objects.select_for_update().get(pk=item.pk, packet_id=packet.pk)
    drafts = dict(item.draft_answers)
    for number, value in answers.items():
        if value is None or value == "":
            drafts.pop(str(number), None)
        else:
            drafts[str(number)] = value
    if drafts != item.draft_answers:
        item.draft_answers = drafts
        item.save(update_fields=["draft_answers", "updated_at"])
        audit.record(
            request,
            AuditAction.UPDATE,
            item,
            practice=packet.practice,
            client_id=packet.client_id,
            fields=["draft_answers"],
        )
    Packet.objects.filter(pk=packet.pk, status__in=(Status.SENT, Status.OPENED)).update(
        status=Status.IN_PROGRESS, opened_at=Coalesce(F("opened_at"), now)
    )
    return item


# --- Pages of the client's form ----------------------------------------------------------------


@dataclass(frozen=True)
class FormPage:
    step: int  # 1-based, across the whole packet
    item: PacketItem
    questionnaire: int  # 1-based position of the questionnaire in the packet
    questionnaires: int
    page: int  # 1-based within the questionnaire
    pages: int
    questions: tuple  # the definition's item dicts on this page

    @property
    def is_last(self) -> bool:
        return self.questionnaire == self.questionnaires and self.page == self.pages


def _chunks(items: list, size: int) -> list[list]:
    """``items`` in pages of at most ``size``, as even as possible (36 items: 8,7,7,7,7)."""
    if not items:
        return [[]]
    count = -(-len(items) // size)
    base, extra = divmod(len(items), count)
    chunks, start = [], 0
    for index in range(count):
        end = start + base + (1 if index < extra else 0)
        chunks.append(items[start:end])
        start = end
    return chunks


def form_pages(items: list[PacketItem], size: int = PAGE_SIZE) -> list[FormPage]:
    """Every page of the packet's form, in order."""
    pages, step = [], 0
    for number, item in enumerate(items, start=1):
        chunks = _chunks(item.definition["items"], size)
        for page_number, questions in enumerate(chunks, start=1):
            step += 1
            pages.append(
                FormPage(
                    step=step,
                    item=item,
                    questionnaire=number,
                    questionnaires=len(items),
                    page=page_number,
                    pages=len(chunks),
                    questions=tuple(questions),
                )
            )
    return pages


def packet_items(packet: Packet) -> list[PacketItem]:
    return list(
        packet.items.select_related("instrument", "instrument_version").order_by("position")
    )


def resume_step(pages: list[FormPage]) -> int:
    """The first page with a required question still unanswered (else the last page)."""
    for page in pages:
        drafts = page.item.draft_answers
        if any(q.get("required", True) and str(q["number"]) not in drafts for q in page.questions):
            return page.step
    return pages[-1].step if pages else 1
