"""``/api/v1/clients/``: list, create, retrieve, update, discharge and reactivate, and each
client's trajectory; scoped and audited like the pages."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from assessments import trajectory as trajectory_service
from assessments.trajectory_serializers import (
    ClientTrajectorySerializer,
    TrajectoryQuerySerializer,
    trajectory_data,
)
from clients import services
from clients.models import Client, mark_checked
from clients.serializers import ClientSerializer, DischargeSerializer, ReactivateSerializer
from clients.views.records import close_open_work
from practice import audit
from practice.api import ScopedViewSetMixin
from practice.dashboard import overview_counts, progress
from practice.models import AuditAction, User


def _practice_clinicians(request):
    """The filter's choices: members of the practice the request acts under, never every user
    (a choice list of every account would tell which user ids exist)."""
    practice = getattr(request, "practice", None)
    return services.practice_clinicians(practice) if practice else User.objects.none()


class ClientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=gettext_lazy("Name, e-mail or reference"))
    status = django_filters.ChoiceFilter(choices=Client.Status.choices)
    primary_clinician = django_filters.ModelChoiceFilter(queryset=_practice_clinicians)

    class Meta:
        model = Client
        fields = ["status", "primary_clinician"]

    def search(self, queryset, name, value):
        return queryset.search(value)


class ClientViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ClientSerializer
    filterset_class = ClientFilter

    def scoped_queryset(self, user):
        return (
            Client.objects.visible_to(user)
            .select_related("practice")
            .prefetch_related("episodes")
            .order_by("full_name", "pk")
        )

    def get_object(self):
        # Loaded through scoped_queryset (visible_to): rows about it need no second check.
        return mark_checked(super().get_object(), self.request.user)

    def list(self, request, *args, **kwargs):
        audit.record_list(request, "client", request.practice)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        client = self.get_object()
        audit.record(request, AuditAction.VIEW, client)
        return Response(self.get_serializer(client).data)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.create_client(self.request, self.request.practice, **data)

    def perform_update(self, serializer):
        client = serializer.instance
        changed = [
            name
            for name, value in serializer.validated_data.items()
            if getattr(client, name) != value
        ]
        for name, value in serializer.validated_data.items():
            setattr(client, name, value)
        services.update_client(self.request, client, changed)
        overview_counts.sync_overview([client.pk])  # counted under a new primary clinician

    @extend_schema(
        parameters=[TrajectoryQuerySerializer],
        responses={200: ClientTrajectorySerializer},
        description="Every scored instrument the client answered: the series of administrations "
        "(scores, bands, style), change since the baseline and the previous administration with "
        "reliable-change labels (or why not available), earned security and the plane's inputs. "
        "Dates are local dates in the client's time zone. Audited as a read of the record.",
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def trajectory(self, request, pk=None):
        client = self.get_object()
        query = TrajectoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        # The engine's reasons follow the active language; the API's words stay English.
        with translation.override(None):
            result = trajectory_service.client_trajectory(
                request.user,
                client,
                query.validated_data.get("start"),
                query.validated_data.get("end"),
            )
            data = ClientTrajectorySerializer(trajectory_data(result)).data
        audit.record(request, AuditAction.VIEW, client)
        return Response(data)

    def _managed_client(self) -> Client:
        client = self.get_object()
        if not services.can_manage(self.request.membership, client):
            raise PermissionDenied(
                gettext("Only the client's primary clinician or an owner can do this.")
            )
        return client

    @extend_schema(
        request=DischargeSerializer,
        responses={200: ClientSerializer},
        description="Discharge the client (their primary clinician or an owner): their "
        "schedules end, their open questionnaire links are revoked and their current episode "
        "of care ends, for `reason`. The record is kept. A client already discharged stays so "
        "(anything still open is closed). Audited.",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def discharge(self, request, pk=None):
        client = self._managed_client()
        body = DischargeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.discharge_client(
            request,
            client,
            close_open_work=lambda client: close_open_work(request, client),
            reason=body.validated_data["reason"],
        )
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        request=ReactivateSerializer,
        responses={200: ClientSerializer},
        description="Make a discharged client active again (their primary clinician or an "
        "owner), in a new episode of care (`episode: new`, baselines start again) or their "
        "last one resumed (`episode: resume`). An active client is left as is. Audited.",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def reactivate(self, request, pk=None):
        client = self._managed_client()
        body = ReactivateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not client.is_active:
            resume = body.validated_data["episode"] == ReactivateSerializer.RESUME
            services.reactivate_client(request, client, resume=resume)
            progress.refresh_client_progress(client)  # a new episode starts the baselines anew
        return Response(self.get_serializer(self.get_object()).data)
