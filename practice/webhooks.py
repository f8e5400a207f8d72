"""Webhooks: telling a practice's own systems that something happened, signed and retried.

``emit(practice_id, event, **ids)`` is how any layer announces an event: in the caller's
transaction it writes one ``WebhookDelivery`` row per active endpoint of the practice that chose
the event, and enqueues ``deliver_webhook`` for each once the transaction commits
(``practice.queue``). The payload holds the event's type, its id, the practice's id and the ids
and timestamps the caller passes, nothing else: never a name, an answer or a score. A receiver
that wants more asks the API with a token, where scope and audit apply.

``deliver()`` (what the task runs) claims the row, POSTs the JSON body with an
``Attune-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the endpoint's
secret>`` header, and records the attempt (status code or network error, a short excerpt of the
answer). A network error, a timeout, a 5xx, 408 or 429 is tried again with exponential backoff
and full jitter, up to ``MAX_ATTEMPTS``; any other answer outside 2xx fails the delivery at once
(redirects are not followed). Connections give up after ``CONNECT_TIMEOUT`` and answers after
``READ_TIMEOUT`` seconds, and the task runs on a queue of its own (``webhooks``), so a receiver
that is down delays only its own deliveries. ``requeue_stuck_deliveries()`` (the beat's
``sweep-webhook-deliveries``) re-enqueues rows whose message was lost, and
``prune_deliveries()`` (hourly) deletes finished ones after ``KEEP_DELIVERIES``.

Addresses: an endpoint's URL must be HTTPS and resolve to public addresses only (no private,
loopback, link-local or reserved networks), checked when it is saved and again at every attempt,
and the connection goes to the address that was checked, so a name that changes its answer
cannot lead Attune into the practice's or our own network. ``WEBHOOKS_ALLOW_LOOPBACK`` (tests,
development) also admits loopback addresses, and plain HTTP to them.

The ``deliver_webhook`` task is declared here, because services of every layer emit events and
may not import the tasks modules on the top floor; ``practice.tasks`` re-exports it beside its
sweeper. Logs name deliveries and endpoints by id only.
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from practice import audit
from practice.models import AuditAction
from practice.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from practice.queue import enqueue_on_commit, requeue_stuck

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status

QUESTIONNAIRE_COMPLETED = WebhookEvent.QUESTIONNAIRE_COMPLETED.value
ALERT_RAISED = WebhookEvent.ALERT_RAISED.value
ALERT_ACKNOWLEDGED = WebhookEvent.ALERT_ACKNOWLEDGED.value
REPORT_READY = WebhookEvent.REPORT_READY.value
EXPORT_READY = WebhookEvent.EXPORT_READY.value
EVENTS = tuple(WebhookEvent.values)

SIGNATURE_HEADER = "Attune-Signature"
SIGNATURE_TOLERANCE = 300
"""Seconds a receiver should accept a signature's timestamp for (README: verifying)."""
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 10
MAX_ATTEMPTS = 8
"""Attempts before a delivery is marked failed (the first plus seven retries, about an hour)."""
RETRY_BACKOFF = 30
"""Seconds before the first retry at most; doubled for each further one, with full jitter."""
RETRY_BACKOFF_MAX = 30 * 60
"""Cap on one retry's delay, inside the Redis visibility timeout."""
STUCK_AFTER = timedelta(minutes=5)
KEEP_DELIVERIES = timedelta(days=30)
"""How long a finished delivery (delivered or failed) and its attempts are kept."""
SWEEP_BATCH = 500
EXCERPT_CHARS = 200
RETRIED_STATUSES = frozenset({408, 429})


# --- Signing ----------------------------------------------------------------------------------


