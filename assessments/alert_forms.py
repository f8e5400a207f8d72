"""The form a clinician fills in to acknowledge an alert: the action taken, and a note (required
for "other"). The rules themselves live in ``services.alerts.acknowledge_alert``; this form shows
its ``ValidationError`` on the fields it names."""

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import AlertAction
from assessments.services.alerts import ACTION_NOTE_MAX_LENGTH


class AlertAcknowledgeForm(forms.Form):
    action = forms.ChoiceField(
        label=_("What did you do?"),
        choices=AlertAction.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the action taken."),
            "invalid_choice": _("Choose the action taken."),
        },
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=ACTION_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required for “Other”: what you did. Kept with the alert, shown in the "
            "client's timeline and the clinical report."
        ),
    )

    def add_service_errors(self, error) -> None:
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)
