"""Client forms: validation and the likely-duplicate warning."""

import datetime

from django import forms
from django.utils import timezone

from clients.models import Client
from clients.services import likely_duplicates, practice_clinicians
from practice.models import time_zone_choices


class ClientForm(forms.ModelForm):
    confirm_duplicate = forms.BooleanField(
        required=False,
        label="Yes, this is a different person: create the record anyway",
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Client
        fields = [
            "preferred_name",
            "full_name",
            "email",
            "pronouns",
            "date_of_birth",
            "time_zone",
            "primary_clinician",
            "external_reference",
        ]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, practice, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.fields["time_zone"] = forms.ChoiceField(
            choices=[("", f"Practice default ({practice.time_zone})"), *time_zone_choices()],
            required=False,
            label="Time zone",
            help_text="Questionnaire e-mails are sent at local times in this zone.",
        )
        if membership.is_owner:
            self.fields["primary_clinician"].queryset = practice_clinicians(practice)
            self.fields["primary_clinician"].empty_label = None
        else:
            del self.fields["primary_clinician"]
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        if self.data and self._duplicates().exists():
            self.fields["confirm_duplicate"].widget = forms.CheckboxInput()

    def _duplicates(self):
        email = (self.data.get(self.add_prefix("email")) or "").strip()
        return likely_duplicates(
            self.practice, email, exclude=self.instance if self.instance.pk else None
        )

    def clean_date_of_birth(self):
        value = self.cleaned_data.get("date_of_birth")
        if value and value > timezone.localdate():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if value and value < datetime.date(1900, 1, 1):
            raise forms.ValidationError("Please check the year of birth.")
        return value

    def clean_external_reference(self):
        value = (self.cleaned_data.get("external_reference") or "").strip()
        if value:
            taken = Client.objects.filter(practice=self.practice, external_reference=value)
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise forms.ValidationError("Another client of this practice has this reference.")
        return value

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email")
        email_changed = "email" in self.changed_data
        if (
            email
            and email_changed
            and self._duplicates().exists()
            and not cleaned.get("confirm_duplicate")
        ):
            raise forms.ValidationError(
                "A client with this e-mail address already exists in the practice. Check it is "
                "not the same person, then tick the box to continue.",
                code="likely_duplicate",
            )
        return cleaned

    def _post_clean(self):
        # The practice is set before model validation so the unique constraint can be checked.
        self.instance.practice = self.practice
        super()._post_clean()


class ShareForm(forms.Form):
    clinician = forms.ModelChoiceField(queryset=None, label="Share with")

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        already = client.shares.values("clinician_id")
        self.fields["clinician"].queryset = (
            practice_clinicians(client.practice)
            .exclude(pk=client.primary_clinician_id)
            .exclude(pk__in=already)
        )
