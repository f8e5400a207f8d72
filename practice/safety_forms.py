"""The owner's safety settings form (``SafetySettings``): crisis wording and contacts shown to a
client after a critical answer, the national lines shown, and who hears of overdue alerts."""

from django import forms
from django.utils.translation import gettext_lazy as _

from practice.crisis_lines import line_choices
from practice.models import ESCALATION_MAX_HOURS, Membership, SafetySettings, User


class SafetyLeadField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name()


class SafetySettingsForm(forms.ModelForm):
    crisis_lines = forms.MultipleChoiceField(
        label=_("National crisis lines to show"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "From Attune's short list, each number checked against a public source. A "
            "client whose country is known sees the lines for that country."
        ),
    )
    safety_lead = SafetyLeadField(
        label=_("Safety lead"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("No one: tell the owners"),
        help_text=_(
            "Told when an alert stays unacknowledged too long; without one, the owners are."
        ),
    )

    class Meta:
        model = SafetySettings
        fields = [
            "crisis_wording",
            "phone",
            "hours",
            "out_of_hours",
            "crisis_lines",
            "escalation_hours",
            "safety_lead",
        ]
        labels = {
            "crisis_wording": _("What a client reads first"),
            "phone": _("Practice phone number"),
            "hours": _("When the phone is answered"),
            "out_of_hours": _("Out of hours"),
            "escalation_hours": _("Tell the safety lead after (hours unacknowledged)"),
        }
        help_texts = {
            "crisis_wording": _(
                "Shown to a client on the page after they answer a safety "
                "question (PHQ-9 item 9) above zero. Their answers are never shown back."
            ),
            "out_of_hours": _(
                "What to do when the practice is closed, for example: call NHS 111 "
                "or your local emergency number."
            ),
        }
        widgets = {
            "crisis_wording": forms.Textarea(attrs={"rows": 4}),
            "out_of_hours": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "escalation_hours": forms.NumberInput(attrs={"min": 1, "max": ESCALATION_MAX_HOURS}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        practice = self.instance.practice
        self.fields["crisis_lines"].choices = line_choices()
        members = Membership.objects.active().filter(practice=practice)
        self.fields["safety_lead"].queryset = User.objects.filter(
            pk__in=members.values("user_id")
        ).order_by("full_name", "email")
