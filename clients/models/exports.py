"""Export jobs: a client's full record (right of access) or a whole practice's data, as one zip
built in the background. Operations live in ``clients/exports/services.py``; the Celery task only
calls them. A job is a row first: the row, never the broker, decides what still has to be built.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models.records import Client, _acting
from practice.acting import acting_membership
from practice.models import Practice, Role


class ExportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Jobs of the practice ``user`` acts under: owners see every one; clinicians see the
        client-record exports of clients they see (``Client.objects.visible_in``), never a
        practice export. Everybody else, and every other practice, sees none."""
        membership = acting_membership(user)
        if not _acting(user, membership):
            return self.none()
        jobs = self.filter(practice_id=membership.practice_id)
        if membership.role == Role.OWNER:
            return jobs
        return jobs.filter(
            kind=ExportJob.Kind.CLIENT,
            client__in=Client.objects.visible_in(user, membership).values("pk"),
        )

    def unfinished(self):
        return self.filter(status__in=ExportJob.UNFINISHED)


class ExportJob(models.Model):
    """One archive being built or ready: ``status`` moves queued -> running -> ready or failed;
    the sweeper puts a row whose worker vanished back to queued; a ready archive's file is
    deleted after the practice's report retention and the row becomes expired. The file lives
    in the default storage under ``file_name`` and is only served by the audited download views.
    """

    class Kind(models.TextChoices):
        CLIENT = "client", _("A client's full record")
        PRACTICE = "practice", _("The whole practice")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being built")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    UNFINISHED = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="export_jobs")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.PROTECT, related_name="export_jobs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
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
    lease_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("A running row past this belonged to a worker that died."),
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["status", "lease_expires_at"]),
            models.Index(fields=["status", "finished_at"]),
            models.Index(fields=["practice", "-requested_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="client") & Q(client__isnull=False))
                | (Q(kind="practice") & Q(client__isnull=True)),
                name="export_client_iff_client_kind",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="export_progress_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.status})"

    @property
    def short_id(self) -> str:
        return self.pk.hex[:8]

    @property
    def download_name(self) -> str:
        """The file name a browser saves: no client name, only the job's kind and short id."""
        return f"attune-{self.kind}-export-{self.short_id}.zip"

    @property
    def is_finished(self) -> bool:
        return self.status not in self.UNFINISHED

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def expires_at(self):
        """When the file is deleted: the practice's report retention, as for reports."""
        if self.status != self.Status.READY or self.finished_at is None:
            return None
        return self.finished_at + timedelta(days=self.practice.report_retention_days)
