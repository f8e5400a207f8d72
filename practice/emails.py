"""Outbound e-mail: rendered once, stored as a row, sent by a Celery task.

``queue_email()`` is how the app sends mail for a practice. It renders the three templates of an
e-mail (subject, plain text, HTML), stores an ``OutboundEmail`` row and enqueues
``send_outbound_email`` when the transaction commits (``practice.queue``: a broker that is down
then costs a delay, never the request). ``deliver_email()`` (what that task runs)
claims the row, hands it to Django's mail backend and records the outcome, retrying transient
failures with backoff. ``requeue_stuck_emails()`` (run by the beat sweeper) re-enqueues rows
whose message was lost, so a lost message delays an e-mail but never drops it.

The ``send_outbound_email`` task is declared here, beside ``deliver_email``, because services
of every layer queue e-mail and may not import the tasks modules on the top floor; its
registered name stays ``practice.tasks.send_outbound_email`` (``practice.tasks`` re-exports it
and holds the sweeper).

Logs name e-mails by id and kind only: never an address, a subject or a body.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db.models import F
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from practice.models import OutboundEmail, Practice
from practice.queue import enqueue_on_commit, requeue_stuck

logger = logging.getLogger(__name__)

Status = OutboundEmail.Status

MAX_ATTEMPTS = 6
"""Attempts before a row is marked failed (the first send plus five retries)."""
RETRY_BACKOFF = 30
"""Seconds before the first retry; doubled for each further one, with full jitter."""
RETRY_BACKOFF_MAX = 15 * 60
"""Cap on one retry's delay; well inside the Redis visibility timeout."""
SMTP_TIMEOUT = 30
"""Seconds a mail server may take to answer, unless EMAIL_TIMEOUT says otherwise."""
STUCK_AFTER = timedelta(minutes=5)
"""How long past its due time a queued or sending row waits before the sweeper steps in."""
SWEEP_BATCH = 500


class TransientSendError(Exception):
    """The mail server could not take the message now; the task retries later.

    Carries only the error's kind and code, so logging it never leaks an address.
    """


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def _render_text(name: str, context: dict) -> str:
    # Plain text is not HTML: "&" must stay "&", so autoescaping is off for .txt templates.
    return get_template(name).template.render(Context(context, autoescape=False))


def render_email(template: str, context: dict) -> RenderedEmail:
    """Render ``<template>_subject.txt``, ``<template>.txt`` and ``<template>.html``."""
    subject = " ".join(_render_text(f"{template}_subject.txt", context).split())
    if not subject:
        raise ValueError(f"{template}_subject.txt renders an empty subject.")
    max_length = OutboundEmail._meta.get_field("subject").max_length
    if len(subject) > max_length:
        subject = subject[: max_length - 1].rstrip() + "…"
    context = {**context, "subject": subject}
    return RenderedEmail(
        subject=subject,
        text=_render_text(f"{template}.txt", context).strip() + "\n",
        html=render_to_string(f"{template}.html", context),
    )


def queue_email(
    *, practice: Practice, to: str, template: str, context: dict, kind: str
) -> OutboundEmail:
    """Render an e-mail, store it as a queued row and send it once the transaction commits.

    ``template`` names the three templates without their endings, for example
    ``"emails/staff_invitation"``. The templates also see ``practice`` and ``site_url``.
    Raises ``ValidationError`` for an address that is not one.
    """
    validate_email(to)
    rendered = render_email(
        template, {"practice": practice, "site_url": settings.SITE_URL, **context}
    )
    email = OutboundEmail.objects.create(
        practice=practice,
        kind=kind,
        to=to,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
    )
    enqueue_on_commit(send_outbound_email, email.pk)
    logger.info("outbound e-mail %s (%s) queued", email.pk, kind)
    return email


def _sending_lease() -> timedelta:
    """How long a claimed row may stay 'sending': past the hard time limit, its worker is gone."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def retry_delay(attempts: int) -> int:
    """The longest the task's autoretry waits after attempt number ``attempts`` failed."""
    return min(RETRY_BACKOFF * 2 ** (attempts - 1), RETRY_BACKOFF_MAX)


