"""Forms for the instrument pages: upload, licence acknowledgement, the practice's numbers."""

from decimal import Decimal

from django import forms

from assessments.loader import MAX_FILE_BYTES
from assessments.models import CitedValueKind, ClassificationRule


class InstrumentUploadForm(forms.Form):
    file = forms.FileField(
        label="Definition file",
        help_text=(
            "A .yaml, .yml or .json file in the same format as the shipped instruments "
            f"(at most {MAX_FILE_BYTES // 1024} KB). Add only instruments your practice holds "
            "the rights to."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml,.json"}),
    )


class LicenceAcknowledgementForm(forms.Form):
    confirm = forms.BooleanField(
        label="I have read the licence note, and our practice may use this instrument under it.",
        error_messages={"required": "Tick the box to confirm you have read the licence note."},
    )


_KIND_LABELS = {
    CitedValueKind.RELIABILITY: "Reliability coefficient (0 to 1, test-retest preferred)",
    CitedValueKind.SD: "Standard deviation, on this subscale's score metric",
    CitedValueKind.NORM_MEAN: "Norm mean, for the norm-based split",
}


class PracticeNumbersForm(forms.Form):
    """The practice's classification rule and cited numbers for one instrument. Every number
    needs its citation; an empty number removes it."""

    classification_rule = forms.ChoiceField(
        label="Style classification rule",
        choices=ClassificationRule.choices,
        required=False,
        help_text="The norm-based rule needs a cited norm mean for anxiety and for avoidance.",
    )
    rci_critical_value = forms.DecimalField(
        label="Reliable change critical value",
        required=False,
        min_value=Decimal("0.5"),
        max_digits=5,
        decimal_places=3,
        help_text="|RCI| above this counts as reliable. Leave empty for the instrument's value.",
    )
    min_baselines = forms.IntegerField(
        label="Baselines needed before the practice's own SD is used",
        required=False,
        min_value=2,
        max_value=100000,
        help_text="Leave empty for the instrument's value.",
    )

    def __init__(self, *args, definition: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups: list[tuple[str, list[tuple[str, str]]]] = []
        classification = definition.get("classification") or {}
        dimensions = set()
        if classification.get("method") == "quadrant":
            dimensions = set(classification["dimensions"].values())
        else:
            del self.fields["classification_rule"]
        for subscale in definition.get("scoring", {}).get("subscales", []):
            kinds = [CitedValueKind.RELIABILITY, CitedValueKind.SD]
            if subscale["key"] in dimensions:
                kinds.append(CitedValueKind.NORM_MEAN)
            pairs = []
            for kind in kinds:
                name = f"{subscale['key']}__{kind}"
                self.fields[name] = forms.DecimalField(
                    label=_KIND_LABELS[kind], required=False, max_digits=10, decimal_places=4
                )
                self.fields[f"{name}__citation"] = forms.CharField(
                    label="Citation",
                    required=False,
                    max_length=1000,
                    help_text="Authors, year, journal, and the table or page.",
                )
                pairs.append((name, f"{name}__citation"))
            self.groups.append((subscale["label"], pairs))

    def grouped_fields(self):
        """For the template: one fieldset per subscale, one value/citation pair per number."""
        return [
            (label, [(self[value], self[citation]) for value, citation in pairs])
            for label, pairs in self.groups
        ]

    def clean(self):
        cleaned = super().clean()
        for _, pairs in self.groups:
            for value_name, citation_name in pairs:
                value = cleaned.get(value_name)
                citation = (cleaned.get(citation_name) or "").strip()
                if value is not None and not citation:
                    self.add_error(citation_name, "Give the source of this number.")
                if value is None and citation and value_name not in self.errors:
                    self.add_error(value_name, "Enter the number this citation supports.")
                if value is None:
                    continue
                if value_name.endswith(CitedValueKind.RELIABILITY) and not 0 < value < 1:
                    self.add_error(value_name, "A reliability coefficient lies between 0 and 1.")
                if value_name.endswith(f"__{CitedValueKind.SD}") and value <= 0:
                    self.add_error(value_name, "A standard deviation must be above 0.")
        return cleaned
