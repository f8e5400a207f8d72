"""Submitted questionnaires, the per-client summaries kept in step with them, and the alerts
their rules raise. Operations live in ``assessments/services/responses.py``. Every one holds
client data and carries a direct ``practice`` for cheap scoping."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models.instruments import Instrument, InstrumentVersion
from assessments.models.questionnaires import ClientScopedQuerySet, PacketItem
from practice.models import Practice


class Response(models.Model):
    """A submitted questionnaire: raw answers, the instrument version they were given on, and the
    engine's result, stored in the same transaction. Never changed afterwards.

    An online response belongs to the packet item the client answered; an imported one (answered
    in another system, ``source``) has no packet item and is dated when it was answered there."""

    class Source(models.TextChoices):
        ONLINE = "online", _("Online questionnaire")
        FHIR = "fhir", _("FHIR import")
        CSV = "csv", _("CSV import")
        IN_SESSION = "in_session", _("Answered in session")

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
    answers = models.JSONField(help_text=_("Item number to answer, as the client gave them."))
    result = models.JSONField(help_text=_("The scoring engine's result."))
    status = models.CharField(
        max_length=12, help_text=_("The engine's status: complete/incomplete.")
    )
    total = models.FloatField(null=True, blank=True)
    band = models.CharField(max_length=60, blank=True)
    scores = models.JSONField(
        default=dict, blank=True, help_text=_("Subscale key to {label, score, band}.")
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


class AlertAction(models.TextChoices):
    """What the clinician did about an alert, asked for when acknowledging it."""

    CONTACTED_CLIENT = "contacted_client", _("Contacted the client")
    SAFETY_PLAN_REVIEWED = "safety_plan_reviewed", _("Reviewed the safety plan with the client")
    REFERRED = "referred", _("Referred the client on")
    OTHER = "other", _("Other (described in the note)")


class Alert(models.Model):
    """An instrument's alert rule fired on a response. Visible until a clinician acknowledges it."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="alerts")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="alerts")
    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="alerts")
    rule_key = models.CharField(max_length=60)
    rule_label = models.CharField(max_length=200, help_text=_("The rule, e.g. Item 9 above 0."))
    guidance = models.TextField(blank=True, help_text=_("The instrument file's message."))
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    action = models.CharField(
        max_length=24, choices=AlertAction.choices, blank=True, help_text=_("Action taken.")
    )
    action_note = models.TextField(blank=True, max_length=2000)
    escalated_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "When the alert, still open past the practice's escalation time, was passed "
            "to the safety lead or the owners (claimed with a compare-and-set: once)."
        ),
    )
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
        indexes = [
            models.Index(fields=["practice", "acknowledged_at"]),
            # The dashboard's open-alerts panel: the practice's open alerts newest first, read
            # in order with LIMIT however many clients the practice has (issue 17).
            models.Index(
                fields=["practice", "-raised_at", "-id"],
                condition=models.Q(acknowledged_at__isnull=True),
                name="alert_open_newest",
            ),
        ]

    def __str__(self) -> str:
        return f"Alert {self.pk} ({self.rule_key})"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None

    @property
    def is_overdue(self) -> bool:
        """Open and already escalated: past the practice's escalation time."""
        return self.is_open and self.escalated_at is not None

    @property
    def rule(self) -> dict:
        """The alert rule as the instrument version's file states it (``critical``, ``offer``)."""
        definition = self.response.instrument_version.definition
        return next((r for r in definition.get("alerts", []) if r["key"] == self.rule_key), {})

    @property
    def critical(self) -> bool:
        """The file marks the rule critical: the client was shown crisis resources."""
        return bool(self.rule.get("critical"))

    @property
    def action_text(self) -> str:
        """The action taken in words, with the note: "Referred the client on: to the GP"."""
        if not self.action:
            return ""
        label = self.get_action_display()
        if self.action == AlertAction.OTHER:
            label = "Other"
        return f"{label}: {self.action_note}" if self.action_note else label


class AlertEvent(models.Model):
    """One line of an alert's history: who was told and when, who acknowledged it and with what
    action. Append-only; the alert page lists them oldest first."""

    class Kind(models.TextChoices):
        NOTIFIED = "notified", _("Notice sent")
        ESCALATED = "escalated", _("Overdue notice sent")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Who was told (a notice) or who acknowledged."),
    )
    email = models.ForeignKey(
        "practice.OutboundEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=24, choices=AlertAction.choices, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Alert {self.alert_id}: {self.kind}"
