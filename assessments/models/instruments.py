"""Instruments and their immutable versions, licence acknowledgements, and the numbers a
practice enters (with citations) for classification and reliable change.

The definition itself is data (``assessments/instruments/*.yaml``, read by
``assessments/loader.py``); these models store what was loaded, so a response can keep the exact
version it was answered on.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from practice.models import Practice


class InstrumentQuerySet(models.QuerySet):
    def available_to(self, practice: Practice | None):
        """The one scoping entry point: the shipped library plus ``practice``'s own custom
        instruments. Another practice's custom instruments are simply not there (404)."""
        if practice is None:
            return self.none()
        return self.filter(Q(practice__isnull=True) | Q(practice=practice), is_active=True)

    def shipped(self):
        return self.filter(practice__isnull=True, is_active=True)

    def with_acknowledgement(self, practice: Practice):
        """Annotate ``licence_acknowledged``: an owner of ``practice`` acknowledged the licence
        note of the instrument's current version."""
        acknowledged = LicenceAcknowledgement.objects.filter(
            practice=practice,
            instrument=OuterRef("pk"),
            licence_hash=OuterRef("current_version__licence_hash"),
        )
        return self.annotate(licence_acknowledged=Exists(acknowledged))

    def usable_in(self, practice: Practice | None):
        """Available to ``practice`` and cleared for use by its owner's acknowledgement."""
        if practice is None:
            return self.none()
        return (
            self.available_to(practice)
            .with_acknowledgement(practice)
            .filter(licence_acknowledged=True)
        )


class Instrument(models.Model):
    """A questionnaire: shipped with Attune (``practice`` empty) or a practice's own upload."""

    code = models.SlugField(max_length=40)
    practice = models.ForeignKey(
        Practice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="custom_instruments",
        help_text=_("Empty for the shipped library; the owning practice for a custom instrument."),
    )
    name = models.CharField(max_length=200)
    family = models.CharField(
        max_length=40, blank=True, help_text=_("Set when one file defines several domains.")
    )
    current_version = models.ForeignKey(
        "InstrumentVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(
        default=True, help_text=_("False once a shipped file leaves the library; versions stay.")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        ordering = ["name", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(practice__isnull=True),
                name="unique_shipped_instrument_code",
            ),
            models.UniqueConstraint(
                fields=["practice", "code"],
                condition=Q(practice__isnull=False),
                name="unique_custom_instrument_code_per_practice",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_custom(self) -> bool:
        return self.practice_id is not None

    @property
    def definition(self) -> dict:
        return self.current_version.definition


class InstrumentVersion(models.Model):
    """One exact definition of an instrument. Never changed: a changed file is a new version, and
    a response keeps the version it was answered on."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    label = models.CharField(max_length=40, help_text=_("The version the file gives itself."))
    definition = models.JSONField()
    content_hash = models.CharField(max_length=64)
    licence_hash = models.CharField(max_length=64)
    source_name = models.CharField(max_length=255, help_text=_("The file it was loaded from."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["instrument", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="unique_version_number"),
            models.UniqueConstraint(
                fields=["instrument", "content_hash"], name="unique_version_content"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("An instrument version is immutable; load a new version.")
        super().save(*args, **kwargs)


class LicenceAcknowledgement(models.Model):
    """An owner acknowledged an instrument's licence note for the practice. Tied to the note's
    hash: a version with a changed note needs acknowledging again."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="licence_acknowledgements"
    )
    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    licence_hash = models.CharField(max_length=64)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_by_email = models.EmailField(blank=True)
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "instrument", "licence_hash"],
                name="one_acknowledgement_per_licence_note",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code} licence acknowledged for practice {self.practice_id}"


class ClassificationRule(models.TextChoices):
    DEFAULT = "", _("The instrument's default rule")
    MIDPOINT = "midpoint", _("Scale midpoint")
    NORM = "norm", _("Norm means (needs cited norms)")


class PracticeInstrumentSettings(models.Model):
    """How one practice classifies and judges change on one instrument. Empty fields mean
    "as the instrument file says"."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="instrument_settings"
    )
    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="practice_settings"
    )
    classification_rule = models.CharField(
        max_length=10, choices=ClassificationRule.choices, blank=True, default=""
    )
    rci_critical_value = models.DecimalField(
        "reliable change critical value",
        max_digits=5,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.5)],
        help_text=_(
            "|RCI| above this is reliable change. Leave empty for the file's value (1.96)."
        ),
    )
    min_baselines = models.PositiveSmallIntegerField(
        "baselines needed for the practice's own SD",
        null=True,
        blank=True,
        validators=[MinValueValidator(2)],
        help_text=_("Leave empty for the file's value."),
    )
    pattern_names_for_clients = models.BooleanField(
        "name attachment patterns in client reports",
        default=False,
        help_text=_(
            "Client-friendly reports explain each pattern in plain words; with this on "
            "they also give its name (for example 'Secure'), always beside what it means."
        ),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "instrument"], name="one_settings_row_per_instrument"
            )
        ]

    def __str__(self) -> str:
        return f"Settings for {self.instrument.code} in practice {self.practice_id}"


class CitedValueKind(models.TextChoices):
    RELIABILITY = "reliability", _("Reliability coefficient")
    SD = "sd", _("Standard deviation")
    NORM_MEAN = "norm_mean", _("Norm mean (for the norm-based split)")


class PracticeCitedValue(models.Model):
    """A number a practice enters for one subscale, always with its citation. These come first
    when reliable change and the norm-based split look for their numbers."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="cited_values")
    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="cited_values"
    )
    subscale = models.CharField(max_length=40)
    kind = models.CharField(max_length=12, choices=CitedValueKind.choices)
    value = models.DecimalField(max_digits=10, decimal_places=4)
    citation = models.TextField(help_text=_("Where the number comes from: authors, year, table."))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["instrument", "subscale", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "instrument", "subscale", "kind"],
                name="one_cited_value_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code} {self.subscale} {self.kind} = {self.value}"

    def clean(self):
        if not (self.citation or "").strip():
            raise ValidationError({"citation": gettext("Give the source of this number.")})
        if self.value is None:
            return
        if self.kind == CitedValueKind.RELIABILITY and not 0 < self.value < 1:
            raise ValidationError(
                {"value": gettext("A reliability coefficient lies between 0 and 1.")}
            )
        if self.kind == CitedValueKind.SD and self.value <= 0:
            raise ValidationError({"value": gettext("A standard deviation must be above 0.")})
