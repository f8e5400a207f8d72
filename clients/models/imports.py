"""Caseload imports: a CSV of clients uploaded by a member, previewed, then saved.

The job is a row first (``clients/imports/jobs.py`` has the operations): the uploaded file lives
in the default storage under ``file_name``, never in a process's memory between requests, and
the row says how far the import has got. Large files are saved by a Celery task that gets only
the row's id; the beat sweeper re-enqueues a row whose message or worker was lost.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clients.models.records import _acting
from practice.acting import acting_membership
from practice.models import Practice


class ClientImportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An import is its requester's own work: they see their imports in the practice they
        act under; nobody else does (404), owners included, as with API tokens."""
        membership = acting_membership(user)
        if not _acting(user, membership):
            return self.none()
        return self.filter(practice_id=membership.practice_id, requested_by=user)


class ClientImport(models.Model):
    """One uploaded CSV of clients.

    ``status`` moves uploaded (previewed, nothing saved) -> queued -> running -> done or failed;
    a small file goes from uploaded straight to done in the confirming request. ``saved_rows``
    is the cursor of the background import: rows up to it are saved, each chunk committed
    together with the cursor, so a resumed import never saves a row twice.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Waiting for confirmation")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    UNFINISHED = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="client_imports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    file_name = models.CharField(
        max_length=255, blank=True, help_text=_("Name in default storage.")
    )
    total_rows = models.PositiveIntegerField(default=0)
    saved_rows = models.PositiveIntegerField(
        default=0, help_text=_("Rows of the file dealt with so far (the background cursor).")
    )
    created_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list,
        blank=True,
        help_text=_("The first rows refused: [{row, messages}], never the rows' values."),
    )
    error_message = models.CharField(
        max_length=300, blank=True, help_text=_("Why the whole import failed; safe to show.")
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("A running row past this belonged to a worker that died."),
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ClientImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "queued_at"]),
            models.Index(fields=["requested_by", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(saved_rows__lte=models.F("total_rows")),
                name="client_import_cursor_within_file",
            )
        ]

    def __str__(self) -> str:
        return f"Client import {self.pk} ({self.status})"

    @property
    def progress(self) -> int:
        """Percent of the file dealt with."""
        if self.status == self.Status.DONE:
            return 100
        return self.saved_rows * 100 // self.total_rows if self.total_rows else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
