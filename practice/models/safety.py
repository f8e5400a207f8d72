"""A practice's safety settings: what a client who answers a critical item sees on the page
after submitting (the practice's own wording, phone, hours, what to do out of hours, and the
national crisis lines it chose from ``practice/crisis_lines.yaml``), and who hears of an alert
left unacknowledged too long (``escalation_hours``; the safety lead, else the owners).

One row per practice, made when an owner first saves the safety settings; until then
``SafetySettings.for_practice`` gives the defaults, unsaved."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from practice.models.practices import Practice

ESCALATION_MAX_HOURS = 168
PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ()./-]+$")
PHONE_REFUSED = (
    "Enter the phone number only, in digits (for example 01632 960 000 or +44 1632 960000): "
    "a client taps it to call. Say when it is answered under its hours."
)


def phone_digits(phone: str) -> str:
    """What a ``tel:`` link dials: the digits and a leading plus, or "" when ``phone`` is not a
    number one can dial (so no link is offered)."""
    dialled = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return dialled if PHONE_CHARACTERS.match(phone.strip()) and len(dialled) >= 3 else ""


class SafetySettings(models.Model):
    practice = models.OneToOneField(
        Practice, on_delete=models.CASCADE, primary_key=True, related_name="safety_settings"
    )
    crisis_wording = models.TextField(
        blank=True,
        max_length=2000,
        help_text=_("What you want a client to read first, in your own words."),
    )
    phone = models.CharField(max_length=40, blank=True, help_text=_("The practice's phone number."))
    hours = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("When the phone is answered, for example Monday to Friday, 9:00 to 17:00."),
    )
    out_of_hours = models.TextField(
        blank=True,
        max_length=1000,
        help_text=_("What a client should do when the practice is closed."),
    )
    crisis_lines = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Keys of the national crisis lines shown (practice/crisis_lines.yaml)."),
    )
    escalation_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(ESCALATION_MAX_HOURS)],
        help_text=_(
            "Hours an alert may stay unacknowledged before the safety lead (or the owners) "
            "are told."
        ),
    )
    safety_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Told of overdue alerts instead of the owners while an active member."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "safety settings"

    def __str__(self) -> str:
        return f"Safety settings of practice {self.practice_id}"

    def clean(self) -> None:
        """The phone is a number a client's phone can dial from the crisis page's link."""
        super().clean()
        if self.phone.strip() and not phone_digits(self.phone):
            raise ValidationError({"phone": PHONE_REFUSED})

    @classmethod
    def for_practice(cls, practice: Practice) -> "SafetySettings":
        """The practice's saved settings, or the defaults (unsaved) when it has none."""
        found = cls.objects.filter(practice=practice).first()
        return found or cls(practice=practice)
