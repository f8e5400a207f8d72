"""Webhooks: the endpoints a practice's owners register, and each event's delivery to one of
them, kept as rows with every attempt (``practice/webhooks.py`` writes and sends them)."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practice.models.practices import Practice
from practice.models.users import User


class WebhookEvent(models.TextChoices):
    """What a practice can be told about. Payloads carry ids and timestamps only."""

    QUESTIONNAIRE_COMPLETED = "questionnaire.completed", _("A questionnaire was completed")
    ALERT_RAISED = "alert.raised", _("An alert was raised")
    ALERT_ACKNOWLEDGED = "alert.acknowledged", _("An alert was acknowledged")
    REPORT_READY = "report.ready", _("A report is ready")
    EXPORT_READY = "export.ready", _("An export is ready")


class WebhookEndpoint(models.Model):
    """An HTTPS address of the practice's own systems that receives the events it chose.

    The secret signs every delivery (``Attune-Signature``); it is kept as it is, because
    signing needs it, and shown only to the practice's owners when they ask."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField("URL", max_length=500)
    description = models.CharField(
        max_length=100, blank=True, help_text=_("What receives these events, to tell them apart.")
    )
    events = models.JSONField(default=list, help_text=_("The event types sent to this endpoint."))
    secret = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(
        "active", default=True, help_text=_("Turned off, the endpoint is sent nothing.")
    )
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Webhook endpoint {self.pk}"

    def get_events_display(self) -> list[str]:
        labels = dict(WebhookEvent.choices)
        return [str(labels.get(event, event)) for event in self.events]


class WebhookDelivery(models.Model):
    """One event for one endpoint: the exact body sent, where it stands, and its attempts.

    ``event_id`` is the event's id, the same for every endpoint and for a delivery sent again,
    so a receiver can drop what it has already handled."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=32, choices=WebhookEvent.choices)
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    payload = models.JSONField(help_text=_("The body sent: event type, ids and timestamps only."))
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        default=timezone.now,
        help_text=_("When the row is due; a queued or sending row long past it is re-enqueued."),
    )
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=100, blank=True)
    resent_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} delivery {self.pk} ({self.status})"


class WebhookAttempt(models.Model):
    """One try at sending a delivery: the receiver's status code or the network error, and at
    most a short excerpt of its answer (never stored whole)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveSmallIntegerField()
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=100, blank=True)
    response_excerpt = models.CharField(max_length=200, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self) -> str:
        return f"Attempt {self.number} of delivery {self.delivery_id}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
