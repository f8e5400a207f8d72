"""``/api/v1/safety-settings/`` (owners only): the acting practice's safety settings, as the
safety settings page sets them (``practice/safety_forms.py``): the crisis wording, phone, hours
and out-of-hours text a client sees after a critical answer, the national crisis lines shown
(keys of ``practice/crisis_lines.yaml``), the hours before an unacknowledged alert is escalated,
and the safety lead told then.

``GET`` shows them (the defaults while the practice has saved none); ``PUT``/``PATCH`` change
them through ``crisis.save_safety_settings``, which validates the model and audits the changed
field names (never their values). Clinicians get 403. There is one set per practice, the one the
request acts in, so no other practice's settings can be named; a safety lead who is not an active
member of this practice is refused (400) with the same message whether they exist or not.
"""

from django.utils.translation import gettext_lazy
from rest_framework import generics, serializers
from rest_framework.settings import api_settings

from practice import api_auth, crisis
from practice.api_schema import STRICT_FIELD_MAPPING
from practice.crisis_lines import crisis_lines
from practice.models import ESCALATION_MAX_HOURS, Membership, SafetySettings, User
from practice.safety_forms import SafetySettingsForm

SAFETY_LEAD_REFUSED = "Choose an active member of this practice, or null to tell the owners."


class IsPracticeOwner(api_auth.IsPracticeOwner):
    message = gettext_lazy("Only the practice's owners can see or change its safety settings.")


class SafetyLeadField(serializers.PrimaryKeyRelatedField):
    """A person's id, as a JSON integer only (the schema says integer: ``"5"`` is refused)."""

    default_error_messages = {
        "does_not_exist": SAFETY_LEAD_REFUSED,
        "incorrect_type": SAFETY_LEAD_REFUSED,
    }

    def to_internal_value(self, data):
        if type(data) is not int:
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class SafetySettingsSerializer(serializers.ModelSerializer):
    serializer_field_mapping = STRICT_FIELD_MAPPING  # text is a string, never a number
    crisis_lines = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(crisis_lines())),
        required=False,
        help_text=gettext_lazy(
            "Keys of the national crisis lines shown (Attune's short list, each number "
            "cited to a public source). A client whose country is known sees that country's only."
        ),
    )
    escalation_hours = serializers.IntegerField(
        min_value=1,
        max_value=ESCALATION_MAX_HOURS,
        required=False,
        help_text=gettext_lazy(
            "Hours an alert may stay unacknowledged before the safety lead (or the owners) "
            "are told."
        ),
    )
    safety_lead = SafetyLeadField(
        queryset=User.objects.none(),
        allow_null=True,
        required=False,
        help_text=gettext_lazy(
            "The id of an active member told of overdue alerts instead of the owners; "
            "null to tell the owners."
        ),
    )
    updated_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Null while the practice has saved none."),
    )

    class Meta:
        model = SafetySettings
        fields = [*SafetySettingsForm.Meta.fields, "updated_at"]  # as the page sets them

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        practice = getattr(self.context.get("request"), "practice", None)
        if practice is not None:
            members = Membership.objects.active().filter(practice=practice)
            self.fields["safety_lead"].queryset = User.objects.filter(
                pk__in=members.values("user_id")
            )

    def validate_crisis_lines(self, keys: list[str]) -> list[str]:
        return list(dict.fromkeys(keys))  # each line once, in the order given

    def update(self, instance: SafetySettings, validated_data: dict) -> SafetySettings:
        changed = []
        for name, value in validated_data.items():
            if getattr(instance, name) != value:
                setattr(instance, name, value)
                changed.append(name)
        return crisis.save_safety_settings(self.context["request"], instance, changed)


class SafetySettingsView(generics.RetrieveUpdateAPIView):
    """The acting practice's safety settings: owners read and change them; clinicians 403."""

    serializer_class = SafetySettingsSerializer
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, IsPracticeOwner]

    def get_object(self) -> SafetySettings:
        return SafetySettings.for_practice(self.request.practice)
