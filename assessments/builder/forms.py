"""The builder's forms: the instrument's fields, one formset per list (scale labels, items,
scores, bands, alerts, the tie-break item's answers) and the classification's form. Every field
is text, parsed by ``definition`` and ``rules``, so one list holds every problem at once."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext_lazy as _

BLANK_ROWS = 2


class InstrumentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        required=False,
        help_text=_(
            "Lower case letters, digits and hyphens, for example my-check. "
            "Used in addresses; it cannot change later."
        ),
    )
    short_name = forms.CharField(max_length=60, required=False, label=_("Short name (optional)"))
    version = forms.CharField(
        max_length=40,
        required=False,
        initial="1",
        label=_("Version label"),
        help_text=_("Your label for this edition; every saved change is numbered anyway."),
    )
    language = forms.CharField(label=_("Language"), max_length=20, required=False, initial="en")
    instructions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label=_("Instructions (optional)"),
        help_text=_("What clients read before the first item."),
    )
    citation = forms.CharField(
        label=_("Citation"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Where the instrument is published: authors, year, title."),
    )
    licence_note = forms.CharField(
        label=_("Licence note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_(
            "Why your practice may use it. An owner acknowledges this before anyone can "
            "assign the instrument."
        ),
    )
    scale_min = forms.CharField(
        max_length=10, required=False, label=_("Lowest answer"), initial="0"
    )
    scale_max = forms.CharField(
        max_length=10, required=False, label=_("Highest answer"), initial="3"
    )
    scale_anchors_only = forms.BooleanField(
        required=False,
        label=_("The publication labels only some points (its anchors)"),
        help_text=_(
            "Then label just those; clients answer the others by their number and are "
            "told which answers have words."
        ),
    )


class ItemForm(forms.Form):
    text = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    optional = forms.BooleanField(required=False, label=_("Optional"))
    reverse = forms.BooleanField(required=False, label=_("Reverse-keyed"))


class ScaleLabelForm(forms.Form):
    value = forms.CharField(max_length=10, required=False, label=_("Answer"))
    label = forms.CharField(max_length=200, required=False, label=_("Label"))


class SubscaleForm(forms.Form):
    key = forms.CharField(
        label=_("Key"),
        max_length=40,
        required=False,
        help_text=_("Lower case and underscores, e.g. strain."),
    )
    label = forms.CharField(max_length=200, required=False, label=_("Name"))
    method = forms.ChoiceField(
        choices=[("sum", _("Sum")), ("mean", _("Mean")), ("weighted", _("Weighted (a formula)"))],
        initial="sum",
        label=_("Sum, mean or weighted"),
    )
    better = forms.ChoiceField(
        choices=[("lower", _("Lower is better")), ("higher", _("Higher is better"))],
        initial="lower",
        label=_("Better when"),
    )
    items = forms.CharField(
        max_length=400,
        required=False,
        label=_("Items (sum or mean)"),
        help_text=_("Numbers, e.g. 1, 2, 4 or 1-4."),
    )
    weights = forms.CharField(
        max_length=400,
        required=False,
        label=_("Formula (weighted)"),
        help_text=_(
            "Item numbers added and taken away, e.g. (1 + 2) - (3 + 4); a weight goes "
            "before its item with *, e.g. 0.5 * 3. An item may appear in several formulas."
        ),
    )
    max_missing = forms.CharField(
        max_length=10,
        required=False,
        label=_("Unanswered items allowed"),
        help_text=_(
            "Leave blank or 0 unless the authors allow some; the score then comes from "
            "the answered items."
        ),
    )
    prorate = forms.BooleanField(
        required=False,
        label=_("Prorate: a mean of the answered items, or their sum scaled up to all items"),
    )
    missing_source = forms.CharField(
        max_length=400, required=False, label=_("Source of the missing-answer rule")
    )
    bands_source = forms.CharField(
        max_length=400, required=False, label=_("Source of the bands (if it has bands)")
    )


class BandForm(forms.Form):
    subscale = forms.CharField(max_length=40, required=False, label=_("Score key"))
    min = forms.CharField(max_length=10, required=False, label=_("From"))
    max = forms.CharField(max_length=10, required=False, label=_("To"))
    label = forms.CharField(max_length=200, required=False, label=_("Label"))


OPERATORS = [
    (">", _("is above")),
    (">=", _("is at or above")),
    ("<", _("is below")),
    ("<=", _("is at or below")),
    ("==", _("equals")),
]


class AlertForm(forms.Form):
    item = forms.CharField(max_length=10, required=False, label=_("Item number"))
    subscale = forms.CharField(
        max_length=40,
        required=False,
        label=_("or score key"),
        help_text=_("An alert watches one item's answer or one score, not both."),
    )
    operator = forms.ChoiceField(
        choices=OPERATORS, initial=">", required=False, label=_("Alert when the answer or score")
    )
    value = forms.CharField(max_length=10, required=False, label=_("Value"))
    message = forms.CharField(max_length=400, required=False, label=_("Message to the clinician"))
    critical = forms.BooleanField(
        required=False, label=_("Safety item: show the client the crisis contacts")
    )


STYLE_CHOICES = [
    ("secure", _("Secure")),
    ("anxious-preoccupied", _("Anxious-preoccupied")),
    ("dismissive-avoidant", _("Dismissive-avoidant")),
    ("fearful-avoidant", _("Fearful-avoidant")),
]


class TieOptionForm(forms.Form):
    """One answer of the forced-choice item: its number, its label and the prototype it names."""

    value = forms.CharField(max_length=10, required=False, label=_("Answer"))
    label = forms.CharField(max_length=200, required=False, label=_("Label"))
    style = forms.ChoiceField(choices=STYLE_CHOICES, required=False, label=_("Names the prototype"))


class ClassificationForm(forms.Form):
    """An attachment style from the scores: by quadrant (two dimension scores split at a point)
    or by the highest of four prototype ratings, ties left unclassified or decided by a
    forced-choice item."""

    method = forms.ChoiceField(
        choices=[
            ("", _("No style")),
            ("quadrant", _("Quadrant: two dimension scores, each split at a point")),
            ("prototype", _("Prototype: the highest of four prototype ratings")),
        ],
        required=False,
        label=_("Classification"),
    )
    source = forms.CharField(
        max_length=400, required=False, label=_("Source of the rule and the style mapping")
    )
    anxiety = forms.CharField(max_length=40, required=False, label=_("Anxiety score key"))
    avoidance = forms.CharField(max_length=40, required=False, label=_("Avoidance score key"))
    anxiety_split = forms.CharField(max_length=10, required=False, label=_("Anxiety split point"))
    avoidance_split = forms.CharField(
        max_length=10,
        required=False,
        label=_("Avoidance split point"),
        help_text=_("The midpoint of each score's range, e.g. 4 on a 1 to 7 mean."),
    )
    split_source = forms.CharField(max_length=400, required=False, label=_("Source of the split"))
    on_split = forms.ChoiceField(
        choices=[
            ("unclassified", _("Unclassified")),
            ("low", _("Counts as low")),
            ("high", _("Counts as high")),
        ],
        initial="unclassified",
        required=False,
        label=_("A score exactly on the split point"),
    )
    secure = forms.CharField(max_length=40, required=False, label=_("Secure rating: score key"))
    anxious_preoccupied = forms.CharField(
        max_length=40, required=False, label=_("Anxious-preoccupied rating: score key")
    )
    dismissive_avoidant = forms.CharField(
        max_length=40, required=False, label=_("Dismissive-avoidant rating: score key")
    )
    fearful_avoidant = forms.CharField(
        max_length=40, required=False, label=_("Fearful-avoidant rating: score key")
    )
    on_tie = forms.ChoiceField(
        choices=[
            ("unclassified", _("Stay unclassified")),
            ("forced_choice", _("Are decided by a forced-choice item")),
        ],
        initial="unclassified",
        required=False,
        label=_("Equal highest ratings"),
    )
    tie_item = forms.CharField(
        max_length=10,
        required=False,
        label=_("Forced-choice item number"),
        help_text=_(
            'An item in no score ("which one describes you best"); its answers are listed below.'
        ),
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
