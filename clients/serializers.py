"""API representation of clients. Validation mirrors the page form; rules live in services."""

from django.utils import timezone
from rest_framework import serializers

from clients.models import Client
from clients.services import likely_duplicates, practice_clinicians
from practice.models import User, validate_time_zone


class ClientSerializer(serializers.ModelSerializer):
    primary_clinician = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), required=False
    )
    confirm_duplicate = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Set to true to create a client whose e-mail another client of the practice has.",
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
            "primary_clinician",
            "status",
            "external_reference",
            "created_at",
            "updated_at",
            "confirm_duplicate",
        ]
        read_only_fields = ["id", "status", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        practice = getattr(request, "practice", None)
        if practice is not None:
            self.fields["primary_clinician"].queryset = practice_clinicians(practice)

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
            raise serializers.ValidationError("The date of birth cannot be in the future.")
        return value

    def validate_external_reference(self, value):
        value = (value or "").strip()
        if value:
            taken = Client.objects.filter(practice=self.practice, external_reference=value)
            if self.instance:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise serializers.ValidationError(
                    "Another client of this practice has this reference."
                )
        return value

    def validate(self, attrs):
        email = attrs.get("email")
        changed = email and (self.instance is None or email.lower() != self.instance.email.lower())
        duplicate = (
            changed and likely_duplicates(self.practice, email, exclude=self.instance).exists()
        )
        if duplicate and not attrs.get("confirm_duplicate"):
            raise serializers.ValidationError(
                {
                    "email": "A client with this e-mail address already exists in the practice. "
                    "Send confirm_duplicate=true if this is a different person."
                }
            )
        attrs.pop("confirm_duplicate", None)
        membership = self.context["request"].membership
        if "primary_clinician" in attrs and not membership.is_owner:
            current = self.instance.primary_clinician_id if self.instance else membership.user_id
            if attrs["primary_clinician"].pk != current:
                raise serializers.ValidationError(
                    {"primary_clinician": "Only an owner can choose the primary clinician."}
                )
        return attrs
