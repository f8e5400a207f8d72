"""Outbound e-mail, kept as rows."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practice.models.practices import Practice


class OutboundEmail(models.Model):
    """An e-mail the practice sends, kept as a row: the database decides what still has to go.

    ``queue_email()`` in ``practice/emails.py`` renders and stores it; the Celery task
    ``send_outbound_email`` claims it, hands it to Django's mail backend and records the outcome.
    The bodies are cleared once the message is sent, because they may carry one-time links.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="outbound_emails")
    kind = models.CharField(
        max_length=50, help_text=_("What the e-mail is for, such as staff_invitation.")
    )
    to = models.EmailField("to address")
    subject = models.CharField(max_length=255)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(
        max_length=100, blank=True, help_text=_("The error's kind and code only, never its text.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(
        default=timezone.now,
        help_text=_("When the row is due; a queued or sending row long past it is re-enqueued."),
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["practice", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} e-mail {self.pk} ({self.status})"
