"""Episodes of care: a client's courses of therapy, each with a start, an end and why it ended.

A client's current episode is their latest one (open while they are active). Discharge ends it;
reactivation starts a new one or resumes the last, the clinician's choice
(``clients.services``). Baselines, change since baseline, reliable change and earned security
are judged within an episode (``assessments.trajectory``), which takes the episodes' starts as
an argument: ``episode_starts``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from practice.models import Practice

from .records import Client, ClientRowsQuerySet


class EndReason(models.TextChoices):
    """Why an episode of care ended, asked for at discharge."""

    COMPLETED = "completed", _("Therapy completed")
    CLIENT_ENDED = "client_ended", _("The client chose to end")
    REFERRED = "referred", _("Referred elsewhere")
    LOST_CONTACT = "lost_contact", _("Lost contact")
    OTHER = "other", _("Other")


class EpisodeQuerySet(ClientRowsQuerySet):
    pass


class Episode(models.Model):
    """One course of care of one client: from ``started_at`` to ``ended_at`` (open while
    ``ended_at`` is null). Episodes of a client never overlap; the latest is the current one."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="episodes")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(
        max_length=20,
        choices=EndReason.choices,
        blank=True,
        help_text=_(
            "Why the episode ended; blank while open, or when not recorded (an episode "
            "ended before episodes were kept)."
        ),
    )
    resumed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the episode was last resumed after a discharge.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["client", "started_at", "pk"]
        verbose_name = "episode of care"
        verbose_name_plural = "episodes of care"
        indexes = [models.Index(fields=["client", "started_at"])]

    def __str__(self) -> str:
        return f"Episode of client {self.client_id} from {self.started_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


def episode_starts(episodes) -> list:
    """The starts of ``episodes`` (one client's), oldest first: what trajectories take to judge
    each administration within its episode."""
    return sorted(episode.started_at for episode in episodes)