def new_secret() -> str:
    """A fresh endpoint secret: 256 bits from ``secrets``, with a prefix saying what it is."""
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Attune-Signature`` value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def payload_body(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


# --- Addresses --------------------------------------------------------------------------------


class UnsafeAddress(ValueError):
    """The URL is not one Attune sends to (its message says why, for the owner to read)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str
    """The checked IP address the connection goes to."""


def loopback_allowed() -> bool:
    return settings.WEBHOOKS_ALLOW_LOOPBACK


def _address_allowed(text: str) -> bool:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return loopback_allowed()
    return address.is_global and not address.is_multicast


def resolve(url: str) -> Target:
    """Check ``url`` against the rules (module doc) and pick the address to connect to.

    Raises ``UnsafeAddress`` for a URL Attune refuses, and ``OSError`` when the name does not
    resolve now (which may pass)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeAddress(gettext("Enter an https:// address."))
    if parts.username or parts.password:
        raise UnsafeAddress(gettext("Leave the user name and password out of the address."))
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise UnsafeAddress(
            gettext("The address's port is not a number from 1 to 65535.")
        ) from None
    infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    addresses = [info[4][0] for info in infos]
    if not addresses or not all(_address_allowed(address) for address in addresses):
        raise UnsafeAddress(
            gettext(
                "The address points into a private, loopback or reserved network; "
                "webhooks go to public addresses only."
            )
        )
    if scheme == "http" and not (
        loopback_allowed() and all(ipaddress.ip_address(a).is_loopback for a in addresses)
    ):
        raise UnsafeAddress(
            gettext("Enter an https:// address: webhooks are sent over HTTPS only.")
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, parts.hostname, port, path, addresses[0])


def check_url(url: str) -> None:
    """Raise ``ValidationError`` (for a form or the API) if webhooks cannot go to ``url``."""
    try:
        resolve(url)
    except UnsafeAddress as error:
        raise ValidationError(str(error), code="unsafe") from None
    except (OSError, UnicodeError):
        raise ValidationError(
            gettext("The address's host name could not be found. Check it and try again."),
            code="unresolved",
        ) from None


# --- Emitting ---------------------------------------------------------------------------------


def _plain(name: str, value):
    """An id or a timestamp as JSON, and nothing else: a payload never carries content."""
    if isinstance(value, list | tuple) and name.endswith("_ids"):
        return [_plain(name[:-1], item) for item in value]
    if name.endswith("_id") and isinstance(value, int) and not isinstance(value, bool):
        return value
    if name.endswith("_id") and isinstance(value, uuid.UUID):
        return str(value)
    if name.endswith("_at") and isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"Webhook payloads carry ids (*_id) and timestamps (*_at) only, not {name}.")


def emit(practice_id: int, event: str, *, now=None, **ids) -> list[WebhookDelivery]:
    """Queue ``event`` for every active endpoint of the practice that chose it; returns the
    rows. Call it inside the transaction that makes the event true: the rows commit with it, and
    the deliveries are enqueued once it commits. Cheap when the practice has no endpoints."""
    if event not in EVENTS:
        raise ValueError(f"Unknown webhook event {event!r}.")
    data = {name: _plain(name, value) for name, value in sorted(ids.items())}
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(practice_id=practice_id, is_active=True)
        if event in endpoint.events
    ]
    if not endpoints:
        return []
    now = now or timezone.now()
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "type": event,
        "created_at": now.astimezone(UTC).isoformat(),
        "practice_id": practice_id,
        "data": data,
    }
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            practice_id=practice_id,
            endpoint=endpoint,
            event=event,
            event_id=event_id,
            payload=payload,
            next_attempt_at=now,
        )
        for endpoint in endpoints
    )
    for delivery in deliveries:
        enqueue_on_commit(deliver_webhook, delivery.pk)
    logger.info("webhook %s: %s deliveries queued", event, len(deliveries))
    return deliveries


# --- Delivering -------------------------------------------------------------------------------


class TransientDeliveryError(Exception):
    """The receiver could not take the event now; the task retries later."""


@dataclass(frozen=True)
class Outcome:
    status_code: int | None = None
    # A code, not a sentence ("AddressNotAllowed", "DNS gaierror"): stored with the delivery and
    # sent in the API, so it stays in English on purpose and is not marked for translation.
    error: str = ""
    excerpt: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def transient(self) -> bool:
        if self.status_code is None:
            return self.error != "AddressNotAllowed"
        return self.status_code >= 500 or self.status_code in RETRIED_STATUSES


def _excerpt(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:EXCERPT_CHARS]


def _connection(target: Target) -> http.client.HTTPConnection:
    if target.scheme == "https":
        connection = http.client.HTTPSConnection(
            target.host, target.port, timeout=CONNECT_TIMEOUT, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=CONNECT_TIMEOUT)

    # To the address that was checked, whatever the name resolves to by now; TLS still checks
    # the certificate against the host name.
    def connect_checked(address, timeout, source_address=None):
        return socket.create_connection((target.address, address[1]), timeout, source_address)

    connection._create_connection = connect_checked
    return connection


