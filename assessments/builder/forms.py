"""The builder's forms: the instrument's fields and one formset per list (scale labels, items,
scores, bands, alerts). Every field is text, parsed by ``definition``, so one list holds every
problem at once."""

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
        choices=[("sum", "Sum"), ("mean", "Mean")], initial="sum", label="Sum or mean"
    )
    better = forms.ChoiceField(
        choices=[("lower", "Lower is better"), ("higher", "Higher is better")],
        initial="lower",
        label="Better when",
    )
    items = forms.CharField(
        max_length=400, required=False, label="Items", help_text="Numbers, e.g. 1, 2, 4 or 1-4."
    )
    bands_source = forms.CharField(
        max_length=400, required=False, label="Source of the bands (if it has bands)"
    )


class BandForm(forms.Form):
    subscale = forms.CharField(max_length=40, required=False, label="Score key")
    min = forms.CharField(max_length=10, required=False, label="From")
    max = forms.CharField(max_length=10, required=False, label="To")
    label = forms.CharField(max_length=200, required=False)


class AlertForm(forms.Form):
    item = forms.CharField(max_length=10, required=False, label="Item number")
    value = forms.CharField(max_length=10, required=False, label="Alert when the answer is above")
    message = forms.CharField(max_length=400, required=False, label="Message to the clinician")
    critical = forms.BooleanField(
        required=False, label="Safety item: show the client the crisis contacts"
    )


FORMSETS = {
    "items": ItemForm,
    "labels": ScaleLabelForm,
    "subscales": SubscaleForm,
    "bands": BandForm,
    "alerts": AlertForm,
}


@dataclass
class Builder:
    """The builder's forms, bound to a POST or filled from rows."""

    form: forms.Form
    formsets: dict[str, forms.BaseFormSet] = field(default_factory=dict)

    def rows(self) -> tuple[dict, dict[str, list[dict]]]:
        """The filled-in values: the instrument's fields and each formset's non-blank rows."""
        self.form.is_valid()
        rows = {}
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
        value not in ("", None, False) and key not in ("method", "better")
        for key, value in row.items()
    )


def _formset(name: str, **kwargs) -> forms.BaseFormSet:
    return forms.formset_factory(FORMSETS[name], extra=BLANK_ROWS)(prefix=name, **kwargs)


def bound(data) -> Builder:
    return Builder(InstrumentForm(data), {name: _formset(name, data=data) for name in FORMSETS})


def filled(instrument: dict, rows: dict[str, list[dict]]) -> Builder:
    """Unbound forms showing ``rows``, each formset with blank rows to add more."""
    return Builder(
        InstrumentForm(initial=instrument),
        {name: _formset(name, initial=rows.get(name, [])) for name in FORMSETS},
    )


def empty() -> Builder:
    """A new instrument: a 0 to 3 scale with a row for each point's label."""
    labels = [{"value": str(value), "label": ""} for value in range(4)]
    return filled({}, {"labels": labels})