def describe_error(exc: BaseException) -> str:
    """The error's class and SMTP code(s): enough to act on, and never an address or text."""
    name = type(exc).__name__
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(code) for code, _ in exc.recipients.values()})
        return f"{name} {','.join(codes)}"[:100]
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{name} {exc.smtp_code}"[:100]
    return name[:100]


def is_transient(exc: BaseException) -> bool:
    """Worth trying again later: connection trouble, timeouts and 4xx answers from the server.

    A 5xx answer (unknown mailbox, refused sender, bad login) will not change by waiting.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPException):
        return False  # for example no shared authentication method: a configuration problem
    return isinstance(exc, OSError | SoftTimeLimitExceeded)  # refused, unreachable, timed out


def _build_message(email: OutboundEmail) -> EmailMultiAlternatives:
    connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SMTP_TIMEOUT)
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.text_body, to=[email.to], connection=connection
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    return message


def deliver_email(email_id: int) -> None:
    """Send one queued e-mail; what the ``send_outbound_email`` task runs.

    Safe to run any number of times for the same row: only a run that wins the claim on a
    queued row sends. A transient failure puts the row back in the queue and raises
    ``TransientSendError`` (the task retries on it); a permanent one, or the last attempt,
    marks the row failed.
    """
    email = OutboundEmail.objects.filter(pk=email_id).first()
    if email is None or email.status == Status.SENT:
        return
    claimed = OutboundEmail.objects.filter(pk=email_id, status=Status.QUEUED).update(
        status=Status.SENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=timezone.now() + _sending_lease(),
    )
    if not claimed:
        logger.info("outbound e-mail %s is not queued (%s); nothing to do", email_id, email.status)
        return
    email.refresh_from_db()

    try:
        _build_message(email).send()
    except Exception as exc:
        error = describe_error(exc)
        if is_transient(exc) and email.attempts < MAX_ATTEMPTS:
            email.status = Status.QUEUED
            email.last_error = error
            email.next_attempt_at = timezone.now() + timedelta(seconds=retry_delay(email.attempts))
            email.save(update_fields=["status", "last_error", "next_attempt_at"])
            logger.warning(
                "outbound e-mail %s: attempt %s failed (%s); will retry",
                email.pk,
                email.attempts,
                error,
            )
            # "from None": the original exception's text may quote the address.
            raise TransientSendError(error) from None
        email.status = Status.FAILED
        email.last_error = error
        email.save(update_fields=["status", "last_error"])
        logger.error(
            "outbound e-mail %s (%s) failed after %s attempt(s): %s",
            email.pk,
            email.kind,
            email.attempts,
            error,
        )
        return

    # The bodies may hold one-time links; once delivered, the row keeps only the facts.
    email.status = Status.SENT
    email.sent_at = timezone.now()
    email.last_error = ""
    email.text_body = ""
    email.html_body = ""
    email.save(update_fields=["status", "sent_at", "last_error", "text_body", "html_body"])
    logger.info("outbound e-mail %s (%s) sent", email.pk, email.kind)


@shared_task(
    name="practice.tasks.send_outbound_email",  # its name since it was declared there
    autoretry_for=(TransientSendError,),
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    # The row's attempt count decides when to give up (MAX_ATTEMPTS); this is a backstop.
    max_retries=MAX_ATTEMPTS,
    acks_late=True,
    reject_on_worker_lost=True,
)
def send_outbound_email(email_id: int) -> None:
    """Send one queued e-mail. Running it twice for the same row sends once."""
    deliver_email(email_id)


def requeue_stuck_emails(now: datetime | None = None) -> list[int]:
    """Re-enqueue e-mails whose task message was lost; what the beat sweeper runs.

    A row still 'sending' long after its lease belonged to a worker that died: it goes back to
    the queue, or is marked failed once it has used all its attempts. A queued row long past
    its due time lost its message (the broker was down at commit, or lost it). Each re-enqueued
    row's due time moves to now, so the next sweep leaves it alone while it waits in the queue.
    """
    return requeue_stuck(
        OutboundEmail,
        send_outbound_email,
        now=now or timezone.now(),
        stuck_after=STUCK_AFTER,
        max_attempts=MAX_ATTEMPTS,
        batch=SWEEP_BATCH,
    )