def post(url: str, body: bytes, headers: dict) -> Outcome:
    """POST ``body`` to ``url`` once: the receiver's status code and the start of its answer,
    or the error's kind. Never raises for anything the network or the receiver does."""
    started = time.monotonic()

    def outcome(**kwargs) -> Outcome:
        return Outcome(duration_ms=int((time.monotonic() - started) * 1000), **kwargs)

    try:
        target = resolve(url)
    except UnsafeAddress:
        return outcome(error="AddressNotAllowed")
    except (OSError, UnicodeError) as exc:
        return outcome(error=f"DNS {type(exc).__name__}"[:100])
    connection = _connection(target)
    try:
        connection.connect()
        connection.sock.settimeout(READ_TIMEOUT)
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        return outcome(status_code=response.status, excerpt=_excerpt(response.read(1024)))
    except (OSError, http.client.HTTPException) as exc:
        return outcome(error=type(exc).__name__[:100])
    finally:
        connection.close()


def retry_delay(attempts: int) -> int:
    """The longest the task's autoretry waits after attempt number ``attempts`` failed."""
    return min(RETRY_BACKOFF * 2 ** (attempts - 1), RETRY_BACKOFF_MAX)


def _lease() -> timedelta:
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def _headers(delivery: WebhookDelivery, body: bytes) -> dict:
    return {
        "Content-Type": "application/json",
        "User-Agent": "Attune-Webhooks/1",
        "Attune-Event": delivery.event,
        "Attune-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: signature(delivery.endpoint.secret, int(time.time()), body),
    }


def _record(delivery: WebhookDelivery, status: str, outcome: Outcome, **fields) -> None:
    delivery.status = status
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error[:100]
    for name, value in fields.items():
        setattr(delivery, name, value)
    delivery.save(update_fields=["status", "last_status_code", "last_error", *fields])


def deliver(delivery_id: int) -> None:
    """Send one queued delivery once; what the ``deliver_webhook`` task runs.

    Safe to run any number of times: only a run that claims a queued row sends. A transient
    failure puts the row back in the queue and raises ``TransientDeliveryError`` (the task
    retries on it); anything else, or the last attempt, marks the row failed."""
    claimed = WebhookDelivery.objects.filter(pk=delivery_id, status=Status.QUEUED).update(
        status=Status.SENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=timezone.now() + _lease(),
    )
    if not claimed:
        return
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:
        return  # its endpoint was deleted meanwhile, and its deliveries with it
    if not delivery.endpoint.is_active:
        _record(delivery, Status.FAILED, Outcome(error="EndpointTurnedOff"))
        return
    body = payload_body(delivery.payload)
    outcome = post(delivery.endpoint.url, body, _headers(delivery, body))
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        status_code=outcome.status_code,
        error=outcome.error[:100],
        response_excerpt=outcome.excerpt[:EXCERPT_CHARS],
        duration_ms=outcome.duration_ms,
    )
    logger.info(
        "webhook delivery %s to endpoint %s, attempt %s: %s",
        delivery.pk,
        delivery.endpoint_id,
        delivery.attempts,
        outcome.status_code or outcome.error,
    )
    if outcome.ok:
        _record(delivery, Status.DELIVERED, outcome, delivered_at=timezone.now())
    elif outcome.transient and delivery.attempts < MAX_ATTEMPTS:
        due = timezone.now() + timedelta(seconds=retry_delay(delivery.attempts))
        _record(delivery, Status.QUEUED, outcome, next_attempt_at=due)
        raise TransientDeliveryError(outcome.error or f"HTTP {outcome.status_code}")
    else:
        _record(delivery, Status.FAILED, outcome)


@shared_task(
    name="practice.webhooks.deliver_webhook",
    autoretry_for=(TransientDeliveryError,),
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    # The row's attempt count decides when to give up (MAX_ATTEMPTS); this is a backstop.
    max_retries=MAX_ATTEMPTS,
    acks_late=True,
    reject_on_worker_lost=True,
)
def deliver_webhook(delivery_id: int) -> None:
    """Send one webhook delivery. Running it twice for the same row sends once."""
    deliver(delivery_id)


