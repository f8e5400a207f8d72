"""Submitted questionnaires, the per-client summaries kept in step with them, and the alerts
their rules raise. Operations live in ``assessments/services/responses.py``. Every one holds
client data and carries a direct ``practice`` for cheap scoping."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from assessments.models.instruments import Instrument, InstrumentVersion
from assessments.models.questionnaires import ClientScopedQuerySet, PacketItem
from practice.models import Practice


class Response(models.Model):
    """A submitted questionnaire: raw answers, the instrument version they were given on, and the
    engine's result, stored in the same transaction. Never changed afterwards.

    An online response belongs to the packet item the client answered; an imported one (answered
    in another system, ``source``) has no packet item and is dated when it was answered there."""

    class Source(models.TextChoices):
        ONLINE = "online", "Online questionnaire"
        FHIR = "fhir", "FHIR import"
        CSV = "csv", "CSV import"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="responses")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="responses")
    packet_item = models.OneToOneField(
        PacketItem, null=True, blank=True, on_delete=models.PROTECT, related_name="response"
    )
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.ONLINE)
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="responses")
    instrument_version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="responses"
    )
    answers = models.JSONField(help_text="Item number to answer, as the client gave them.")
    result = models.JSONField(help_text="The scoring engine's result.")
    status = models.CharField(max_length=12, help_text="The engine's status: complete/incomplete.")
    total = models.FloatField(null=True, blank=True)
    band = models.CharField(max_length=60, blank=True)
    scores = models.JSONField(
        default=dict, blank=True, help_text="Subscale key to {label, score, band}."
    )
    quadrant = models.CharField(max_length=24, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["client", "instrument", "-submitted_at"])]

    def __str__(self) -> str:
        return f"Response {self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("A submitted response is never changed.")
        super().save(*args, **kwargs)

    @property
    def style_label(self) -> str:
        style = (self.result or {}).get("style") or {}
        return style.get("label") or ""


class ClientInstrumentSummary(models.Model):
    """Per client and instrument: the baseline, previous and latest responses, kept in step with
    each submission so "latest scores per client" is one indexed read."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="instrument_summaries"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    baseline = models.ForeignKey(Response, null=True, on_delete=models.PROTECT, related_name="+")
    previous = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    latest = models.ForeignKey(Response, null=True, on_delete=models.PROTECT, related_name="+")
    responses_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["instrument__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "instrument"], name="one_summary_per_client_instrument"
            )
        ]

    def __str__(self) -> str:
        return f"Summary of {self.instrument_id} for {self.client_id}"


class AlertQuerySet(ClientScopedQuerySet):
    def open(self):
        return self.filter(acknowledged_at__isnull=True)


class Alert(models.Model):
    """An instrument's alert rule fired on a response. Visible until a clinician acknowledges it."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="alerts")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="alerts")
    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="alerts")
    rule_key = models.CharField(max_length=60)
    rule_label = models.CharField(max_length=200, help_text="The rule, e.g. Item 9 above 0.")
    guidance = models.TextField(blank=True, help_text="The instrument file's message.")
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    notice_email = models.ForeignKey(
        "practice.OutboundEmail",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["practice", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"Alert {self.pk} ({self.rule_key})"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
