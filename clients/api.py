"""``/api/v1/clients/``: list, create, retrieve, update; scoped and audited like the pages."""

import django_filters
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from clients import services
from clients.models import Client
from clients.serializers import ClientSerializer
from practice import audit
from practice.api import ScopedViewSetMixin
from practice.models import AuditAction


class ClientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Name, e-mail or reference")
    status = django_filters.ChoiceFilter(choices=Client.Status.choices)

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
            Client.objects.visible_to(user).select_related("practice").order_by("full_name", "pk")
        )

    def list(self, request, *args, **kwargs):
        audit.record_list(request, "client", request.practice)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        client = self.get_object()
        audit.record(request, AuditAction.VIEW, client)
        return Response(self.get_serializer(client).data)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.setdefault("primary_clinician", self.request.user)
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
