"""Sealing the audit log into one hash chain, and checking it (``manage.py verify_audit``).

Writing an event stays one INSERT: the event carries its own ``row_hash`` (see
``practice.audit_hash``) and no position. Requests run in a transaction each
(ATOMIC_REQUESTS), so giving every event its chain position at insert would hold a lock on the
chain until the request commits and serialise every audited request of the installation.
Instead the sealer (beat, every minute, and ``verify_audit`` before it checks) locks the single
``AuditChainHead`` row, walks the committed events that have no position yet in id order and
gives each the next ``seq`` and ``chain_hash = link(previous chain_hash, seq, id, row_hash)``.
An event that commits after a later id was sealed is simply sealed on the next run: the chain's
order is ``seq``, not id or time.

``verify`` recomputes each row hash from the row's content and each link from position 1, and
names the first event whose content changed, whose link does not follow, or that follows a gap
(an event removed). The head keeps the last position and hash, so removing the newest events is
noticed too. On PostgreSQL a trigger refuses such changes in the first place (migration 0008);
the chain is what shows it if the trigger was dropped or the rows were edited some other way.
"""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from practice import audit_hash
from practice.models import AuditChainHead, AuditEvent

logger = logging.getLogger(__name__)

SEAL_BATCH = 2000
HEAD_ID = 1


class ChainHeadMissing(Exception):
    """Events are sealed but the head row is gone: someone removed it."""


def seal(*, batch_size: int = SEAL_BATCH) -> int:
    """Give every committed, unsealed event its place in the chain. Returns how many.

    Safe to run concurrently: sealers queue on the head row's lock, and ``seq`` is unique.
    """
    sealed = 0
    while True:
        done = _seal_batch(batch_size)
        sealed += done
        if done < batch_size:
            return sealed


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_ID).first()
    if head is not None:
        return head
    if AuditEvent.objects.filter(seq__isnull=False).exists():
        raise ChainHeadMissing("The audit chain head is missing although events are sealed.")
    try:
        with transaction.atomic():
            AuditChainHead.objects.create(pk=HEAD_ID)
    except IntegrityError:
        pass  # another sealer created it first
    return AuditChainHead.objects.select_for_update().get(pk=HEAD_ID)


def _seal_batch(batch_size: int) -> int:
    with transaction.atomic():
        head = _locked_head()
        events = list(
            AuditEvent.objects.filter(seq__isnull=True)
            .order_by("pk")
            .only("pk", "row_hash")[:batch_size]
        )
        if not events:
            return 0
        seq, previous = head.last_seq, head.last_hash
        for event in events:
            seq += 1
            event.seq = seq
            event.chain_hash = audit_hash.link_hash(previous, seq, event.pk, event.row_hash)
            previous = event.chain_hash
        # The base manager: the public one refuses every update. On PostgreSQL the trigger lets
        # through exactly this one (seq and chain_hash filled from nothing, nothing else).
        AuditEvent._base_manager.bulk_update(events, ["seq", "chain_hash"])
        head.last_seq, head.last_hash, head.sealed_at = seq, previous, timezone.now()
        head.save(update_fields=["last_seq", "last_hash", "sealed_at"])
    # A copy of the head outside the database: log archives witness what the chain was.
    logger.info("audit log sealed to seq=%d hash=%s", seq, previous)
    return len(events)


@dataclass
class Verdict:
    ok: bool
    checked: int
    message: str
    event_id: int | None = None


def _row_ok(event: AuditEvent, secrets: list[str]) -> bool:
    content = event.hashed_content()
    return audit_hash.matches_any(
        event.row_hash, (audit_hash.row_hash(content, secret) for secret in secrets)
    )


def _link_ok(event: AuditEvent, previous: str, secrets: list[str]) -> bool:
    return audit_hash.matches_any(
        event.chain_hash or "",
        (
            audit_hash.link_hash(previous, event.seq, event.pk, event.row_hash, secret)
            for secret in secrets
        ),
    )


def _ids_have_no_gaps() -> bool:
    """On SQLite ids come from AUTOINCREMENT, which a rollback rewinds, and writes are serialised,
    so events commit (and are sealed) in id order without gaps: a missing id is a removed event,
    even one removed before it was sealed. PostgreSQL's sequences skip ids on every rollback, so
    there the trigger, not the ids, stops removal of events not yet sealed."""
    return connection.vendor == "sqlite"


def _missing_ids(previous_id: int | None, event: AuditEvent) -> Verdict | None:
    if previous_id is None or event.pk == previous_id + 1:
        return None
    return Verdict(
        False,
        0,
        f"Event {event.pk} follows a gap in ids: event {previous_id + 1} is missing (removed).",
        event.pk,
    )


def _newest_ids_missing(last_id: int | None) -> Verdict | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = %s", [AuditEvent._meta.db_table]
        )
        row = cursor.fetchone()
    issued = row[0] if row else 0
    if issued and (last_id or 0) < issued:
        return Verdict(
            False,
            0,
            f"Events up to id {issued} were written but the newest is "
            f"{last_id or 'none'}: the newest events were removed.",
            last_id,
        )
    return None


def verify() -> Verdict:
    """Check every sealed event from position 1, then the unsealed ones; stop at the first fault."""
    secrets = audit_hash.secrets_in_use()
    gapless = _ids_have_no_gaps()
    head = AuditChainHead.objects.filter(pk=HEAD_ID).first()
    expected, previous, checked, last_id = 1, audit_hash.GENESIS, 0, None
    sealed = AuditEvent._base_manager.filter(seq__isnull=False).order_by("seq")
    for event in sealed.iterator(chunk_size=2000):
        if gapless and (gap := _missing_ids(last_id, event)):
            return gap
        if event.seq != expected:
            return Verdict(
                False,
                checked,
                f"Event {event.pk} (seq {event.seq}) follows a gap: seq {expected}"
                f"{'' if event.seq == expected + 1 else f' to {event.seq - 1}'} is missing "
                "(removed).",
                event.pk,
            )
        if not _row_ok(event, secrets):
            return Verdict(
                False, checked, f"Event {event.pk} (seq {event.seq}) was changed.", event.pk
            )
        if not _link_ok(event, previous, secrets):
            return Verdict(
                False,
                checked,
                f"Event {event.pk} (seq {event.seq}) does not link to the one before it.",
                event.pk,
            )
        previous, expected, checked, last_id = event.chain_hash, expected + 1, checked + 1, event.pk
    last_seq = expected - 1
    if head is None and last_seq:
        return Verdict(False, checked, "The chain head is missing.", None)
    if head is not None and (head.last_seq != last_seq or head.last_hash != previous):
        after = f"after event {last_id} (seq {last_seq})" if last_id else "from seq 1"
        return Verdict(
            False,
            checked,
            f"The chain ends at seq {last_seq} but was sealed to seq {head.last_seq}: "
            f"the newest events {after} were removed.",
            last_id,
        )
    unsealed = AuditEvent._base_manager.filter(seq__isnull=True).order_by("pk")
    for event in unsealed.iterator(chunk_size=2000):
        if gapless and (gap := _missing_ids(last_id, event)):
            return gap
        if not _row_ok(event, secrets):
            return Verdict(
                False, checked, f"Event {event.pk} (not yet sealed) was changed.", event.pk
            )
        checked, last_id = checked + 1, event.pk
    if gapless and (gone := _newest_ids_missing(last_id)):
        return gone
    return Verdict(True, checked, f"Audit log intact: {checked} events, sealed to seq {last_seq}.")
