"""The caseload dashboard's precomputed rows."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from practice.models.practices import Practice

# --- The caseload dashboard's precomputed rows (practice/dashboard/progress.py keeps them) ---------------


class ProgressChange(models.TextChoices):
    """A client's change since baseline, across every scored instrument they answered: the worst
    reliable change wins, so a deterioration anywhere is never hidden by an improvement."""

    DETERIORATED = "deteriorated", _("Deteriorated")
    IMPROVED = "improved", _("Improved")
    NO_CHANGE = "no_change", _("No reliable change")
    NOT_AVAILABLE = "not_available", _("Reliable change not available")
    NOT_COMPARED = "", _("Not compared yet")


class ClientProgress(models.Model):
    """One row per client with what the caseload dashboard shows, so the dashboard reads rows
    instead of scoring: the latest attachment result, change since baseline with its reliable-
    change label, earned security, open alerts, due and overdue questionnaires, last session.

    ``practice.dashboard.progress.refresh_client_progress`` rewrites the row in the same transaction as
    each event that changes it (a response submitted, an alert raised or acknowledged, a
    questionnaire scheduled, sent, expired or revoked, a session note written); the
    ``rebuild_progress`` command recomputes every row from scratch with the same code.
    """

    client = models.OneToOneField(
        "clients.Client", primary_key=True, on_delete=models.CASCADE, related_name="progress"
    )
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    attachment_instrument = models.ForeignKey(
        "assessments.Instrument",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The attachment instrument answered most recently."),
    )
    attachment_at = models.DateTimeField(null=True, blank=True)
    style = models.CharField(
        max_length=24, blank=True, help_text=_("Quadrant of the latest attachment result, if any.")
    )
    anxiety = models.FloatField(null=True, blank=True)
    avoidance = models.FloatField(null=True, blank=True)
    anxiety_change = models.CharField(max_length=40, blank=True)
    avoidance_change = models.CharField(max_length=40, blank=True)
    earned_security = models.CharField(
        max_length=20, blank=True, help_text=_("earned, quadrant_move_only, not_earned or empty.")
    )
    earned_security_since = models.DateTimeField(
        null=True, blank=True, help_text=_("The administration from which earned security holds.")
    )
    change = models.CharField(
        max_length=16,
        choices=ProgressChange.choices,
        blank=True,
        default=ProgressChange.NOT_COMPARED,
    )
    changes = models.JSONField(
        default=list, blank=True, help_text=_("Per instrument: its name and each subscale's label.")
    )
    baselines = models.JSONField(
        default=dict, blank=True, help_text=_("Instrument id to baseline response id.")
    )
    glance = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            "What the dashboard's compact row draws: per outcome measure its last few "
            "scores with their bands (chip and sparkline), and the attachment plane's range."
        ),
    )
    responses = models.PositiveIntegerField(default=0)
    open_alerts = models.PositiveIntegerField(default=0)
    oldest_open_alert_at = models.DateTimeField(null=True, blank=True)
    next_due_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the next scheduled questionnaire is sent.")
    )
    awaiting_since = models.DateTimeField(
        null=True, blank=True, help_text=_("When the oldest unanswered open link was sent.")
    )
    link_expires_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the first open link stops working.")
    )
    missed_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the first link to expire unanswered since the last answer expired."),
    )
    last_completed_at = models.DateTimeField(null=True, blank=True)
    last_session_at = models.DateTimeField(null=True, blank=True)
    counted = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            "Where the owners' overview counts this client (PracticeOverview): the "
            "clinician, the days of the last completed questionnaire and of earned security and "
            "the change; empty when not counted (discharged, or never assessed)."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["practice", "change"]),
            models.Index(fields=["practice", "earned_security_since"]),
            models.Index(fields=["practice", "last_completed_at"]),
            # The dashboard's sorts by next due and last session read their page from these
            # (and by last completed from the one above) instead of sorting the caseload.
            models.Index(fields=["practice", "next_due_at"], name="progress_next_due"),
            models.Index(fields=["practice", "last_session_at"], name="progress_last_session"),
        ]

    def __str__(self) -> str:
        return f"Progress of client {self.client_id}"


class PracticeBaselineScores(models.Model):
    """Every client's baseline score on each subscale of one instrument in one practice: the
    sample reliable change takes the practice's own SD from (assessments/README.md). Kept in
    step with submissions by ``practice.dashboard.progress``, so no page reads every client's baseline."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    instrument = models.ForeignKey(
        "assessments.Instrument", on_delete=models.CASCADE, related_name="+"
    )
    scores = models.JSONField(default=dict, help_text=_("Subscale key to a list of scores."))
    spread = models.JSONField(
        default=dict,
        help_text=_(
            "Subscale key to the sample's size and SD ({'n', 'sd'}), derived from scores "
            "whenever they are saved (practice.dashboard.progress.update_baseline_sample): what "
            "pages read, so they never load the whole sample."
        ),
    )
    clients = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "instrument"], name="one_baseline_sample_per_instrument"
            )
        ]

    def __str__(self) -> str:
        return f"Baselines of {self.instrument_id} in practice {self.practice_id}"


class PracticeOverview(models.Model):
    """The owners' overview as counts per practice, clinician and day, so the dashboard sums a
    few rows instead of counting every client (``practice.dashboard.overview_counts``).

    Each active client with a progress row adds one to the change column of the (UTC) day of
    their last completed questionnaire, and one to ``earned`` on the day earned security holds
    from. ``ClientProgress.counted`` says where a client is counted, so every event applies
    the difference; the rebuild recounts from the progress rows."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    improved = models.IntegerField(default=0)
    no_change = models.IntegerField(default=0)
    deteriorated = models.IntegerField(default=0)
    not_available = models.IntegerField(default=0)
    not_compared = models.IntegerField(default=0)
    earned = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "clinician", "day"], name="one_overview_row_per_day"
            )
        ]
        indexes = [models.Index(fields=["practice", "day"])]

    def __str__(self) -> str:
        return f"Overview of practice {self.practice_id} on {self.day}"
