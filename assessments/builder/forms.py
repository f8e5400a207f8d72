"""The builder's forms: the instrument's fields, one formset per list (scale labels, items,
scores, bands, alerts, the tie-break item's answers) and the classification's form. Every field
is text, parsed by ``definition`` and ``rules``, so one list holds every problem at once."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms

BLANK_ROWS = 2


class InstrumentForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    code = forms.CharField(
        max_length=40,
        required=False,
        help_text="Lower case letters, digits and hyphens, for example my-check. "
        "Used in addresses; it cannot change later.",
    )
    short_name = forms.CharField(max_length=60, required=False, label="Short name (optional)")
    version = forms.CharField(
        max_length=40,
        required=False,
        initial="1",
        label="Version label",
        help_text="Your label for this edition; every saved change is numbered anyway.",
    )
    language = forms.CharField(max_length=20, required=False, initial="en")
    instructions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Instructions (optional)",
        help_text="What clients read before the first item.",
    )
    citation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Where the instrument is published: authors, year, title.",
    )
    licence_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Why your practice may use it. An owner acknowledges this before anyone can "
        "assign the instrument.",
    )
    scale_min = forms.CharField(max_length=10, required=False, label="Lowest answer", initial="0")
    scale_max = forms.CharField(max_length=10, required=False, label="Highest answer", initial="3")
    scale_anchors_only = forms.BooleanField(
        required=False,
        label="The publication labels only some points (its anchors)",
        help_text="Then label just those; clients answer the others by their number and are "
        "told which answers have words.",
    )


class ItemForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    optional = forms.BooleanField(required=False, label="Optional")
    reverse = forms.BooleanField(required=False, label="Reverse-keyed")


class ScaleLabelForm(forms.Form):
    value = forms.CharField(max_length=10, required=False, label="Answer")
    label = forms.CharField(max_length=200, required=False)


class SubscaleForm(forms.Form):
    key = forms.CharField(
        max_length=40, required=False, help_text="Lower case and underscores, e.g. strain."
    )
    label = forms.CharField(max_length=200, required=False, label="Name")
    method = forms.ChoiceField(
        choices=[("sum", "Sum"), ("mean", "Mean"), ("weighted", "Weighted (a formula)")],
        initial="sum",
        label="Sum, mean or weighted",
    )
    better = forms.ChoiceField(
        choices=[("lower", "Lower is better"), ("higher", "Higher is better")],
        initial="lower",
        label="Better when",
    )
    items = forms.CharField(
        max_length=400,
        required=False,
        label="Items (sum or mean)",
        help_text="Numbers, e.g. 1, 2, 4 or 1-4.",
    )
    weights = forms.CharField(
        max_length=400,
        required=False,
        label="Formula (weighted)",
        help_text="Item numbers added and taken away, e.g. (1 + 2) - (3 + 4); a weight goes "
        "before its item with *, e.g. 0.5 * 3. An item may appear in several formulas.",
    )
    max_missing = forms.CharField(
        max_length=10,
        required=False,
        label="Unanswered items allowed",
        help_text="Leave blank or 0 unless the authors allow some; the score then comes from "
        "the answered items.",
    )
    prorate = forms.BooleanField(
        required=False,
        label="Prorate: a mean of the answered items, or their sum scaled up to all items",
    )
    missing_source = forms.CharField(
        max_length=400, required=False, label="Source of the missing-answer rule"
    )
    bands_source = forms.CharField(
        max_length=400, required=False, label="Source of the bands (if it has bands)"
    )


class BandForm(forms.Form):
    subscale = forms.CharField(max_length=40, required=False, label="Score key")
    min = forms.CharField(max_length=10, required=False, label="From")
    max = forms.CharField(max_length=10, required=False, label="To")
    label = forms.CharField(max_length=200, required=False)


OPERATORS = [
    (">", "is above"),
    (">=", "is at or above"),
    ("<", "is below"),
    ("<=", "is at or below"),
    ("==", "equals"),
]


class AlertForm(forms.Form):
    item = forms.CharField(max_length=10, required=False, label="Item number")
    subscale = forms.CharField(
        max_length=40,
        required=False,
        label="or score key",
        help_text="An alert watches one item's answer or one score, not both.",
    )
    operator = forms.ChoiceField(
        choices=OPERATORS, initial=">", required=False, label="Alert when the answer or score"
    )
    value = forms.CharField(max_length=10, required=False, label="Value")
    message = forms.CharField(max_length=400, required=False, label="Message to the clinician")
    critical = forms.BooleanField(
        required=False, label="Safety item: show the client the crisis contacts"
    )


STYLE_CHOICES = [
    ("secure", "Secure"),
    ("anxious-preoccupied", "Anxious-preoccupied"),
    ("dismissive-avoidant", "Dismissive-avoidant"),
    ("fearful-avoidant", "Fearful-avoidant"),
]


class TieOptionForm(forms.Form):
    """One answer of the forced-choice item: its number, its label and the prototype it names."""

    value = forms.CharField(max_length=10, required=False, label="Answer")
    label = forms.CharField(max_length=200, required=False)
    style = forms.ChoiceField(choices=STYLE_CHOICES, required=False, label="Names the prototype")


class ClassificationForm(forms.Form):
    """An attachment style from the scores: by quadrant (two dimension scores split at a point)
    or by the highest of four prototype ratings, ties left unclassified or decided by a
    forced-choice item."""

    method = forms.ChoiceField(
        choices=[
            ("", "No style"),
            ("quadrant", "Quadrant: two dimension scores, each split at a point"),
            ("prototype", "Prototype: the highest of four prototype ratings"),
        ],
        required=False,
        label="Classification",
    )
    source = forms.CharField(
        max_length=400, required=False, label="Source of the rule and the style mapping"
    )
    anxiety = forms.CharField(max_length=40, required=False, label="Anxiety score key")
    avoidance = forms.CharField(max_length=40, required=False, label="Avoidance score key")
    anxiety_split = forms.CharField(max_length=10, required=False, label="Anxiety split point")
    avoidance_split = forms.CharField(
        max_length=10,
        required=False,
        label="Avoidance split point",
        help_text="The midpoint of each score's range, e.g. 4 on a 1 to 7 mean.",
    )
    split_source = forms.CharField(max_length=400, required=False, label="Source of the split")
    on_split = forms.ChoiceField(
        choices=[
            ("unclassified", "Unclassified"),
            ("low", "Counts as low"),
            ("high", "Counts as high"),
        ],
        initial="unclassified",
        required=False,
        label="A score exactly on the split point",
    )
    secure = forms.CharField(max_length=40, required=False, label="Secure rating: score key")
    anxious_preoccupied = forms.CharField(
        max_length=40, required=False, label="Anxious-preoccupied rating: score key"
    )
    dismissive_avoidant = forms.CharField(
        max_length=40, required=False, label="Dismissive-avoidant rating: score key"
    )
    fearful_avoidant = forms.CharField(
        max_length=40, required=False, label="Fearful-avoidant rating: score key"
    )
    on_tie = forms.ChoiceField(
        choices=[
            ("unclassified", "Stay unclassified"),
            ("forced_choice", "Are decided by a forced-choice item"),
        ],
        initial="unclassified",
        required=False,
        label="Equal highest ratings",
    )
    tie_item = forms.CharField(
        max_length=10,
        required=False,
        label="Forced-choice item number",
        help_text='An item in no score ("which one describes you best"); its answers '
        "are listed below.",
    )


FORMSETS = {
    "items": ItemForm,
    "labels": ScaleLabelForm,
    "subscales": SubscaleForm,
    "bands": BandForm,
    "alerts": AlertForm,
    "tie_options": TieOptionForm,
}


@dataclass
class Builder:
    """The builder's forms, bound to a POST or filled from rows."""

    form: forms.Form
    formsets: dict[str, forms.BaseFormSet] = field(default_factory=dict)
    classification: forms.Form | None = None

    def rows(self) -> tuple[dict, dict[str, list[dict]]]:
        """The filled-in values: the instrument's fields and each formset's non-blank rows;
        the classification's fields as a list of one row when a method is chosen."""
        self.form.is_valid()
        rows = {}
        if self.classification is not None:
            self.classification.is_valid()
            chosen = getattr(self.classification, "cleaned_data", {})
            rows["classification"] = [dict(chosen)] if chosen.get("method") else []
        for name, formset in self.formsets.items():
            formset.is_valid()
            rows[name] = [
                dict(f.cleaned_data)
                for f in formset.forms
                if getattr(f, "cleaned_data", None) and _filled(f.cleaned_data)
            ]
        return dict(self.form.cleaned_data), rows


def _filled(row: dict) -> bool:
    return any(
        value not in ("", None, False) and key not in ("method", "better", "operator", "style")
        for key, value in row.items()
    )


def _formset(name: str, **kwargs) -> forms.BaseFormSet:
    return forms.formset_factory(FORMSETS[name], extra=BLANK_ROWS)(prefix=name, **kwargs)


def bound(data) -> Builder:
    return Builder(
        InstrumentForm(data),
        {name: _formset(name, data=data) for name in FORMSETS},
        ClassificationForm(data, prefix="classification"),
    )


def filled(instrument: dict, rows: dict[str, list[dict]]) -> Builder:
    """Unbound forms showing ``rows``, each formset with blank rows to add more."""
    classification = (rows.get("classification") or [{}])[0]
    return Builder(
        InstrumentForm(initial=instrument),
        {name: _formset(name, initial=rows.get(name, [])) for name in FORMSETS},
        ClassificationForm(initial=classification, prefix="classification"),
    )


def empty() -> Builder:
    """A new instrument: a 0 to 3 scale with a row for each point's label."""
    labels = [{"value": str(value), "label": ""} for value in range(4)]
    return filled({}, {"labels": labels})
