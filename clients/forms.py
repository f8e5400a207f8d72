"""Client forms: validation and the likely-duplicate warning."""

import zoneinfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clients.models import Client, EndReason
from clients.services import (
    REFERENCE_TAKEN,
    check_date_of_birth,
    likely_duplicates,
    practice_clinicians,
    reference_taken,
)
from practice.models import Membership, Role, time_zone_choices
from practice.models.practices import known_time_zones


class ClientForm(forms.ModelForm):
    confirm_duplicate = forms.BooleanField(
        required=False,
        label=_("Yes, this is a different person: create the record anyway"),
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
            "country",
            "language",
            "primary_clinician",
            "external_reference",
            "next_session_at",
        ]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}),
            "next_session_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }
        labels = {"next_session_at": _("Next session")}

    def __init__(self, *args, practice, membership, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.membership = membership
        self.user = user
        self.fields["time_zone"] = forms.ChoiceField(
            choices=[
                ("", gettext("Practice default (%(zone)s)") % {"zone": practice.time_zone}),
                *time_zone_choices(),
            ],
            required=False,
            label=_("Time zone"),
            help_text=_("Questionnaire e-mails are sent at local times in this zone."),
        )
        # Who may change it is decided by ``services.update_client``; the field is only shown
        # to those who may.
        if membership.is_owner:
            self.fields["primary_clinician"].queryset = practice_clinicians(practice)
            self.fields["primary_clinician"].empty_label = None
        else:
            del self.fields["primary_clinician"]
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        # A new client starts in the practice's language. Left out of a post (a form from before
        # the field existed): the client's language as it was (the practice's for a new one).
        adding = self.instance._state.adding  # a new client already has its UUID as pk
        language = practice.language if adding else self.instance.language
        if adding:
            self.initial["language"] = language
        if self.is_bound and self.add_prefix("language") not in self.data:
            self.data = self.data.copy()
            self.data[self.add_prefix("language")] = language
        # The next session is typed and shown in the client's local time, not the server's.
        zone = zoneinfo.ZoneInfo(self.instance.time_zone or practice.time_zone)
        self.fields["next_session_at"].help_text = _("Date and time in the client's time zone.")
        if self.instance.next_session_at and not self.is_bound:
            self.initial["next_session_at"] = timezone.make_naive(
                self.instance.next_session_at, zone
            )
        if self.data and self._duplicates().exists():
            self.fields["confirm_duplicate"].widget = forms.CheckboxInput()

    def _duplicates(self):
        email = (self.data.get(self.add_prefix("email")) or "").strip()
        return likely_duplicates(
            self.user, self.membership, email, exclude=self.instance if self.instance.pk else None
        )

    def clean_date_of_birth(self):
        value = self.cleaned_data.get("date_of_birth")
        check_date_of_birth(value)
        return value

    def clean_next_session_at(self):
        """The typed wall-clock time, in the client's zone (the one chosen on this form)."""
        value = self.cleaned_data.get("next_session_at")
        if value is None:
            return None
        zone_name = self.data.get(self.add_prefix("time_zone")) or self.practice.time_zone
        if zone_name not in known_time_zones():
            zone_name = self.practice.time_zone
        wall_clock = timezone.make_naive(value)  # as Django read it, in the current zone
        return timezone.make_aware(wall_clock, zoneinfo.ZoneInfo(zone_name))

    def clean_external_reference(self):
        value = (self.cleaned_data.get("external_reference") or "").strip()
        if value and reference_taken(self.practice, value, exclude=self.instance):
            raise forms.ValidationError(REFERENCE_TAKEN)
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
                _(
                    "A client you can see already has this e-mail address. Check it is not the "
                    "same person, then tick the box to continue."
                ),
                code="likely_duplicate",
            )
        return cleaned

    def _post_clean(self):
        # The practice is set before model validation so the unique constraint can be checked.
        self.instance.practice = self.practice
        super()._post_clean()


class ShareForm(forms.Form):
    clinician = forms.ModelChoiceField(queryset=None, label=_("Share with"))

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        already = client.shares.values("clinician_id")
        # Owners see every client of the practice already: sharing with them changes nothing.
        owners = Membership.objects.filter(
            practice=client.practice, role=Role.OWNER, is_active=True
        ).values("user_id")
        self.fields["clinician"].queryset = (
            practice_clinicians(client.practice)
            .exclude(pk=client.primary_clinician_id)
            .exclude(pk__in=already)
            .exclude(pk__in=owners)
        )


class DischargeForm(forms.Form):
    """Why the client's current episode of care ends (optional: "not recorded")."""

    reason = forms.ChoiceField(
        choices=[("", _("Not recorded")), *EndReason.choices],
        required=False,
        label=_("Why does this episode of care end?"),
    )


class ReactivateForm(forms.Form):
    """The clinician's choice on reactivation: a new episode of care, or the last one resumed."""

    NEW, RESUME = "new", "resume"
    episode = forms.ChoiceField(
        choices=[
            (NEW, _("Start a new episode of care: baselines start again with the next answers")),
            (RESUME, _("Resume the last episode: its baselines still count")),
        ],
        widget=forms.RadioSelect,
        label=_("Episode of care"),
        error_messages={"required": _("Choose a new episode or to resume the last one.")},
    )
