"""``/api/v1/administrations/``: submitted questionnaires with their scores, filtered by client,
instrument and date (``?format=csv`` streams the same administrations as the scores CSV, with a
header row and the reliable-change numbers); ``/api/v1/administrations/<id>/``: one with every
answer and the scoring engine's result.
``/api/v1/alerts/``: safety alerts, open or acknowledged; ``POST /api/v1/alerts/<id>/acknowledge/``
acknowledges one through the same service as the alert page, and refreshes the client's
dashboard row as the page does.

Scoped through ``visible_to`` like the pages (anything else is 404) and audited.
"""

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as ApiResponse

from assessments import services
from assessments.models import Alert, AlertAction, Response
from assessments.services import alerts as alert_service
from clients.exports.scores import COLUMNS
from clients.models import Client
from clients.views.exports import stream_scores
from practice import audit
from practice.api import FileRenderer, ScopedViewSetMixin
from practice.dashboard import progress
from practice.models import AuditAction


class CSVRenderer(FileRenderer):
    """``?format=csv`` (or ``Accept: text/csv``) on the list, which streams its own CSV; this
    renderer only carries errors, as JSON text."""

    media_type = "text/csv"
    format = "csv"


class AdministrationRecordSerializer(serializers.ModelSerializer):
    client = serializers.UUIDField(source="client_id", read_only=True)
    instrument = serializers.CharField(source="instrument.code", read_only=True)
    instrument_version = serializers.CharField(source="instrument_version.label", read_only=True)
    style = serializers.CharField(source="style_label", read_only=True)
    scores = serializers.JSONField(
        read_only=True, help_text=gettext_lazy("Subscale key to {label, score, band}.")
    )

    class Meta:
        model = Response
        fields = [
            "id",
            "client",
            "instrument",
            "instrument_version",
            "submitted_at",
            "source",
            "status",
            "total",
            "band",
            "quadrant",
            "style",
            "scores",
        ]
        read_only_fields = fields


class AnswerSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    text = serializers.CharField()
    type = serializers.CharField()
    answer = serializers.JSONField(allow_null=True)
    label = serializers.CharField(allow_blank=True)
    reverse = serializers.BooleanField()


class AdministrationDetailSerializer(AdministrationRecordSerializer):
    answers = serializers.SerializerMethodField(
        help_text=gettext_lazy("Each question with the answer given.")
    )
    result = serializers.JSONField(
        read_only=True, help_text=gettext_lazy("The scoring engine's result.")
    )

    class Meta(AdministrationRecordSerializer.Meta):
        fields = [*AdministrationRecordSerializer.Meta.fields, "answers", "result"]
        read_only_fields = fields

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, response: Response) -> list[dict]:
        return AnswerSerializer(services.responses.answer_rows(response), many=True).data


class AdministrationFilter(django_filters.FilterSet):
    client = django_filters.UUIDFilter(field_name="client_id", label=gettext_lazy("Client id"))
    instrument = django_filters.CharFilter(
        field_name="instrument__code", max_length=40, label=gettext_lazy("Instrument code")
    )
    since = django_filters.DateFilter(
        field_name="submitted_at",
        lookup_expr="date__gte",
        label=gettext_lazy("Submitted on or after"),
    )
    until = django_filters.DateFilter(
        field_name="submitted_at",
        lookup_expr="date__lte",
        label=gettext_lazy("Submitted on or before"),
    )

    class Meta:
        model = Response
        fields = ["client", "instrument", "since", "until"]


class AdministrationViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = AdministrationRecordSerializer
    filterset_class = AdministrationFilter
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CSVRenderer]

    def scoped_queryset(self, user):
        return (
            Response.objects.visible_to(user)
            .select_related("instrument", "instrument_version")
            .order_by("-submitted_at", "-pk")
        )

    def handle_exception(self, exc):
        """A refused CSV request says why in JSON, as every other refusal does."""
        if getattr(getattr(self.request, "accepted_renderer", None), "format", "") == "csv":
            self.request.accepted_renderer = renderers.JSONRenderer()
            self.request.accepted_media_type = renderers.JSONRenderer.media_type
        return super().handle_exception(exc)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return AdministrationDetailSerializer
        return AdministrationRecordSerializer

    @extend_schema(
        responses={
            (200, "application/json"): AdministrationRecordSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="With ?format=csv: a header row ("
                + ", ".join(COLUMNS)
                + "), then one row per administration and subscale.",
            ),
        }
    )
    def list(self, request, *args, **kwargs):
        """Administrations newest first with their scores; ``?format=csv`` for the CSV."""
        if request.accepted_renderer.format == "csv":
            only = self.filter_queryset(self.get_queryset())
            clients = Client.objects.visible_to(request.user)
            return stream_scores(request, clients, "administrations.csv", only=only)
        audit.record_list(request, "response", request.practice)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One administration with every answer and the engine's result."""
        response = self.get_object()
        audit.record(request, AuditAction.VIEW, response)
        return ApiResponse(self.get_serializer(response).data)


class AlertSerializer(serializers.ModelSerializer):
    client = serializers.UUIDField(source="client_id", read_only=True)
    administration = serializers.IntegerField(source="response_id", read_only=True)
    instrument = serializers.CharField(source="response.instrument.code", read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "client",
            "administration",
            "instrument",
            "rule_key",
            "rule_label",
            "guidance",
            "raised_at",
            "status",
            "acknowledged_at",
            "acknowledged_by",
            "action",
            "action_note",
        ]
        read_only_fields = fields

    def get_status(self, alert: Alert) -> str:
        return "open" if alert.is_open else "acknowledged"


class AcknowledgeSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=AlertAction.choices, help_text=gettext_lazy("What was done.")
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=alert_service.ACTION_NOTE_MAX_LENGTH,
        help_text=gettext_lazy("Required with action 'other'."),
    )


class AlertFilter(django_filters.FilterSet):
    client = django_filters.UUIDFilter(field_name="client_id", label=gettext_lazy("Client id"))
    status = django_filters.ChoiceFilter(
        choices=[("open", "Open"), ("acknowledged", "Acknowledged")],
        method="filter_status",
        label=gettext_lazy("Open or acknowledged"),
    )

    class Meta:
        model = Alert
        fields = ["client", "status"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(acknowledged_at__isnull=value == "open")


class AlertViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = AlertSerializer
    filterset_class = AlertFilter

    def scoped_queryset(self, user):
        return (
            Alert.objects.visible_to(user)
            .select_related("response__instrument")
            .order_by("-raised_at", "-pk")
        )

    def list(self, request, *args, **kwargs):
        """Alerts newest first; ``?status=open`` for those still waiting."""
        audit.record_list(request, "alert", request.practice)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        alert = self.get_object()
        audit.record(request, AuditAction.VIEW, alert)
        return ApiResponse(self.get_serializer(alert).data)

    @extend_schema(
        request=AcknowledgeSerializer,
        responses={200: AlertSerializer, 400: OpenApiResponse(description="Each bad field.")},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def acknowledge(self, request, pk=None):
        """Acknowledge the alert with the action taken, as the alert page does; acknowledging
        twice keeps the first acknowledgement."""
        alert = self.get_object()
        body = AcknowledgeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        alert_service.acknowledge_alert(request.user, alert, request=request, **body.validated_data)
        progress.refresh_client_progress(alert.client_id)  # the dashboard's open alerts
        return ApiResponse(self.get_serializer(self.get_queryset().get(pk=alert.pk)).data)
