"""FHIR R4 over the API (``assessments/fhir/``), scoped and audited like the pages:

- ``GET /api/v1/clients/<id>/fhir/``: the client's record as a collection Bundle;
- ``POST /api/v1/clients/<id>/fhir/questionnaire-responses/``: import a QuestionnaireResponse
  answered in another system (``?instrument=<code>`` when its ``questionnaire`` does not say);
- ``GET /api/v1/instruments/<code>/fhir/``: an instrument as a Questionnaire;
- ``POST /api/v1/instruments/fhir/``: a Questionnaire as a custom instrument (owners).

Resources are served as ``application/fhir+json`` when asked for (``Accept``), JSON otherwise,
and read from either.
"""

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import loader
from assessments.fhir import services as fhir
from assessments.models import Instrument
from assessments.services import InstrumentNotUsable
from clients.models import Client
from practice.api_parsers import BoundedJSONParser
from practice.dashboard import progress
from practice.idempotency import IdempotentCreateMixin


class FhirJSONRenderer(JSONRenderer):
    media_type = fhir.FHIR_JSON
    format = "fhir"


class FhirJSONParser(BoundedJSONParser):
    media_type = fhir.FHIR_JSON


RENDERERS = [JSONRenderer, FhirJSONRenderer]
PARSERS = [BoundedJSONParser, FhirJSONParser]


def visible_client(request, pk) -> Client:
    try:
        return Client.objects.get_visible(request.user, pk=pk)
    except Client.DoesNotExist:
        raise Http404 from None


class ImportedResponseSerializer(serializers.Serializer):
    response = serializers.IntegerField(help_text=gettext_lazy("The stored response's id."))
    instrument = serializers.CharField()
    submitted_at = serializers.DateTimeField(help_text=gettext_lazy("The response's `authored`."))
    status = serializers.CharField(
        help_text=gettext_lazy("complete or incomplete, as the engine judged.")
    )
    total = serializers.FloatField(allow_null=True)
    band = serializers.CharField(allow_blank=True)
    alerts = serializers.IntegerField(help_text=gettext_lazy("How many alerts the answers raised."))


class ClientBundleView(APIView):
    renderer_classes = RENDERERS

    @extend_schema(
        operation_id="clients_fhir_bundle",
        summary="The client's record as a FHIR R4 Bundle",
        description="A `collection` Bundle: a minimal Patient (identifiers only), a "
        "Questionnaire per instrument version answered, a QuestionnaireResponse per "
        "administration and an Observation per score (LOINC codes where the instrument's file "
        "gives them, Attune's code system otherwise); every reference resolves inside it. "
        "Validated with the fhir.resources R4B models. Audited as a read of the record.",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="A FHIR Bundle.")},
    )
    def get(self, request, pk):
        return Response(fhir.client_bundle(request, visible_client(request, pk)))


class ClientResponseImportView(IdempotentCreateMixin, APIView):
    """Honours ``Idempotency-Key``: a retried import answers the first import again."""

    renderer_classes = RENDERERS
    parser_classes = PARSERS

    @extend_schema(
        operation_id="clients_fhir_questionnaire_responses_create",
        summary="Import a FHIR QuestionnaireResponse answered in another system",
        description="Stored as the client's response dated `authored`, checked and scored as "
        "an online response (alerts included). linkIds are Attune's question numbers or the "
        "questions' LOINC codes (with or without a leading `/`); answers are LOINC answer "
        "codes, codings with an ordinalValue, or integers. An answer that cannot be mapped is "
        "a 400 naming the item.",
        parameters=[
            OpenApiParameter(
                "instrument",
                str,
                description="The instrument's code, when the response's `questionnaire` does "
                "not name one Attune knows.",
            )
        ],
        request={"application/json": OpenApiTypes.OBJECT, fhir.FHIR_JSON: OpenApiTypes.OBJECT},
        responses={
            201: ImportedResponseSerializer,
            400: OpenApiResponse(description="What cannot be used, naming each item."),
            403: OpenApiResponse(description="The instrument's licence note is not acknowledged."),
        },
    )
    def post(self, request, pk):
        client = visible_client(request, pk)
        try:
            with transaction.atomic():
                stored = fhir.import_questionnaire_response(
                    request,
                    client,
                    request.data,
                    instrument_code=request.query_params.get("instrument") or None,
                )
                # The services sit below the dashboard: refresh the client's row, as pages do.
                progress.refresh_client_progress(client.pk)
        except fhir.FhirProblem as problem:
            return Response({"detail": problem.problems}, status=status.HTTP_400_BAD_REQUEST)
        except InstrumentNotUsable as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_403_FORBIDDEN)
        result = ImportedResponseSerializer(
            {
                "response": stored.pk,
                "instrument": stored.instrument.code,
                "submitted_at": stored.submitted_at,
                "status": stored.status,
                "total": stored.total,
                "band": stored.band,
                "alerts": stored.alerts.count(),
            }
        )
        return Response(result.data, status=status.HTTP_201_CREATED)


