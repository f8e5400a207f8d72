"""The audit log's hashes: what an event's row hash covers and how the chain links rows.

Both are HMAC-SHA-256 keyed from ``SECRET_KEY`` (Django's ``salted_hmac``), not plain SHA-256.
A plain hash only proves that rows agree with each other: someone with write access to the
database alone could change a row and recompute every later hash, and the chain would verify.
With a key the database does not hold, they cannot forge a matching row or chain; they can only
break it, which ``manage.py verify_audit`` reports. Rows hashed before a key rotation still
verify while the old key is listed in ``SECRET_KEY_FALLBACKS``.

No Django models here: ``AuditEvent.save()`` and the sealer (``practice.audit_chain``) both use it.
"""

import ipaddress
import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

# The event's columns a row hash covers, in this order. ``id`` is not among them: it comes from
# a sequence only when the row is inserted, and the hash is computed before, so the INSERT stays
# the one query an audited request pays. The chain link binds the id instead (``link_hash``).
HASHED_FIELDS = (
    "practice_id",
    "actor_id",
    "actor_email",
    "action",
    "object_type",
    "object_id",
    "client_id",
    "fields",
    "via",
    "ip_address",
    "at",
    "count",
)
FORMAT = "v1"  # bump when HASHED_FIELDS or their encoding changes
GENESIS = "0" * 64  # the "previous hash" of the first link
_ROW_SALT = "attune.audit.row"
_LINK_SALT = "attune.audit.link"


def _optional_int(value) -> int | None:
    return None if value is None else int(value)


def _uuid(value) -> str | None:
    return None if value in (None, "") else str(uuid.UUID(str(value)))


def _ip(value) -> str | None:
    if not value:
        return None
    try:
        return ipaddress.ip_address(value).compressed  # PostgreSQL's inet rewrites some forms
    except ValueError:
        return str(value)


def canonical(content: Mapping) -> bytes:
    """The bytes a row hash covers: the same for the unsaved event and the row read back later."""
    at = content["at"].astimezone(UTC).isoformat(timespec="microseconds")
    values = [
        FORMAT,
        _optional_int(content["practice_id"]),
        _optional_int(content["actor_id"]),
        str(content["actor_email"] or ""),
        str(content["action"]),
        str(content["object_type"]),
        str(content["object_id"] or ""),
        _uuid(content["client_id"]),
        [str(name) for name in content["fields"] or ()],
        str(content["via"]),
        _ip(content["ip_address"]),
        at,
        int(content["count"]),
    ]
    return json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()


def secrets_in_use() -> list[str]:
    """The current key first, then the ones being rotated out."""
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())]


def row_hash(content: Mapping, secret: str | None = None) -> str:
    return salted_hmac(
        _ROW_SALT, canonical(content), secret=secret or settings.SECRET_KEY, algorithm="sha256"
    ).hexdigest()


def link_hash(previous: str, seq: int, event_id: int, row: str, secret: str | None = None) -> str:
    """The chain hash of position ``seq``: the previous link, this position, the row's id and
    its row hash. Changing, removing, reordering or renumbering any sealed row breaks it."""
    return salted_hmac(
        _LINK_SALT,
        f"{previous}|{seq}|{event_id}|{row}",
        secret=secret or settings.SECRET_KEY,
        algorithm="sha256",
    ).hexdigest()


def matches_any(expected: str, candidates: Iterable[str]) -> bool:
    return any(constant_time_compare(expected, candidate) for candidate in candidates)
