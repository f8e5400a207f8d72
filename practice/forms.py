"""Forms for the team, invitations, account, practice settings, webhooks and the audit-log
filter."""

import datetime
import re
import zoneinfo
from functools import partial

import django_filters
from django import forms
from django.apps import apps
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from practice import webhooks
from practice.models import (
    QUESTIONNAIRE_LINK_MAX_DAYS,
    REPORT_RETENTION_MAX_DAYS,
    ApiToken,
    AuditAction,
    AuditEvent,
    Practice,
    Role,
    User,
    WebhookEndpoint,
    WebhookEvent,
    time_zone_choices,
    validate_reminder_days,
)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        required=False,
        help_text=_("Pre-fills their profile."),
    )
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.CLINICIAN,
        help_text=_("Owners see every client and manage the team; clinicians see their caseload."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "off"

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label=_("Role"))


class DeactivateForm(forms.Form):
    """Confirming a member's deactivation. With active clients, the owner must choose who
    takes them over (``clients.services.hand_over_clients`` says why); without, nothing to ask."""

    successor = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label=_("Who takes over their active clients"),
        empty_label=_("Choose…"),
        error_messages={
            "required": _("Choose who takes over their active clients."),
            "invalid_choice": _("Choose an active member of this practice."),
        },
    )

    def __init__(self, *args, membership, active_clients: int, **kwargs):
        super().__init__(*args, **kwargs)
        if not active_clients:
            del self.fields["successor"]
            return
        self.fields["successor"].queryset = (
            User.objects.filter(
                memberships__practice=membership.practice_id,
                memberships__is_active=True,
                is_active=True,
            )
            .exclude(pk=membership.user_id)
            .order_by("full_name", "email")
        )
        self.fields["successor"].help_text = ngettext(
            "Their %(count)d active client moves to this person. Discharged clients keep "
            "their clinician.",
            "Their %(count)d active clients move to this person. Discharged clients keep "
            "their clinician.",
            active_clients,
        ) % {"count": active_clients}


