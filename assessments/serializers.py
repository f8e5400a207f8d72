"""API representation of instruments and of a scoring request."""

from rest_framework import serializers

from assessments.models import Instrument


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
    answers = serializers.JSONField(
        help_text=(
            'Answers keyed by item number ({"1": 2, "2": 0}) or a list in item order '
            "([2, 0, null]); null or a missing key is a missing answer."
        )
    )

    def validate_answers(self, value):
        if not isinstance(value, dict | list):
            raise serializers.ValidationError(
                "Give the answers as an object keyed by item number or as a list in item order."
            )
        return value
