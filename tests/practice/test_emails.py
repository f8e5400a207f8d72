"""Outbound e-mail: queued as rows, sent once by the task, retried on transient errors only."""

import logging
import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.utils import timezone

from practice import emails
from practice.models import OutboundEmail
from practice.tasks import send_outbound_email, sweep_outbound_email

Status = OutboundEmail.Status
ADDRESS = "erin.fictional@client.example"


@pytest.fixture
def email_templates(tmp_path, settings):
    """One e-mail's three templates, in a template directory of the test's own."""
    folder = tmp_path / "emails"
    folder.mkdir()
    (folder / "hello_subject.txt").write_text(
        "Hello {{ first_name }}\nfrom   {{ practice.name }}\n"
    )
    (folder / "hello.txt").write_text(
        "Dear {{ first_name }},\n\nQuestions & answers: {{ site_url }}/q/\n"
    )
    (folder / "hello.html").write_text(
        '{% extends "emails/base_email.html" %}'
        "{% block content %}<p>Dear {{ first_name }}, questions &amp; answers.</p>{% endblock %}"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    return "emails/hello"


@pytest.fixture
def enqueued(monkeypatch):
    """The e-mail ids handed to the broker, in order (nothing is really sent to it)."""
    ids: list[int] = []
    monkeypatch.setattr(send_outbound_email, "delay", lambda email_id: ids.append(email_id))
    return ids


@pytest.fixture
def queue(practice_a, email_templates, enqueued, django_capture_on_commit_callbacks):
    """Queue an e-mail to Erin and commit, as a view would."""

    def queue(**overrides):
        kwargs = {
            "practice": practice_a,
            "to": ADDRESS,
            "template": email_templates,
            "context": {"first_name": "Erin <3", "action_url": "https://x.example/a?b=1&c=2"},
            "kind": "greeting",
            **overrides,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return emails.queue_email(**kwargs)

    return queue


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the beat sweeper as the worker would, committing what it enqueues."""

    def sweep():
        with django_capture_on_commit_callbacks(execute=True):
            return sweep_outbound_email()

    return sweep


@pytest.fixture
def mail_fails(monkeypatch):
    """Make the mail backend raise: ``mail_fails(exc, times=n)``; every call is counted."""
    calls = []

    def fail_with(exc, times=None):
        real = LocmemBackend.send_messages

        def send_messages(self, messages):
            calls.append(len(messages))
            if times is None or len(calls) <= times:
                raise exc
            return real(self, messages)

        monkeypatch.setattr(LocmemBackend, "send_messages", send_messages)
        return calls

    return fail_with


def test_queue_email_renders_three_templates_and_enqueues_on_commit(
    practice_a, email_templates, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        email = emails.queue_email(
            practice=practice_a,
            to=ADDRESS,
            template=email_templates,
            context={"first_name": "Erin <3", "action_url": "https://x.example/a?b=1&c=2"},
            kind="greeting",
        )
        assert enqueued == []  # nothing leaves before the transaction commits

    email.refresh_from_db()
    assert email.status == Status.QUEUED
    assert (email.practice, email.to, email.kind, email.attempts) == (
        practice_a,
        ADDRESS,
        "greeting",
        0,
    )
    assert email.subject == "Hello Erin <3 from Harbour Therapy"
    # Plain text is not escaped; HTML is, and comes in the shared layout with the button.
    assert email.text_body == "Dear Erin <3,\n\nQuestions & answers: http://127.0.0.1:8000/q/\n"
    assert "Dear Erin &lt;3, questions &amp; answers." in email.html_body
    assert "<title>Hello Erin &lt;3 from Harbour Therapy</title>" in email.html_body
    assert "Harbour Therapy" in email.html_body
    assert 'href="https://x.example/a?b=1&amp;c=2"' in email.html_body

    assert len(callbacks) == 1
    callbacks[0]()
    assert enqueued == [email.pk]


def test_queue_email_refuses_a_bad_address(practice_a, email_templates, enqueued):
    with pytest.raises(ValidationError):
        emails.queue_email(
            practice=practice_a,
            to="not an address",
            template=email_templates,
            context={},
            kind="greeting",
        )
    assert not OutboundEmail.objects.exists()
    assert enqueued == []


def test_an_overlong_subject_is_shortened_to_fit(queue):
    email = queue(context={"first_name": "E" * 400})
    assert len(email.subject) == 255
    assert email.subject.endswith("…")


def test_the_task_sends_the_row_once_and_clears_its_bodies(queue):
    email = queue()

    send_outbound_email(email.pk)
    send_outbound_email(email.pk)  # a duplicate message

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [ADDRESS]
    assert sent.subject == "Hello Erin <3 from Harbour Therapy"
    assert sent.body.startswith("Dear Erin <3,")
    [(html, mimetype)] = sent.alternatives
    assert mimetype == "text/html"
    assert "questions &amp; answers" in html

    email.refresh_from_db()
    assert email.status == Status.SENT
    assert email.attempts == 1
    assert email.sent_at is not None
    assert (email.text_body, email.html_body, email.last_error) == ("", "", "")


@pytest.mark.parametrize("status", [Status.SENDING, Status.FAILED])
def test_a_row_that_is_not_queued_is_left_alone(queue, status):
    email = queue()
    OutboundEmail.objects.filter(pk=email.pk).update(status=status)

    send_outbound_email(email.pk)

    assert mail.outbox == []
    email.refresh_from_db()
    assert (email.status, email.attempts) == (status, 0)


def test_a_missing_row_is_ignored(db):
    send_outbound_email(123456)
    assert mail.outbox == []


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError("timed out"),
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        smtplib.SMTPResponseException(451, f"4.7.1 <{ADDRESS}>: greylisted"),
        smtplib.SMTPRecipientsRefused({ADDRESS: (450, b"mailbox busy")}),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_a_transient_failure_requeues_the_row_for_a_retry_with_backoff(
    queue, mail_fails, exc, caplog
):
    email = queue()
    mail_fails(exc)

    with time_machine.travel(timezone.now(), tick=False):
        with pytest.raises(emails.TransientSendError) as raised:
            emails.deliver_email(email.pk)
        email.refresh_from_db()
        assert email.next_attempt_at == timezone.now() + timedelta(seconds=emails.RETRY_BACKOFF)

    assert email.status == Status.QUEUED
    assert email.attempts == 1
    assert email.last_error.startswith(type(exc).__name__)
    # Neither the retry's exception nor the logs carry the address.
    assert ADDRESS not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert ADDRESS not in caplog.text


@pytest.mark.parametrize(
    ("exc", "error"),
    [
        (
            smtplib.SMTPRecipientsRefused({ADDRESS: (550, b"no such user")}),
            "SMTPRecipientsRefused 550",
        ),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), "SMTPAuthenticationError 535"),
        (smtplib.SMTPNotSupportedError("no AUTH"), "SMTPNotSupportedError"),
    ],
    ids=["unknown mailbox", "bad login", "no auth method"],
)
def test_a_permanent_failure_marks_the_row_failed_at_once(queue, mail_fails, exc, error, caplog):
    email = queue()
    mail_fails(exc)

    with caplog.at_level(logging.INFO):
        emails.deliver_email(email.pk)  # no retry: nothing raised

    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (Status.FAILED, 1, error)
    assert ADDRESS not in caplog.text
    assert f"outbound e-mail {email.pk}" in caplog.text


def test_the_task_retries_transient_failures_until_the_mail_goes(queue, mail_fails):
    email = queue()
    calls = mail_fails(ConnectionRefusedError(111, "Connection refused"), times=2)

    result = send_outbound_email.apply(args=[email.pk])  # runs the retries in place

    assert result.successful()
    assert len(calls) == 3
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (Status.SENT, 3, "")


def test_the_task_gives_up_after_the_last_attempt(queue, mail_fails):
    email = queue()
    calls = mail_fails(smtplib.SMTPServerDisconnected("gone"))

    result = send_outbound_email.apply(args=[email.pk])

    assert result.successful()  # the row records the failure; the task itself is done
    assert len(calls) == emails.MAX_ATTEMPTS
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (
        Status.FAILED,
        emails.MAX_ATTEMPTS,
        "SMTPServerDisconnected",
    )
    assert email.text_body  # kept, so the e-mail can be sent again once the server is fixed


def test_retry_delays_double_up_to_a_cap():
    assert [emails.retry_delay(n) for n in (1, 2, 3)] == [30, 60, 120]
    assert emails.retry_delay(20) == emails.RETRY_BACKOFF_MAX


def test_the_sweeper_requeues_rows_whose_message_was_lost(queue, enqueued, sweep):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        lost = queue()
    enqueued.clear()

    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        fresh_later = queue()
        enqueued.clear()
        assert sweep() == 0  # not stuck yet

    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        assert sweep() == 1
        assert enqueued == [lost.pk]
        lost.refresh_from_db()
        assert lost.next_attempt_at == timezone.now()
        assert sweep() == 0  # re-enqueued rows wait for their message

    fresh_later.refresh_from_db()
    assert fresh_later.status == Status.QUEUED


def test_the_sweeper_leaves_a_row_waiting_for_its_retry(queue, mail_fails, enqueued, sweep):
    email = queue()
    mail_fails(ConnectionRefusedError(111, "refused"))
    with pytest.raises(emails.TransientSendError):
        emails.deliver_email(email.pk)
    enqueued.clear()

    email.refresh_from_db()
    with time_machine.travel(email.next_attempt_at + emails.STUCK_AFTER - timedelta(minutes=1)):
        assert sweep() == 0
    with time_machine.travel(email.next_attempt_at + emails.STUCK_AFTER + timedelta(minutes=1)):
        assert sweep() == 1
    assert enqueued == [email.pk]


def test_the_sweeper_recovers_rows_from_a_worker_that_died_mid_send(queue, enqueued, sweep):
    died = queue()
    worn_out = queue()
    claimed_until = timezone.now() + emails._sending_lease()  # what a claim sets
    OutboundEmail.objects.filter(pk=died.pk).update(
        status=Status.SENDING, attempts=1, next_attempt_at=claimed_until
    )
    OutboundEmail.objects.filter(pk=worn_out.pk).update(
        status=Status.SENDING, attempts=emails.MAX_ATTEMPTS, next_attempt_at=claimed_until
    )
    enqueued.clear()

    with time_machine.travel(claimed_until + emails.STUCK_AFTER - timedelta(minutes=1)):
        assert sweep() == 0  # the send may still be running
    with time_machine.travel(claimed_until + emails.STUCK_AFTER + timedelta(minutes=1)):
        assert sweep() == 1

    assert enqueued == [died.pk]
    died.refresh_from_db()
    worn_out.refresh_from_db()
    assert (died.status, died.attempts) == (Status.QUEUED, 1)
    assert (worn_out.status, worn_out.last_error) == (Status.FAILED, "WorkerLost")

    send_outbound_email(died.pk)  # the re-enqueued message arrives
    assert len(mail.outbox) == 1
    died.refresh_from_db()
    assert (died.status, died.attempts) == (Status.SENT, 2)