class AcceptInvitationForm(forms.Form):
    """A new account's name and password, checked against the password validators."""

    full_name = forms.CharField(label=_("Your full name"), max_length=150)
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=" ".join(password_validation.password_validators_help_texts()),
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", gettext("The two passwords are different."))
        elif password1:
            candidate = User(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ApiTokenForm(forms.ModelForm):
    last_day = forms.DateField(
        label=_("Works until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The last day it works, in the practice's time zone. Empty: until revoked."),
    )

    class Meta:
        model = ApiToken
        fields = ["name", "scope"]
        labels = {"name": _("Token name"), "scope": _("What it may do")}
        help_texts = {
            "name": _("Where it will be used, for example “Reporting script”."),
            "scope": _("A read-only token can read through the API but change nothing."),
        }
        widgets = {"scope": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out (a script, an older page), a token reads and writes, as tokens always did.
        self.fields["scope"].required = False
        self.fields["scope"].initial = ApiToken.Scope.READ_WRITE

    def clean_scope(self):
        return self.cleaned_data["scope"] or ApiToken.Scope.READ_WRITE

    def clean_last_day(self):
        last_day = self.cleaned_data["last_day"]
        if last_day is not None and last_day < timezone.localdate():
            raise forms.ValidationError(gettext("Choose a last day from today onwards."))
        return last_day


class WebhookEndpointForm(forms.ModelForm):
    """An owner's webhook endpoint: where, which events, on or off. The address is checked
    against the webhook rules (HTTPS, public addresses only) by the service that saves it."""

    events = forms.MultipleChoiceField(
        label=_("Events to send"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each delivery carries the event's type and ids only, never names or answers."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "is_active"]
        labels = {"url": _("Address (https://…)"), "is_active": _("Active: send events to it")}
        widgets = {"url": forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"})}
        field_classes = {"url": partial(forms.URLField, assume_scheme="https")}

    def clean_url(self):
        url = self.cleaned_data["url"]
        webhooks.check_url(url)
        return url


class _KeptWhenAbsent:
    """A settings field a POST may leave out (an older page, a script): left out, it keeps its
    value and does not count as changed."""

    def has_changed(self, initial, data):
        return data is not None and super().has_changed(initial, data)


class LinkDaysField(_KeptWhenAbsent, forms.IntegerField):
    pass


class ReminderDaysField(_KeptWhenAbsent, forms.Field):
    """Whole days typed as "2, 5", kept as the list [2, 5]; empty means no reminders."""

    widget = forms.TextInput

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(day) for day in value)
        return value

    def to_python(self, value):
        if value is None:
            return None  # left out of the POST
        parts = [part for part in re.split(r"[,;\s]+", str(value).strip()) if part]
        try:
            return [int(part) for part in parts]
        except ValueError:
            raise forms.ValidationError(
                gettext("Give whole days separated by commas, for example 2, 5.")
            ) from None

    def has_changed(self, initial, data):
        if data is None:
            return False
        try:
            return self.to_python(data) != (initial or [])
        except forms.ValidationError:
            return True


def _days_messages(most: int) -> dict:
    """One message for any number of days out of range, zero and negatives included (the
    field's own and the model's validators used to disagree: "≥ 1" for 0, "≥ 0" for -3)."""
    message = format_lazy(_("Enter a whole number of days from 1 to {most}."), most=most)
    return {"min_value": message, "max_value": message, "invalid": message}


class PracticeSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        help_text=_("Dates and times on every page and e-mail use this zone."),
        error_messages={"invalid_choice": _("Choose a time zone from the list.")},
    )
    report_retention_days = forms.IntegerField(
        label=_("Keep generated reports for (days)"),
        min_value=1,
        max_value=REPORT_RETENTION_MAX_DAYS,
        error_messages=_days_messages(REPORT_RETENTION_MAX_DAYS),
        widget=forms.NumberInput(attrs={"min": 1, "max": REPORT_RETENTION_MAX_DAYS}),
    )
    questionnaire_link_days = LinkDaysField(
        label=_("Questionnaire links work for (days)"),
        required=False,
        min_value=1,
        max_value=QUESTIONNAIRE_LINK_MAX_DAYS,
        error_messages=_days_messages(QUESTIONNAIRE_LINK_MAX_DAYS),
        help_text=_("Counted from each sending; a resent link starts again."),
    )
    questionnaire_reminder_days = ReminderDaysField(
        label=_("Send reminders on these days after sending"),
        required=False,
        help_text=_(
            "For example 2, 5. Reminders stop as soon as the questionnaires are completed; "
            "leave empty for no reminders."
        ),
    )

    class Meta:
        model = Practice
        fields = [
            "name",
            "time_zone",
            "language",
            "report_letterhead",
            "brand_colour",
            "paper_size",
            "report_retention_days",
            "require_mfa",
            "questionnaire_link_days",
            "questionnaire_reminder_days",
        ]
        labels = {
            "name": _("Practice name"),
            "language": _("Clients' language"),
            "brand_colour": _("Brand colour"),
            "paper_size": _("Paper size for reports"),
            "require_mfa": _("Require two-factor authentication for every member"),
        }
        widgets = {
            "report_letterhead": forms.Textarea(attrs={"rows": 4}),
            "brand_colour": forms.TextInput(attrs={"type": "color"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name = self.add_prefix("language")
        if self.is_bound and name not in self.data:  # left out of a post: kept, not a change
            self.data = self.data.copy()
            self.data[name] = self.instance.language

    def clean_questionnaire_link_days(self):
        value = self.cleaned_data.get("questionnaire_link_days")
        if value is None:
            if self.add_prefix("questionnaire_link_days") in self.data:
                raise forms.ValidationError(gettext("Give the number of days a link works."))
            return self.instance.questionnaire_link_days
        return value

    def clean_questionnaire_reminder_days(self):
        value = self.cleaned_data.get("questionnaire_reminder_days")
        if value is None:
            return self.instance.questionnaire_reminder_days
        validate_reminder_days(value)
        return value


def _practice_day_start(day: datetime.date, practice: Practice) -> datetime.datetime:
    tz = zoneinfo.ZoneInfo(practice.time_zone)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), tz)


class AuditFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", gettext("The end date is before the start date."))
        return cleaned


# Record types that are not a model's name, in words.
_RECORD_TYPE_WORDS = {"route": _("Page"), "api_token": _("API token")}


def record_type_label(object_type: str) -> str:
    """An audit event's record type in words ("licenceacknowledgement" is the model's name;
    its verbose name, "Licence acknowledgement", is what a person reads)."""
    if object_type in _RECORD_TYPE_WORDS:
        return str(_RECORD_TYPE_WORDS[object_type])
    for model in apps.get_models():
        if model._meta.model_name == object_type:
            return capfirst(model._meta.verbose_name)
    return capfirst(object_type.replace("_", " "))


class AuditEventFilter(django_filters.FilterSet):
    """Filters for one practice's audit log; dates are days in the practice's time zone.

    ``find_clients(text)`` gives the ids (a values queryset) of the practice's clients whose
    name or reference matches ``text``: the client records sit above this floor, so the page
    that shows the log passes it in."""

    actor = django_filters.ModelChoiceFilter(queryset=User.objects.none(), label=_("Person"))
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=_("Action"))
    object_type = django_filters.ChoiceFilter(choices=[], label=_("Record type"))
    client = django_filters.CharFilter(
        method="filter_client", label=_("Client"), help_text=_("Part of a name or reference.")
    )
    client_id = django_filters.UUIDFilter(widget=forms.HiddenInput)
    date_from = django_filters.DateFilter(
        method="filter_date_from",
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        method="filter_date_to",
        label=_("To (inclusive)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "object_type", "client_id"]
        form = AuditFilterForm

    def __init__(self, *args, practice: Practice, find_clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.find_clients = find_clients
        self.filters["actor"].queryset = User.objects.filter(
            memberships__practice=practice
        ).order_by("full_name", "email")
        types = (
            self.queryset.order_by("object_type")  # the events this owner may see
            .values_list("object_type", flat=True)
            .distinct()
        )
        self.filters["object_type"].extra["choices"] = sorted(
            ((t, record_type_label(t)) for t in types), key=lambda choice: choice[1]
        )
        self.form.fields["client_id"].error_messages["invalid"] = gettext(
            "A client id looks like 3f2b8c1e-…; copy it from the client's page."
        )

    def filter_client(self, queryset, name, value):
        if self.find_clients is None or not value.strip():
            return queryset
        return queryset.filter(client_id__in=self.find_clients(value))

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(at__gte=_practice_day_start(value, self.practice))

    def filter_date_to(self, queryset, name, value):
        next_day = value + datetime.timedelta(days=1)
        return queryset.filter(at__lt=_practice_day_start(next_day, self.practice))
