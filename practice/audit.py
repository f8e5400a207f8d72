"""Writing the audit trail. Callers say who did what to which record; never what it said.

Every function here writes with one INSERT (the row hash is computed beforehand); the chain is
sealed later (``practice.audit_chain``). Refusals are the exception: see ``record_refusal``.
"""

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from practice.models import AuditAction, AuditEvent, DeniedAccessTally, Practice

# Repeats of the same refusal (same person or address, route and outcome) within this window
# are counted, not recorded one by one.
REFUSAL_WINDOW = timedelta(minutes=10)


def client_ip(request) -> str | None:
    """The caller's address, found as the login rate limits find it (see TRUSTED_PROXY_COUNT)."""
    if request is None:
        return None
    try:
        return get_adapter(request).get_client_ip(request)
    except (ImproperlyConfigured, PermissionDenied):
        return None  # no trustworthy address (e.g. fewer X-Forwarded-For entries than proxies)


def record(
    request,
    action: AuditAction | str,
    obj,
    *,
    practice: Practice | None = None,
    client_id=None,
    fields: Iterable[str] = (),
    actor=None,
) -> AuditEvent:
    """Append one audit event for ``obj`` (a model instance) done by the request's user.

    ``client_id`` defaults to ``obj.pk`` when ``obj`` is a client, else ``obj.client_id``.
    ``fields`` are the names of changed fields, never their values.
    """
    user = actor or (request.user if request is not None else None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if client_id is None:
        client_id = obj.pk if obj._meta.model_name == "client" else getattr(obj, "client_id", None)
    via = "api" if request is not None and request.path.startswith("/api/") else "web"
    if request is None:
        via = "system"
    return AuditEvent.objects.create(
        practice=practice or obj.practice,
        actor=user,
        actor_email=user.email if user else "",
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        client_id=client_id,
        fields=sorted(fields),
        via=via,
        ip_address=client_ip(request),
    )


def record_list(request, object_type: str, practice: Practice) -> AuditEvent:
    """Append one event for a list or search page: who looked, not which rows they saw."""
    return AuditEvent.objects.create(
        practice=practice,
        actor=request.user,
        actor_email=request.user.email,
        action=AuditAction.LIST,
        object_type=object_type,
        via="api" if request.path.startswith("/api/") else "web",
        ip_address=client_ip(request),
    )


def record_clients(
    request,
    action: AuditAction | str,
    practice: Practice,
    client_ids: Iterable,
    *,
    fields: Iterable[str] = (),
    actor=None,
) -> list[AuditEvent]:
    """One event per client in ``client_ids`` (an export of many clients at once), written with
    one INSERT: each client whose record left is named in the log, not only the list."""
    user = actor or (request.user if request is not None else None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    ip, via = client_ip(request), _via(request)
    return AuditEvent.objects.bulk_create(
        AuditEvent(
            practice=practice,
            actor=user,
            actor_email=user.email if user else "",
            action=action,
            object_type="client",
            object_id=str(client_id),
            client_id=client_id,
            fields=sorted(fields),
            via=via,
            ip_address=ip,
        )
        for client_id in client_ids
    )


def _via(request) -> str:
    if request is None:
        return "system"
    return "api" if request.path.startswith("/api/") else "web"


def record_account_event(
    request, action: AuditAction, user, *, object_type: str = "user", object_id="", fields=()
) -> AuditEvent:
    """Append an event about a person's account (sign-in, sign-out, two-factor changes).

    It belongs to no practice: the audit log shows it to the owners of every practice the
    person is a member of.
    """
    return AuditEvent.objects.create(
        practice=None,
        actor=user,
        actor_email=user.email if user else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id or (user.pk if user else "")),
        fields=sorted(fields),
        via=_via(request),
        ip_address=client_ip(request),
    )


def _window_start(now: datetime) -> datetime:
    span = int(REFUSAL_WINDOW.total_seconds())
    return datetime.fromtimestamp(int(now.timestamp()) // span * span, tz=now.tzinfo)


def record_refusal(
    request,
    action: AuditAction,
    *,
    actor=None,
    practice: Practice | None = None,
    object_type: str,
    object_id: str = "",
    outcome: str,
) -> AuditEvent | None:
    """Record a refused request (403/404 on an object, failed sign-in, lockout, refused token)
    without letting a flood of them flood the log.

    The first refusal from one source (the person, else the address) on one route with one
    outcome in a ``REFUSAL_WINDOW`` is an audit event at once; the repeats only add to a counter
    row in ``DeniedAccessTally`` and become one more event with their count when the window
    closes (``close_refusal_windows``, run by the sealing task). So 1,000 guesses in ten minutes
    write two events and 1,000 one-query counter updates. The counter lives in the database,
    not the cache, so it holds across processes and while Redis is down, and it is a table of
    its own because counting on the audit row would be an update of an append-only row.

    ``object_id`` is a route name, never a path: paths can hold tokens (``/q/<token>/``).
    Returns the event written, or None when the refusal was only counted.
    """
    ip = client_ip(request)
    source = f"user:{actor.pk}" if actor is not None else f"ip:{ip}"
    key = hashlib.sha256(f"{source}|{action}|{object_type}|{object_id}|{outcome}".encode())
    window_start = _window_start(timezone.now())
    tally = DeniedAccessTally.objects.filter(key=key.hexdigest(), window_start=window_start)
    if tally.update(count=F("count") + 1):
        return None
    values = {
        "practice": practice,
        "actor": actor,
        "actor_email": actor.email if actor is not None else "",
        "action": action,
        "object_type": object_type,
        "object_id": object_id[:64],
        "fields": [outcome],
        "via": _via(request),
        "ip_address": ip,
    }
    try:
        with transaction.atomic():
            DeniedAccessTally.objects.create(
                key=key.hexdigest(), window_start=window_start, count=1, **values
            )
            return AuditEvent.objects.create(**values)
    except IntegrityError:  # a concurrent request opened the window first
        tally.update(count=F("count") + 1)
        return None


def close_refusal_windows(now: datetime | None = None) -> int:
    """Write one event for the repeats of each refusal window that has ended, with their count,
    and drop its counter. Returns how many events were written. Safe to run concurrently."""
    cutoff = (now or timezone.now()) - REFUSAL_WINDOW
    written = 0
    for tally_id in DeniedAccessTally.objects.filter(window_start__lte=cutoff).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            tally = DeniedAccessTally.objects.select_for_update().filter(pk=tally_id).first()
            if tally is None:
                continue  # closed by another run
            if tally.count > 1:
                AuditEvent.objects.create(
                    practice_id=tally.practice_id,
                    actor_id=tally.actor_id,
                    actor_email=tally.actor_email,
                    action=tally.action,
                    object_type=tally.object_type,
                    object_id=tally.object_id,
                    fields=tally.fields,
                    via=tally.via,
                    ip_address=tally.ip_address,
                    count=tally.count - 1,
                )
                written += 1
            tally.delete()
    return written
