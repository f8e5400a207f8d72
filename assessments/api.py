"""``/api/v1/instruments/``: list and retrieve the instruments a practice can see, and score
answers on one (``POST /api/v1/instruments/<code>/score/``).
``/api/v1/assignments/``: create, list, retrieve, update and end assignments.
``/api/v1/invitations/``: list questionnaire links with their status, resend or revoke one.
All scoped through ``Client.objects.visible_to`` and audited like the pages."""

import django_filters
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from assessments import services
from assessments.models import Assignment, Instrument, Occasion, Packet, PacketItem
from assessments.scoring import AnswerError
from assessments.serializers import (
    AssignmentSerializer,
    InstrumentSerializer,
    InvitationSerializer,
    ScoreRequestSerializer,
)
from assessments.services import assignments as assignment_service
from assessments.services import overview
from practice import audit
from practice.api import ScopedViewSetMixin
from practice.dashboard import progress
from practice.models import AuditAction


class InstrumentViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = InstrumentSerializer
    lookup_field = "code"
    lookup_value_regex = "[a-z0-9-]+"

    def scoped_queryset(self, user):
        # The practice is set by IsPracticeMember; schema generation has none, so sees nothing.
        practice = getattr(self.request, "practice", None)
        return (
            Instrument.objects.available_to(practice)
            .with_acknowledgement(practice)
            .select_related("current_version")
            .order_by("name", "code")
        )

    @extend_schema(
        request=ScoreRequestSerializer,
        responses={
            200: OpenApiResponse(description="The scoring engine's result, as `manage.py score`."),
            400: OpenApiResponse(description="Answers that cannot be scored, each named."),
            403: OpenApiResponse(description="The licence note is not yet acknowledged."),
        },
    )
    @action(detail=True, methods=["post"])
    def score(self, request, code=None):
        instrument = self.get_object()
        services.require_usable(request.practice, instrument)
        payload = ScoreRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            result = services.score_answers(
                request.practice, instrument, payload.validated_data["answers"]
            )
        except AnswerError as error:
            return Response({"answers": error.problems}, status=status.HTTP_400_BAD_REQUEST)
        return Response(result)


# --- Assignments and invitations --------------------------------------------------------------------


def _as_api_error(error: DjangoValidationError) -> serializers.ValidationError:
    """A service's ``ValidationError`` as a 400 naming each field (``non_field_errors`` else)."""
    if hasattr(error, "error_dict"):
        detail = {
            ("non_field_errors" if name == NON_FIELD_ERRORS else name): messages
            for name, messages in error.message_dict.items()
        }
        return serializers.ValidationError(detail)
    return serializers.ValidationError({"non_field_errors": error.messages})


def _occasions_prefetch():
    return Prefetch(
        "occasions",
        queryset=Occasion.objects.exclude(status=Occasion.Status.CANCELLED)
        .select_related("packet")
        .order_by("-due_at", "-pk")[: overview.RECENT_OCCASIONS],
        to_attr="recent_occasions",
    )


class AssignmentFilter(django_filters.FilterSet):
    client = django_filters.UUIDFilter(field_name="client_id")
    status = django_filters.ChoiceFilter(choices=Assignment.Status.choices)

    class Meta:
        model = Assignment
        fields = ["client", "status"]


