"""``/api/v1/instruments/``: list and retrieve the instruments a practice can see, and score
answers on one (``POST /api/v1/instruments/<code>/score/``)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from assessments import services
from assessments.models import Instrument
from assessments.scoring import AnswerError
from assessments.serializers import InstrumentSerializer, ScoreRequestSerializer
from practice.api import ScopedViewSetMixin


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