class InstrumentQuestionnaireView(APIView):
    renderer_classes = RENDERERS

    @extend_schema(
        operation_id="instruments_fhir_questionnaire",
        summary="An instrument as a FHIR R4 Questionnaire",
        description="Its current version: questions with their codes, answer options with "
        "their codes and ordinal values, and Attune's instrument-definition extension for the "
        "scoring, so importing it gives the same instrument.",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="A Questionnaire.")},
    )
    def get(self, request, code):
        instrument = (
            Instrument.objects.available_to(request.practice)
            .select_related("current_version")
            .filter(code=code)
            .first()
        )
        if instrument is None:
            raise Http404
        return Response(fhir.instrument_questionnaire(instrument))


class ImportedInstrumentSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    version = serializers.IntegerField(
        help_text=gettext_lazy("Attune's number for the stored version.")
    )
    licence_acknowledged = serializers.BooleanField(
        help_text=gettext_lazy(
            "False until an owner acknowledges its licence note on the instrument's page."
        )
    )


class QuestionnaireImportView(IdempotentCreateMixin, APIView):
    renderer_classes = RENDERERS
    parser_classes = PARSERS

    @extend_schema(
        operation_id="instruments_fhir_import",
        summary="Add a custom instrument from a FHIR R4 Questionnaire (owners)",
        description="Read as far as the instrument schema can express it, then checked and "
        "stored like an uploaded definition file; unusable until an owner acknowledges its "
        "licence note. A Questionnaire exported by Attune comes back with its scoring. What "
        "cannot be expressed (groups, conditions, repeats, other question types, options "
        "without a whole-number score) is a 400 naming each item.",
        request={"application/json": OpenApiTypes.OBJECT, fhir.FHIR_JSON: OpenApiTypes.OBJECT},
        responses={
            201: ImportedInstrumentSerializer(many=True),
            400: OpenApiResponse(description="What cannot be used, naming each part."),
            403: OpenApiResponse(description="Only the practice's owners add instruments."),
            404: OpenApiResponse(description="An unknown `format` asked for (`?format=`)."),
        },
    )
    def post(self, request):
        if not request.membership.is_owner:
            raise PermissionDenied(gettext("Only the practice's owners can add instruments."))
        try:
            stored = fhir.import_questionnaire(request, request.practice, request.data)
        except fhir.FhirProblem as problem:
            return Response({"detail": problem.problems}, status=status.HTTP_400_BAD_REQUEST)
        except loader.InstrumentFileError as error:
            detail = [f"{p.path}: {p.message}" if p.path else p.message for p in error.problems]
            return Response({"detail": detail}, status=status.HTTP_400_BAD_REQUEST)
        data = [
            {
                "code": instrument.code,
                "name": instrument.name,
                "version": instrument.current_version.number,
                "licence_acknowledged": False,
            }
            for instrument in stored
        ]
        return Response(
            ImportedInstrumentSerializer(data, many=True).data, status=status.HTTP_201_CREATED
        )