@extend_schema_view(
    list=extend_schema(summary="Assignments of the clients you can see"),
    create=extend_schema(
        summary="Assign instruments to a client: now, or on a schedule",
        responses={201: AssignmentSerializer, 400: OpenApiResponse(description="Each bad field.")},
    ),
    update=extend_schema(summary="Change an assignment's schedule or instruments"),
    partial_update=extend_schema(
        summary="Change some of an assignment's schedule; status paused/active/ended pauses, "
        "resumes or ends it"
    ),
)
class AssignmentViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter

    def scoped_queryset(self, user):
        return (
            Assignment.objects.visible_to(user)
            .select_related("client", "created_by")
            .prefetch_related("instruments", _occasions_prefetch())
            .order_by("-created_at", "-pk")
        )

    def list(self, request, *args, **kwargs):
        audit.record_list(request, "assignment", request.practice)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        assignment = self.get_object()
        audit.record(request, AuditAction.VIEW, assignment)
        return Response(self.get_serializer(assignment).data)

    def _reloaded(self, assignment):
        return self.scoped_queryset(self.request.user).get(pk=assignment.pk)

    def perform_create(self, serializer):
        data = serializer.validated_data
        plan = assignment_service.Plan(
            schedule=data["schedule"],
            send_now=data["send_now"],
            start_date=data.get("start_date"),
            send_time=data.get("send_time"),
            time_zone=data.get("time_zone", ""),
            interval_weeks=data.get("interval_weeks"),
            end_date=data.get("end_date"),
            max_occasions=data.get("max_occasions"),
        )
        try:
            assignment = services.assign(
                self.request.user, data["client"], data["instruments"], plan, request=self.request
            )
        except DjangoValidationError as error:
            raise _as_api_error(error) from None
        # The services sit below the dashboard: the API refreshes the client's row, as the
        # pages do, in the request's transaction.
        progress.refresh_client_progress(data["client"])
        serializer.instance = self._reloaded(assignment)

    def perform_update(self, serializer):
        assignment = serializer.instance
        data = dict(serializer.validated_data)
        status_change = data.pop("status", None)
        data.pop("send_now", None)
        instruments = data.pop("instruments", None)
        try:
            if data or instruments is not None:
                plan = assignment_service.plan_from_assignment(assignment, **data)
                services.update_assignment(
                    self.request.user, assignment, plan, instruments, request=self.request
                )
            if status_change == Assignment.Status.PAUSED:
                services.pause_assignment(self.request.user, assignment, request=self.request)
            elif status_change == Assignment.Status.ACTIVE:
                services.resume_assignment(self.request.user, assignment, request=self.request)
            elif status_change == Assignment.Status.ENDED:
                services.end_assignment(self.request.user, assignment, request=self.request)
        except DjangoValidationError as error:
            raise _as_api_error(error) from None
        progress.refresh_client_progress(assignment.client_id)
        serializer.instance = self._reloaded(assignment)

    @extend_schema(
        request=None,
        responses={200: AssignmentSerializer, 400: OpenApiResponse(description="Already ended.")},
        summary="End an assignment: nothing more is sent",
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        assignment = self.get_object()
        try:
            services.end_assignment(request.user, assignment, request=request)
        except DjangoValidationError as error:
            raise _as_api_error(error) from None
        progress.refresh_client_progress(assignment.client_id)
        return Response(self.get_serializer(self._reloaded(assignment)).data)


class InvitationFilter(django_filters.FilterSet):
    client = django_filters.UUIDFilter(field_name="client_id")
    status = django_filters.ChoiceFilter(choices=Packet.Status.choices)

    class Meta:
        model = Packet
        fields = ["client", "status"]


@extend_schema_view(
    list=extend_schema(summary="Questionnaire links (packets) of the clients you can see"),
    retrieve=extend_schema(summary="One questionnaire link's status"),
)
class InvitationViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Packets as the clinician sees them. The link itself is never readable: only a resend
    makes a new one, and it goes to the client by e-mail."""

    serializer_class = InvitationSerializer
    filterset_class = InvitationFilter

    def scoped_queryset(self, user):
        return (
            Packet.objects.visible_to(user)
            .select_related("last_email")
            .prefetch_related(
                Prefetch(
                    "items",
                    queryset=PacketItem.objects.select_related(
                        "instrument", "instrument_version"
                    ).order_by("position"),
                )
            )
            .order_by("-created_at", "-pk")
        )

    def list(self, request, *args, **kwargs):
        audit.record_list(request, "packet", request.practice)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        packet = self.get_object()
        audit.record(request, AuditAction.VIEW, packet)
        return Response(self.get_serializer(packet).data)

    def _act(self, request, operation):
        packet = self.get_object()
        try:
            operation(request.user, packet, request=request)
        except DjangoValidationError as error:
            raise _as_api_error(error) from None
        progress.refresh_client_progress(packet.client_id)  # as the pages do
        return Response(self.get_serializer(self.get_queryset().get(pk=packet.pk)).data)

    @extend_schema(
        request=None,
        responses={
            200: InvitationSerializer,
            400: OpenApiResponse(description="Completed or revoked, or the client has no e-mail."),
        },
        summary="E-mail a new link; every earlier link stops working",
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        return self._act(request, services.resend_packet)

    @extend_schema(
        request=None,
        responses={200: InvitationSerializer, 400: OpenApiResponse(description="Completed.")},
        summary="Stop the links from working",
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        return self._act(request, services.revoke_packet)
