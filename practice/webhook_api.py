"""``/api/v1/webhooks/`` (owners only): the practice's webhook endpoints, their recent deliveries
and "send again". The secret is in the answer to a create and to ``POST …/secret/`` only."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from practice import api_auth, webhooks
from practice.api import ScopedViewSetMixin
from practice.api_schema import STRICT_FIELD_MAPPING
from practice.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class IsPracticeOwner(api_auth.IsPracticeOwner):
    message = gettext_lazy("Only the practice's owners can manage webhooks.")


class WebhookEndpointSerializer(serializers.ModelSerializer):
    serializer_field_mapping = STRICT_FIELD_MAPPING
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=webhooks.EVENTS),
        allow_empty=False,
        help_text=gettext_lazy("The event types sent to this endpoint."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_url(self, url: str) -> str:
        try:
            webhooks.check_url(url)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return url


class WebhookSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(
        read_only=True, help_text=gettext_lazy("Signs every delivery's Attune-Signature header.")
    )


class CreatedWebhookEndpointSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text=gettext_lazy("Signs every delivery; shown here and on request only."),
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "number",
            "attempted_at",
            "status_code",
            "error",
            "response_excerpt",
            "duration_ms",
        ]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    attempts_made = WebhookAttemptSerializer(source="tries", many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "event_id",
            "payload",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "created_at",
            "delivered_at",
            "resent_from",
            "attempts_made",
        ]


class WebhookEndpointViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Owners register the HTTPS endpoints their systems receive events on. Clinicians get 403;
    another practice's endpoints 404."""

    serializer_class = WebhookEndpointSerializer
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, IsPracticeOwner]

    def scoped_queryset(self, user):
        # The practice is set by IsPracticeMember; schema generation has none, so sees nothing.
        practice = getattr(self.request, "practice", None)
        return WebhookEndpoint.objects.filter(practice=practice).order_by("created_at", "pk")

    @extend_schema(responses={201: CreatedWebhookEndpointSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = webhooks.create_endpoint(request, request.practice, **serializer.validated_data)
        return Response(
            CreatedWebhookEndpointSerializer(endpoint).data, status=status.HTTP_201_CREATED
        )

    def perform_update(self, serializer):
        webhooks.update_endpoint(self.request, serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        webhooks.delete_endpoint(self.request, instance)

    @extend_schema(request=None, responses={200: WebhookSecretSerializer})
    @action(detail=True, methods=["post"])
    def secret(self, request, pk=None):
        """The endpoint's signing secret (audited as a view of it)."""
        return Response({"secret": webhooks.reveal_secret(request, self.get_object())})

    @extend_schema(responses={200: WebhookDeliverySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The endpoint's deliveries, newest first, each with its attempts."""
        endpoint = self.get_object()
        queryset = endpoint.deliveries.prefetch_related("tries").order_by("-created_at", "-id")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(
        request=None,
        responses={
            202: WebhookDeliverySerializer,
            400: OpenApiResponse(description="The endpoint is turned off."),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[0-9]{1,18})/redeliver",
        url_name="redeliver",
    )
    def redeliver(self, request, pk=None, delivery_id=None):
        """Queue the delivery's event again to this endpoint, as a new delivery (same event
        id)."""
        endpoint = self.get_object()
        delivery = endpoint.deliveries.filter(pk=int(delivery_id)).first()
        if delivery is None:
            return Response(
                {"detail": gettext("No such delivery.")}, status=status.HTTP_404_NOT_FOUND
            )
        again = webhooks.send_again(request, delivery)
        return Response(WebhookDeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)
