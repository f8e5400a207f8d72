"""API representation of session notes, addenda, versions and tags.

Serializers parse and present; the rules (dates in the client's zone, durations, tags of the
practice, locking) live in ``clients/notes/`` and reach the caller as 400 or 409 answers.
"""

import zoneinfo

from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import Response
from clients.models import Client, NoteAddendum, NoteTag, SessionNote, SessionNoteVersion
from clients.notes import NoteInput
from practice.api_schema import STRICT_FIELD_MAPPING, LocalTimeField, TextField


class NoteTagSerializer(serializers.ModelSerializer):
    class Meta:
        model = NoteTag
        fields = ["id", "name", "kind", "is_active"]


class LinkedAssessmentSerializer(serializers.ModelSerializer):
    """A questionnaire response linked to a note: which instrument and when, nothing more."""

    instrument = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Response
        fields = ["id", "instrument", "submitted_at"]
        read_only_fields = fields


class SessionNoteSerializer(serializers.ModelSerializer):
    """A note as read: the session in the client's local date and time, and the note itself."""

    author_name = serializers.CharField(source="author.__str__", read_only=True)
    start_time = serializers.SerializerMethodField(
        help_text=gettext_lazy("Local time in ``time_zone``.")
    )
    tags = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    tag_names = serializers.SerializerMethodField()
    assessments = LinkedAssessmentSerializer(many=True, read_only=True)
    addenda_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = SessionNote
        fields = [
            "id",
            "client",
            "author",
            "author_name",
            "started_at",
            "time_zone",
            "session_date",
            "start_time",
            "duration_minutes",
            "session_type",
            "modality",
            "note_format",
            "content",
            "tags",
            "tag_names",
            "assessments",
            "status",
            "version",
            "signed_at",
            "signed_by",
            "addenda_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(LocalTimeField)
    def get_start_time(self, note) -> str:
        return note.started_at.astimezone(zoneinfo.ZoneInfo(note.time_zone)).strftime("%H:%M")

    def get_tag_names(self, note) -> list[str]:
        return sorted(tag.name for tag in note.tags.all())


class SessionNoteSummarySerializer(SessionNoteSerializer):
    """A note in a list or search result: everything but its text and linked questionnaires.
    Reading those is one audited request per note (``GET /api/v1/notes/<id>/``)."""

    class Meta(SessionNoteSerializer.Meta):
        fields = [
            name
            for name in SessionNoteSerializer.Meta.fields
            if name not in ("content", "assessments")
        ]
        read_only_fields = fields


class SessionNoteWriteSerializer(serializers.Serializer):
    """What a client of the API sends to record a session or change a draft.

    ``session_date`` and ``start_time`` are the client's local date and time. ``content`` maps
    the format's sections to text: ``text`` (free); ``subjective``, ``objective``,
    ``assessment``, ``plan`` (SOAP); ``data``, ``assessment``, ``plan`` (DAP); ``behaviour``,
    ``intervention``, ``response``, ``plan`` (BIRP). ``tags`` are ids from ``/api/v1/note-tags/``;
    ``assessments`` are ids of the client's submitted questionnaire responses discussed in the
    session.
    """

    client = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.none(), help_text=gettext_lazy("On create only.")
    )
    session_date = serializers.DateField()
    start_time = LocalTimeField()
    duration_minutes = serializers.IntegerField()
    session_type = serializers.ChoiceField(choices=SessionNote.SessionType.choices)
    modality = serializers.ChoiceField(choices=SessionNote.Modality.choices)
    note_format = serializers.ChoiceField(choices=SessionNote.Format.choices)
    content = serializers.DictField(child=TextField(allow_blank=True, trim_whitespace=False))
    tags = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    assessments = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text=gettext_lazy(
            "Ids of the client's questionnaire responses discussed in the session."
        ),
    )
    version = serializers.IntegerField(
        required=False,
        write_only=True,
        help_text=gettext_lazy(
            "The version you edited; a save made since then is refused instead of lost."
        ),
    )

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        if clients is None:  # changing a draft: its client is fixed
            del self.fields["client"]
        else:
            self.fields["client"].queryset = clients

    def to_input(self, base: NoteInput | None = None) -> NoteInput:
        """The validated data as a ``NoteInput``, over ``base`` (the draft's current values)
        for a partial change."""
        data = self.validated_data
        values = dict(vars(base)) if base is not None else {}
        for name in (
            "session_date",
            "start_time",
            "duration_minutes",
            "session_type",
            "modality",
            "note_format",
            "content",
        ):
            if name in data:
                values[name] = data[name]
        if "tags" in data and (base is None or "tags" in self.initial_data):
            values["tag_ids"] = data["tags"]
        if "assessments" in data and (base is None or "assessments" in self.initial_data):
            values["assessment_ids"] = data["assessments"]
        return NoteInput(**values)


class AddendumSerializer(serializers.ModelSerializer):
    serializer_field_mapping = STRICT_FIELD_MAPPING
    author_name = serializers.CharField(source="author.__str__", read_only=True)

    class Meta:
        model = NoteAddendum
        fields = ["id", "author", "author_name", "created_at", "text"]
        read_only_fields = ["id", "author", "author_name", "created_at"]
        extra_kwargs = {"text": {"trim_whitespace": True}}


class NoteVersionSerializer(serializers.ModelSerializer):
    saved_by_name = serializers.CharField(source="saved_by.__str__", read_only=True)

    class Meta:
        model = SessionNoteVersion
        fields = [
            "number",
            "saved_by",
            "saved_by_name",
            "saved_at",
            "started_at",
            "time_zone",
            "session_date",
            "duration_minutes",
            "session_type",
            "modality",
            "note_format",
            "content",
            "tag_names",
            "assessment_ids",
        ]
        read_only_fields = fields


class NoteSearchSerializer(serializers.Serializer):
    """A search, sent as a POST body so the words never appear in a URL or server log."""

    q = TextField(max_length=200, required=False, allow_blank=True, default="")
    tags = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    client = serializers.UUIDField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if not attrs["q"].strip() and not attrs["tags"]:
            raise serializers.ValidationError(
                gettext("Send words in q, or at least one tag id in tags.")
            )
        return attrs