def requeue_stuck_deliveries(now: datetime | None = None) -> list[int]:
    """Re-enqueue deliveries whose task message was lost or whose worker died; what the beat
    sweeper runs (``practice.queue.requeue_stuck``)."""
    return requeue_stuck(
        WebhookDelivery,
        deliver_webhook,
        now=now or timezone.now(),
        stuck_after=STUCK_AFTER,
        max_attempts=MAX_ATTEMPTS,
        batch=SWEEP_BATCH,
    )


def prune_deliveries(now: datetime | None = None) -> int:
    """Delete finished deliveries older than ``KEEP_DELIVERIES``, with their attempts (beat's
    ``prune-webhook-deliveries``, hourly); queued and sending ones stay. Returns how many."""
    cutoff = (now or timezone.now()) - KEEP_DELIVERIES
    finished = WebhookDelivery.objects.filter(
        status__in=[Status.DELIVERED, Status.FAILED], created_at__lt=cutoff
    )
    _, deleted = finished.delete()
    return deleted.get(WebhookDelivery._meta.label, 0)


# --- Endpoints (owners) -----------------------------------------------------------------------


def clean_events(events) -> list[str]:
    chosen = [event for event in EVENTS if event in set(events or ())]
    unknown = sorted(set(events or ()) - set(EVENTS))
    if unknown:
        raise ValidationError(
            {"events": gettext("Unknown events: %(events)s.") % {"events": ", ".join(unknown)}}
        )
    if not chosen:
        raise ValidationError({"events": gettext("Choose at least one event.")})
    return chosen


@transaction.atomic
def create_endpoint(request, practice, *, url: str, events, description="", is_active=True):
    """Register ``url`` for ``events`` with a fresh secret (shown to the owner next). Audited."""
    check_url(url)
    endpoint = WebhookEndpoint.objects.create(
        practice=practice,
        url=url,
        events=clean_events(events),
        description=description.strip(),
        is_active=is_active,
        secret=new_secret(),
        created_by=request.user if request is not None else None,
    )
    audit.record(request, AuditAction.CREATE, endpoint, fields=["url", "events"])
    return endpoint


@transaction.atomic
def update_endpoint(request, endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    """Change the URL, events, description or active flag. Audited (field names only)."""
    if "url" in changes:
        check_url(changes["url"])
    if "events" in changes:
        changes["events"] = clean_events(changes["events"])
    changed = [name for name, value in changes.items() if getattr(endpoint, name) != value]
    for name in changed:
        setattr(endpoint, name, changes[name])
    if changed:
        endpoint.save(update_fields=[*changed, "updated_at"])
        audit.record(request, AuditAction.UPDATE, endpoint, fields=changed)
    return endpoint


@transaction.atomic
def rotate_secret(request, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret; deliveries signed from now on use it. Audited."""
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    audit.record(request, AuditAction.UPDATE, endpoint, fields=["secret"])
    return endpoint


def reveal_secret(request, endpoint: WebhookEndpoint) -> str:
    """The secret, for an owner who asked to see it. Audited as a view of the secret."""
    audit.record(request, AuditAction.VIEW, endpoint, fields=["secret"])
    return endpoint.secret


@transaction.atomic
def delete_endpoint(request, endpoint: WebhookEndpoint) -> None:
    """Remove the endpoint and its deliveries. Audited."""
    audit.record(request, AuditAction.DELETE, endpoint, fields=["url"])
    endpoint.delete()


@transaction.atomic
def send_again(request, delivery: WebhookDelivery) -> WebhookDelivery:
    """Queue the same event (same body, same event id) to the same endpoint as a new delivery,
    signed afresh when sent. Audited."""
    if not delivery.endpoint.is_active:
        raise ValidationError(gettext("Turn the endpoint on before sending to it again."))
    again = WebhookDelivery.objects.create(
        practice_id=delivery.practice_id,
        endpoint=delivery.endpoint,
        event=delivery.event,
        event_id=delivery.event_id,
        payload=delivery.payload,
        resent_from=delivery,
    )
    audit.record(request, AuditAction.CREATE, again, fields=["resent_from"])
    enqueue_on_commit(deliver_webhook, again.pk)
    return again


def recent_deliveries(endpoint: WebhookEndpoint, limit: int = 50) -> list[WebhookDelivery]:
    return list(endpoint.deliveries.order_by("-created_at", "-id")[:limit])
