"""API representation of instruments, scoring requests, assignments and invitations."""

from django.utils.translation import gettext, gettext_lazy
from rest_framework import serializers

from assessments.models import Assignment, Instrument, Occasion, Packet, PacketItem
from clients.models import Client
from practice.api_parsers import BoundedJSONField
from practice.api_schema import LocalTimeField, TextField


class InstrumentSerializer(serializers.ModelSerializer):
    """An instrument as its current version defines it: items, scale, scoring and sources."""

    version = serializers.IntegerField(source="current_version.number", read_only=True)
    version_label = serializers.CharField(source="current_version.label", read_only=True)
    custom = serializers.BooleanField(source="is_custom", read_only=True)
    licence_acknowledged = serializers.BooleanField(read_only=True, default=False)
    short_name = serializers.SerializerMethodField()
    language = serializers.SerializerMethodField()
    domain = serializers.SerializerMethodField()
    citations = serializers.SerializerMethodField()
    licence = serializers.SerializerMethodField()
    instructions = serializers.SerializerMethodField()
    scale = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()
    scoring = serializers.SerializerMethodField()
    alerts = serializers.SerializerMethodField()
    classification = serializers.SerializerMethodField()
    reliable_change = serializers.SerializerMethodField()
    omitted = serializers.SerializerMethodField()

    class Meta:
        model = Instrument
        fields = [
            "code",
            "name",
            "short_name",
            "version",
            "version_label",
            "language",
            "custom",
            "family",
            "domain",
            "licence_acknowledged",
            "citations",
            "licence",
            "instructions",
            "scale",
            "items",
            "scoring",
            "alerts",
            "classification",
            "reliable_change",
            "omitted",
        ]

    def _definition(self, instrument) -> dict:
        return instrument.current_version.definition

    def get_short_name(self, instrument) -> str:
        return self._definition(instrument).get("short_name", instrument.name)

    def get_language(self, instrument) -> str:
        return self._definition(instrument)["language"]

    def get_domain(self, instrument) -> dict | None:
        return self._definition(instrument).get("domain")

    def get_citations(self, instrument) -> list:
        return self._definition(instrument)["citations"]

    def get_licence(self, instrument) -> dict:
        return self._definition(instrument)["licence"]

    def get_instructions(self, instrument) -> str | None:
        return self._definition(instrument)["instructions"]

    def get_scale(self, instrument) -> dict | None:
        return self._definition(instrument).get("scale")

    def get_items(self, instrument) -> list:
        return self._definition(instrument)["items"]

    def get_scoring(self, instrument) -> dict | None:
        return self._definition(instrument).get("scoring")

    def get_alerts(self, instrument) -> list:
        return self._definition(instrument)["alerts"]

    def get_classification(self, instrument) -> dict | None:
        return self._definition(instrument).get("classification")

    def get_reliable_change(self, instrument) -> dict | None:
        return self._definition(instrument).get("reliable_change")

    def get_omitted(self, instrument) -> list:
        return self._definition(instrument)["omitted"]


class ScoreRequestSerializer(serializers.Serializer):
    answers = BoundedJSONField(
        help_text=(
            gettext_lazy(
                'Answers keyed by item number ({"1": 2, "2": 0}) or a list in item order '
                "([2, 0, null]); null or a missing key is a missing answer."
            )
        )
    )

    def validate_answers(self, value):
        if not isinstance(value, dict | list):
            raise serializers.ValidationError(
                gettext(
                    "Give the answers as an object keyed by item number or as a list in item order."
                )
            )
        return value


# --- Assignments and invitations ------------------------------------------------------------------


