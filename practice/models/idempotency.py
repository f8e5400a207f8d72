"""``Idempotency-Key``: the first answer to an API create, kept for a day so a retried request
(the network dropped the answer) gets it again instead of creating twice. Used by
``practice.idempotency``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """One key a user sent with a POST: what the request was (a hash of its method, path,
    practice and body) and the answer it got. Kept in the database, so every web process sees
    it; rows older than ``practice.idempotency.KEEP_FOR`` are ignored and purged."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(
        max_length=64, help_text=_("SHA-256 of the request it came with.")
    )
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_idempotency_key_per_user")
        ]

    def __str__(self) -> str:
        return f"Idempotency key {self.pk}"
