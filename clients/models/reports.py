"""PDF reports about clients, and the batches an owner requests for many clients at once."""

import re
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models.records import Client, ClientRowsQuerySet, _acting
from practice.acting import acting_membership
from practice.models import Practice, Role

# --- Reports ---------------------------------------------------------------------------------
# Operations on reports live in clients/reports/services.py; the Celery task only calls them.
# A report is a row first: the row, never the broker, decides what still has to be rendered.


class ReportQuerySet(ClientRowsQuerySet):
    def unfinished(self):
        return self.filter(status__in=Report.UNFINISHED)


class ReportBatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Batches are an owners' tool: the owners of the practice ``user`` acts under see its
        batches; everybody else, and every other practice, sees none."""
        membership = acting_membership(user)
        if not _acting(user, membership) or membership.role != Role.OWNER:
            return self.none()
        return self.filter(practice_id=membership.practice_id)


class ReportBatch(models.Model):
    """Reports an owner requested for many clients at once; progress is counted from them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="report_batches")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    scope = models.CharField(
        max_length=200, help_text=_("Which clients, in words, e.g. 'Active clients of Bob'.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Set when no report of the batch is waiting any more.")
    )
    seen_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the requester saw the finished batch.")
    )

    objects = ReportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_by", "finished_at", "seen_at"])]

    def __str__(self) -> str:
        return f"Report batch {self.pk}"


_UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def safe_file_name(text: str, limit: int = 80) -> str:
    """``text`` without the characters file systems refuse (and control characters), with
    spaces collapsed, at most ``limit`` characters; "report" when nothing is left."""
    cleaned = " ".join(_UNSAFE_IN_FILE_NAMES.sub(" ", text).split())[:limit].strip(" .")
    return cleaned or "report"


class Report(models.Model):
    """A PDF report about one client: requested on a page or the API, rendered by a worker.

    ``status`` moves queued -> rendering -> ready or failed; the sweeper puts a row whose worker
    vanished back to queued; a ready report's file is deleted after the practice's retention and
    the row becomes expired. The file lives in the default storage under ``file_name`` and is
    only ever served by the audited download view, never by a media URL.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    class Audience(models.TextChoices):
        CLINICAL = "clinical", _("Clinical record")
        CLIENT = "client", _("Client-friendly")

    UNFINISHED = (Status.QUEUED, Status.RENDERING)
    FINISHED = (Status.READY, Status.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="reports")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="reports")
    batch = models.ForeignKey(
        ReportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.CLINICAL)
    period_start = models.DateField()
    period_end = models.DateField()
    instruments = models.JSONField(
        default=list, blank=True, help_text=_("Instrument codes; empty means every one with data.")
    )
    include_notes = models.BooleanField(
        default=False, help_text=_("Session-note summaries (clinical record only).")
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text=_("Percent, 0-100."))
    error_message = models.CharField(
        max_length=300, blank=True, help_text=_("Safe to show: never clinical content.")
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(
        default=timezone.now,
        help_text=_("When a queued row is due; one long past it lost its message."),
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("A rendering row past this belonged to a worker that died."),
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    page_count = models.PositiveSmallIntegerField(null=True, blank=True)
    seen_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the requester saw the finished report.")
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-requested_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["status", "lease_expires_at"]),
            models.Index(fields=["status", "finished_at"]),
            models.Index(fields=["requested_by", "status", "seen_at"]),
            models.Index(fields=["batch", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")), name="report_period_in_order"
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="report_progress_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} ({self.status})"

    @property
    def short_id(self) -> str:
        return self.pk.hex[:8]

    @property
    def download_name(self) -> str:
        """The file name a browser saves, one a person can file: whose report, for whom and up
        to which day ("Erin Fictional - clinical report - 2026-12-06.pdf"). It is sent only in
        the download's header to someone allowed to read the report, never in a URL or a log."""
        audience = "client-friendly" if self.audience == self.Audience.CLIENT else "clinical"
        return (
            f"{safe_file_name(self.client.full_name)} - {audience} report"
            f" - {self.period_end:%Y-%m-%d}.pdf"
        )

    @property
    def is_finished(self) -> bool:
        return self.status not in self.UNFINISHED

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def can_retry(self) -> bool:
        return self.status in (self.Status.FAILED, self.Status.EXPIRED)

    @property
    def expires_at(self):
        """When the file is deleted, by the practice's current retention."""
        if self.status != self.Status.READY or self.finished_at is None:
            return None
        return self.finished_at + timedelta(days=self.practice.report_retention_days)