class OccasionSerializer(serializers.ModelSerializer):
    status = serializers.CharField(
        source="display_status",
        read_only=True,
        help_text=gettext_lazy(
            "scheduled, skipped or cancelled; once sent, the invitation's status."
        ),
    )
    invitation = serializers.IntegerField(source="packet_id", read_only=True, allow_null=True)

    class Meta:
        model = Occasion
        fields = ["due_date", "due_at", "status", "skip_reason", "invitation"]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer):
    """An assignment: which instruments, and when (now, once, every N weeks or monthly) in the
    client's time zone. ``send_now`` sends at once instead of scheduling."""

    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.none())
    instruments = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Instrument.objects.none()
    )
    schedule = serializers.ChoiceField(
        choices=Assignment.Schedule.choices, default=Assignment.Schedule.ONCE
    )
    send_now = serializers.BooleanField(
        write_only=True,
        default=False,
        help_text=gettext_lazy("Send at once (the schedule fields are ignored)."),
    )
    time_zone = TextField(
        required=False, allow_blank=True, help_text=gettext_lazy("Default: the client's time zone.")
    )
    send_time = LocalTimeField(
        required=False, help_text=gettext_lazy("Local time the e-mail goes out.")
    )
    status = serializers.ChoiceField(
        choices=Assignment.Status.choices,
        required=False,
        help_text=gettext_lazy(
            "A change sets paused, active or ended to pause, resume or end (as POST "
            "…/end/ does; an ended assignment stays ended). A new assignment is active."
        ),
    )
    description = serializers.CharField(source="english_description", read_only=True)
    created_by = serializers.EmailField(source="created_by.email", read_only=True, default=None)
    occasions = OccasionSerializer(many=True, read_only=True, source="recent_occasions")

    class Meta:
        model = Assignment
        fields = [
            "id",
            "client",
            "instruments",
            "schedule",
            "send_now",
            "interval_weeks",
            "start_date",
            "send_time",
            "time_zone",
            "end_date",
            "max_occasions",
            "status",
            "description",
            "created_by",
            "created_at",
            "ended_at",
            "occasions",
        ]
        read_only_fields = ["id", "created_at", "ended_at"]
        extra_kwargs = {"start_date": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        practice = getattr(request, "practice", None) if request else None
        self.fields["client"].queryset = Client.objects.visible_to(user)
        self.fields["instruments"].child_relation.queryset = Instrument.objects.available_to(
            practice
        )
        if self.instance is not None and not isinstance(self.instance, list):
            self.fields["client"].read_only = True

    def validate_status(self, value):
        if self.instance is None and value != Assignment.Status.ACTIVE:
            raise serializers.ValidationError(
                gettext("A new assignment is active; pause or end it once it exists.")
            )
        return value


class InvitationItemSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="instrument.code", read_only=True)
    name = serializers.CharField(source="instrument.name", read_only=True)
    version = serializers.IntegerField(source="instrument_version.number", read_only=True)

    class Meta:
        model = PacketItem
        fields = ["position", "code", "name", "version", "completed"]
        read_only_fields = fields


class InvitationEmailSerializer(serializers.Serializer):
    state = serializers.CharField(
        source="status", read_only=True, help_text=gettext_lazy("queued, sending, sent or failed.")
    )
    attempts = serializers.IntegerField(read_only=True)
    last_error = serializers.CharField(read_only=True)
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)


class InvitationSerializer(serializers.ModelSerializer):
    """A packet: one e-mail, one link, one visit. The link itself is never readable here."""

    status = serializers.CharField(
        read_only=True,
        help_text=gettext_lazy(
            "pending, sent, opened, in_progress, completed, expired or revoked."
        ),
    )
    questionnaires = InvitationItemSerializer(source="items", many=True, read_only=True)
    email = InvitationEmailSerializer(source="last_email", read_only=True, allow_null=True)

    class Meta:
        model = Packet
        fields = [
            "id",
            "client",
            "status",
            "local_date",
            "sent_at",
            "opened_at",
            "completed_at",
            "expires_at",
            "revoked_at",
            "reminders_sent",
            "next_reminder_at",
            "questionnaires",
            "email",
        ]
        read_only_fields = fields
