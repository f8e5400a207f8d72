"""Forms for requesting reports. They parse input; the rules live in ``services``."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from clients.models import Report
from clients.reports import batches, services
from clients.services import practice_clinicians

DATE_WIDGET = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class ReportRequestForm(forms.Form):
    period_start = forms.DateField(label=_("From"), **DATE_WIDGET)
    period_end = forms.DateField(label=_("To"), **DATE_WIDGET)
    audience = forms.ChoiceField(
        label=_("Who the report is for"),
        choices=[
            (
                Report.Audience.CLINICAL,
                _("Clinical record: full detail, with statistics and safety alerts"),
            ),
            (
                Report.Audience.CLIENT,
                _("Client-friendly: plain-language explanations, no clinician-only notes"),
            ),
        ],
        initial=Report.Audience.CLINICAL,
        widget=forms.RadioSelect,
    )
    include_notes = forms.BooleanField(
        label=_("Include session-note summaries (clinical record only)"), required=False
    )
    instruments = forms.MultipleChoiceField(
        label=_("Questionnaires"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to include every questionnaire answered in the period."),
    )

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.fields["instruments"].choices = services.instrument_choices(practice)
        start, end = services.default_period(practice)
        self.initial.setdefault("period_start", start)
        self.initial.setdefault("period_end", end)

    def options(self) -> services.ReportOptions:
        data = self.cleaned_data
        return services.ReportOptions(
            period_start=data["period_start"],
            period_end=data["period_end"],
            audience=data["audience"],
            instruments=list(data.get("instruments") or []),
            include_notes=bool(data.get("include_notes")),
        )

    def add_service_errors(self, error: ValidationError) -> None:
        """A service's ``ValidationError`` on the field it names, else above the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            target = name if name in self.fields and name != NON_FIELD_ERRORS else None
            self.add_error(target, messages)


class BatchRequestForm(ReportRequestForm):
    scope = forms.ChoiceField(
        label=_("Clients"),
        choices=[
            ("practice", batches.BATCH_SCOPES["practice"]),
            ("mine", batches.BATCH_SCOPES["mine"]),
            ("clinician", _("Active clients of one clinician")),
        ],
        initial="practice",
        widget=forms.RadioSelect,
    )
    clinician = forms.ModelChoiceField(
        label=_("Clinician"),
        queryset=None,
        required=False,
        help_text=_("Only with “Active clients of one clinician”."),
    )

    field_order = ["scope", "clinician"]

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, practice=practice, **kwargs)
        self.fields["clinician"].queryset = practice_clinicians(practice)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == "clinician" and not cleaned.get("clinician"):
            self.add_error("clinician", _("Choose the clinician whose clients to include."))
        return cleaned

    def scope_label(self) -> str:
        data = self.cleaned_data
        if data["scope"] == "clinician":
            return f"Active clients of {data['clinician']}"
        return batches.BATCH_SCOPES[data["scope"]]

    def clients(self, actor):
        data = self.cleaned_data
        clinician = data.get("clinician") if data["scope"] == "clinician" else None
        return batches.batch_clients(actor, self.practice, data["scope"], clinician)
