"""``Idempotency-Key`` on the API's POSTs: a client that retries a create (its connection dropped
before the answer came) sends the same key and gets the first answer again, without a second
object. The same key with a different request is refused (422), as is a key whose first request
has not finished yet (409).

Keys belong to the user who sent them, are kept in the database for ``KEEP_FOR`` (so every web
process sees them, and a restart forgets nothing; ``prune_expired``, run hourly by beat, deletes
them after that, with the answers they hold) and match on a fingerprint of the request:
method, path, the practice the request acts in, and the body (JSON as parsed, or the form fields
and the uploaded files' contents). Only successful answers (2xx) are kept: a refused request can
be corrected and sent again with the same key.

``IdempotentCreateMixin`` does it for a DRF view; ``practice.api.ScopedViewSetMixin`` includes it,
so every viewset over client data honours the header on every POST. Under ``ATOMIC_REQUESTS`` the
key's row is written in the request's transaction: a concurrent request with the same key waits
for it (PostgreSQL) and then replays its answer, and a request that fails leaves no key behind.
"""

import hashlib
import json
from datetime import timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from practice.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = IdempotencyKey._meta.get_field("key").max_length


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = gettext_lazy(
        "This Idempotency-Key was already used with a different request. Use a new key for a "
        "new request."
    )
    default_code = "idempotency_key_reused"


class KeyInProgress(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy(
        "A request with this Idempotency-Key is still being processed. Try again in a moment."
    )
    default_code = "idempotency_key_in_progress"


class Replay(Exception):
    """The first answer to a request sent again; raised to skip the view."""

    def __init__(self, response: Response):
        super().__init__("replay")
        self.response = response


def _value(value):
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "sha256": digest.hexdigest()}
    return value


def fingerprint(request) -> str:
    """SHA-256 of what makes two requests the same one."""
    practice = getattr(request, "practice", None)
    data = request.data
    if hasattr(data, "lists"):  # form or multipart: every value of every field, files hashed
        body = sorted((name, [_value(v) for v in values]) for name, values in data.lists())
    else:
        body = data
    text = json.dumps(
        [request.method, request.path, getattr(practice, "pk", None), body],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def begin(request) -> IdempotencyKey | None:
    """The key's new row when this request is the first with it (``None`` without a key).
    Raises ``Replay`` with the first answer when it was sent before with the same request,
    ``KeyReused`` when with another, ``KeyInProgress`` when the first has no answer yet."""
    key = request.headers.get(HEADER)
    user = request.user
    if key is None or not getattr(user, "is_authenticated", False):
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationError(
            {
                HEADER: gettext("Send a key of 1 to %(longest)s printable characters, or none.")
                % {"longest": MAX_KEY_LENGTH}
            }
        )
    signature = fingerprint(request)
    IdempotencyKey.objects.filter(user=user, created_at__lt=timezone.now() - KEEP_FOR).delete()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(user=user, key=key, fingerprint=signature)
    except IntegrityError:
        first = IdempotencyKey.objects.filter(user=user, key=key).first()
    if first is None:  # purged in between: the first request was more than a day ago
        raise KeyInProgress
    if first.fingerprint != signature:
        raise KeyReused
    if first.status_code is None:
        raise KeyInProgress
    raise Replay(
        Response(
            first.response_body, status=first.status_code, headers={"Idempotent-Replayed": "true"}
        )
    )


def prune_expired(now=None) -> int:
    """Delete the keys past ``KEEP_FOR`` of every user. A kept answer is a copy of what the API
    returned (a client's name and e-mail address, a note), so it must not outlive its use when
    its sender never posts again; returns how many keys went."""
    since = (now or timezone.now()) - KEEP_FOR
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=since).delete()
    return deleted


def finish(row: IdempotencyKey, response) -> None:
    """Keep a successful answer for the key; forget the key of any other (a refusal that rolls
    the request's transaction back has already taken the key's row with it)."""
    if connection.in_atomic_block and transaction.get_rollback():
        return
    if 200 <= response.status_code < 300 and isinstance(response, Response):
        body = json.loads(JSONRenderer().render(response.data) or b"null")
        IdempotencyKey.objects.filter(pk=row.pk).update(
            status_code=response.status_code, response_body=body
        )
    else:
        IdempotencyKey.objects.filter(pk=row.pk).delete()


class IdempotentCreateMixin:
    """Honour ``Idempotency-Key`` on every POST of a DRF view."""

    _idempotency_row = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticated and permitted first
        self._idempotency_row = None
        if request.method == "POST":
            self._idempotency_row = begin(request)

    def handle_exception(self, exc):
        if isinstance(exc, Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self._idempotency_row is not None:
            finish(self._idempotency_row, response)
            self._idempotency_row = None
        return response
