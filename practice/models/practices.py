"""Practices (tenants) and their settings, with the validators and limits those settings use."""

import functools
import zoneinfo
from importlib import resources
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _


@functools.cache
def known_time_zones() -> frozenset[str]:
    """The IANA names the system knows. Read once per process: the scan of the zone files
    takes tens of milliseconds, too slow for every row of a 10,000-row import."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in known_time_zones():
        raise ValidationError(
            gettext("%(zone)s is not a known time zone (for example Europe/London).")
            % {"zone": repr(value)}
        )


# The areas of the zones people live in. Everything else the system lists is a legacy or alias
# name (US/Eastern, W-SU, GB), a fixed offset (Etc/GMT+5) or a file (Factory, localtime).
_AREAS = (
    "Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/", "Australia/",
    "Europe/", "Indian/", "Pacific/",
)  # fmt: skip


def _zone_tab() -> str:
    """The tz database's zone.tab (its canonical zones, one or more per country), from the
    system's zone files or the tzdata package; empty if neither has it."""
    for directory in zoneinfo.TZPATH:
        try:
            return (Path(directory) / "zone.tab").read_text(encoding="utf-8")
        except OSError:
            continue
    try:
        return resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        return ""


@functools.cache
def listed_time_zones() -> tuple[str, ...]:
    """The zones a person chooses from, sorted: the canonical Area/City names of zone.tab (no
    alias such as Asia/Calcutta or US/Eastern, no Factory, localtime or W-SU) and UTC. Stored
    values stay any known zone (``validate_time_zone``); forms add the one already chosen."""
    rows = (line.split("\t") for line in _zone_tab().splitlines() if not line.startswith("#"))
    names = {row[2] for row in rows if len(row) > 2} or known_time_zones()
    names = {name for name in names & known_time_zones() if name.startswith(_AREAS)}
    return tuple(sorted(names | ({"UTC"} & known_time_zones())))


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(known_time_zones())]


QUESTIONNAIRE_LINK_MAX_DAYS = 60
QUESTIONNAIRE_MAX_REMINDERS = 5


def default_reminder_days() -> list[int]:
    return [2, 5]


def validate_reminder_days(value) -> None:
    """Whole days after sending, each from 1 to 59, in increasing order, at most five."""
    if not isinstance(value, list) or any(
        isinstance(day, bool) or not isinstance(day, int) for day in value
    ):
        raise ValidationError(gettext("Give reminder days as whole numbers, for example 2, 5."))
    if len(value) > QUESTIONNAIRE_MAX_REMINDERS:
        raise ValidationError(
            ngettext(
                "At most %(count)s reminder.",
                "At most %(count)s reminders.",
                QUESTIONNAIRE_MAX_REMINDERS,
            )
            % {"count": QUESTIONNAIRE_MAX_REMINDERS}
        )
    if any(not 1 <= day < QUESTIONNAIRE_LINK_MAX_DAYS for day in value):
        raise ValidationError(
            gettext("Each reminder day must be from 1 to %(last)s.")
            % {"last": QUESTIONNAIRE_LINK_MAX_DAYS - 1}
        )
    if value != sorted(set(value)):
        raise ValidationError(gettext("List each reminder day once, in increasing order."))


REPORT_RETENTION_MAX_DAYS = 365


class PaperSize(models.TextChoices):
    A4 = "A4", _("A4")
    LETTER = "Letter", _("US Letter")


class Practice(models.Model):
    """The tenant: every record that holds client data reaches one of these."""

    name = models.CharField(max_length=200)
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_(
            "The language new clients get: their questionnaire pages and e-mails are in it "
            "unless you choose another for a client."
        ),
    )
    report_letterhead = models.TextField(
        blank=True, max_length=1000, help_text=_("Address and contact lines printed on reports.")
    )
    brand_colour = models.CharField(
        max_length=7,
        default="#2f5d62",
        help_text=_("Accent colour for reports, as #rrggbb."),
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #2f5d62.")],
    )
    paper_size = models.CharField(max_length=6, choices=PaperSize.choices, default=PaperSize.A4)
    report_retention_days = models.PositiveSmallIntegerField(
        "keep generated reports for (days)",
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(REPORT_RETENTION_MAX_DAYS)],
        help_text=_(
            "PDF reports are deleted this many days after they are ready; a shorter period "
            "also applies to reports already made. They can be generated again."
        ),
    )
    require_mfa = models.BooleanField(
        default=False, help_text=_("Every member must set up two-factor authentication.")
    )
    questionnaire_link_days = models.PositiveSmallIntegerField(
        "questionnaire links valid for (days)",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(QUESTIONNAIRE_LINK_MAX_DAYS)],
        help_text=_("How long a client's questionnaire link works after it is sent."),
    )
    questionnaire_reminder_days = models.JSONField(
        "questionnaire reminders (days after sending)",
        default=default_reminder_days,
        blank=True,
        validators=[validate_reminder_days],
        help_text=_("Days after sending when an unfinished questionnaire link is sent again."),
    )
    progress_rebuild_requested_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "A rebuild of every dashboard row is wanted (practice.dashboard.progress); cleared when "
            "one finishes, swept if its message was lost."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        days = self.questionnaire_reminder_days or []
        link_days = self.questionnaire_link_days
        if link_days and any(isinstance(d, int) and d >= link_days for d in days):
            raise ValidationError(
                {
                    "questionnaire_reminder_days": (
                        gettext("Reminders must come before the link expires (day %(day)s).")
                        % {"day": link_days}
                    )
                }
            )
