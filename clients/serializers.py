"""API representation of clients. Validation mirrors the page form; rules live in services."""

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.trajectory_serializers import EpisodeSerializer, episodes_data
from clients.models import Client, EndReason
from clients.services import (
    REFERENCE_TAKEN,
    likely_duplicates,
    practice_clinicians,
    reference_taken,
)
from practice.api_schema import STRICT_FIELD_MAPPING
from practice.models import User, validate_time_zone


class ClientSerializer(serializers.ModelSerializer):
    serializer_field_mapping = STRICT_FIELD_MAPPING  # text is a string, never a number
    primary_clinician = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), required=False
    )
    episodes = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Episodes of care, oldest first: number, started_at, ended_at (null while "
            "open), end_reason (blank when not recorded), current. Discharge ends the current one."
        )
    )
    confirm_duplicate = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text=gettext_lazy(
            "Set to true to save a client whose e-mail address a client you can see has."
        ),
    )

    class Meta:
        model = Client
        fields = [
            "id",
            "preferred_name",
            "full_name",
            "email",
            "pronouns",
            "date_of_birth",
            "time_zone",
            "language",
            "primary_clinician",
            "status",
            "external_reference",
            "created_at",
            "updated_at",
            "episodes",
            "confirm_duplicate",
        ]
        read_only_fields = ["id", "status", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        practice = getattr(request, "practice", None)
        if practice is not None:
            self.fields["primary_clinician"].queryset = practice_clinicians(practice)

    @extend_schema_field(EpisodeSerializer(many=True))
    def get_episodes(self, client) -> list[dict]:
        return episodes_data(sorted(client.episodes.all(), key=lambda e: (e.started_at, e.pk)))

    @property
    def practice(self):
        return self.instance.practice if self.instance else self.context["request"].practice

    def validate_time_zone(self, value):
        if value:
            try:
                validate_time_zone(value)
            except Exception as error:
                raise serializers.ValidationError(str(error.message)) from None
        return value

    def validate_date_of_birth(self, value):
        if value and value > timezone.localdate():
            raise serializers.ValidationError(gettext("The date of birth cannot be in the future."))
        return value

    def validate_external_reference(self, value):
        value = (value or "").strip()
        if value and reference_taken(self.practice, value, exclude=self.instance):
            raise serializers.ValidationError(REFERENCE_TAKEN)
        return value

    def validate(self, attrs):
        email = attrs.get("email")
        changed = email and (self.instance is None or email.lower() != self.instance.email.lower())
        request = self.context["request"]
        duplicate = (
            changed
            and likely_duplicates(
                request.user, request.membership, email, exclude=self.instance
            ).exists()
        )
        if duplicate and not attrs.get("confirm_duplicate"):
            raise serializers.ValidationError(
                {
                    "email": gettext(
                        "A client you can see already has this e-mail address. "
                        "Send confirm_duplicate=true if this is a different person."
                    )
                }
            )
        attrs.pop("confirm_duplicate", None)
        # Who may change primary_clinician is decided by services.update_client (403).
        return attrs


class DischargeSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=EndReason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy(
            "Why the current episode of care ends; blank or left out when not recorded."
        ),
    )


class ReactivateSerializer(serializers.Serializer):
    NEW, RESUME = "new", "resume"
    episode = serializers.ChoiceField(
        choices=[(NEW, "A new episode of care"), (RESUME, "The last episode resumed")],
        help_text=gettext_lazy(
            "new: a new episode of care starts now, and baselines start again with the "
            "next answers; resume: the last episode goes on, and its baselines still count."
        ),
    )
