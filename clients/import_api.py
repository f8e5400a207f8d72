"""``POST /api/v1/clients/import/``: import clients from a CSV file (multipart ``file``);
``GET /api/v1/clients/import/<id>/``: an import's status and progress.

With ``dry_run=true`` every row is checked and returned with what it becomes and its errors;
nothing is stored, not even the file. Without, the valid rows are imported as on the pages:
a file of at most ``jobs.SYNC_ROWS`` rows at once (201, with the outcome), a larger one in the
background (202, with the import's id and the URL to poll). The rules, scoping and audit are
the pages': the services in ``clients/imports/`` do the work.
"""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from clients import import_tasks
from clients.imports import caseload, csvfile, jobs
from clients.models import ClientImport
from practice import audit
from practice.idempotency import IdempotentCreateMixin
from practice.models import AuditAction


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=gettext_lazy(
            "The CSV (UTF-8, comma or semicolon separated; columns as in the template "
            "on the import page): full_name, preferred_name, email, date_of_birth (YYYY-MM-DD), "
            "pronouns, time_zone, country, language (en or es; empty: the practice's), primary_clinician (a member's e-mail address), "
            "external_reference."
        )
    )
    dry_run = serializers.BooleanField(
        default=False,
        help_text=gettext_lazy("Check every row and return the preview; save nothing."),
    )


class ImportedClientSerializer(serializers.Serializer):
    full_name = serializers.CharField()
    preferred_name = serializers.CharField()
    email = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    pronouns = serializers.CharField()
    time_zone = serializers.CharField(help_text=gettext_lazy("Empty: the practice's time zone."))
    country = serializers.CharField(help_text=gettext_lazy("Two-letter code; empty if not known."))
    language = serializers.CharField(
        help_text=gettext_lazy("en or es: the client's pages and e-mails.")
    )
    primary_clinician = serializers.EmailField(
        source="primary_clinician.email", allow_null=True, default=None
    )
    external_reference = serializers.CharField()


class PreviewRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        source="number", help_text=gettext_lazy("The row's number in the file.")
    )
    ok = serializers.BooleanField(help_text=gettext_lazy("Whether the row would be imported."))
    client = ImportedClientSerializer(
        source="fields", help_text=gettext_lazy("What the row becomes.")
    )
    errors = serializers.ListField(child=serializers.CharField())


class PreviewSerializer(serializers.Serializer):
    total_rows = serializers.IntegerField()
    valid_rows = serializers.IntegerField()
    refused_rows = serializers.IntegerField()
    rows = PreviewRowSerializer(many=True)


class RowErrorsSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    messages = serializers.ListField(child=serializers.CharField())


class ClientImportSerializer(serializers.ModelSerializer):
    progress = serializers.IntegerField(help_text=gettext_lazy("Percent of the file dealt with."))
    errors = RowErrorsSerializer(
        many=True, help_text=gettext_lazy("The first rows left out, with why.")
    )
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = ClientImport
        fields = [
            "id",
            "status",
            "total_rows",
            "saved_rows",
            "created_count",
            "error_count",
            "progress",
            "errors",
            "error_message",
            "created_at",
            "finished_at",
            "status_url",
        ]
        read_only_fields = fields

    def get_status_url(self, job) -> str:
        return reverse("client-import-detail", args=[job.pk])


def _preview(rows: list[caseload.Row]) -> dict:
    valid = sum(row.ok for row in rows)
    return {
        "total_rows": len(rows),
        "valid_rows": valid,
        "refused_rows": len(rows) - valid,
        "rows": rows,
    }


class ClientImportView(IdempotentCreateMixin, APIView):
    """Honours ``Idempotency-Key``: a retried upload answers the first one again."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="clients_import",
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            200: OpenApiResponse(PreviewSerializer, description="Dry run: every row checked."),
            201: OpenApiResponse(ClientImportSerializer, description="Imported now."),
            202: OpenApiResponse(
                ClientImportSerializer, description="Queued: poll ``status_url`` for progress."
            ),
        },
        description="Import clients from a CSV file into the caseload (a clinician's own; an "
        "owner may name any member as primary clinician). Rows with errors are left out and "
        "listed; the valid rows are saved, each audited. A file that cannot be read is a 400 "
        "saying why.",
    )
    def post(self, request):
        serializer = ImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        try:
            if serializer.validated_data["dry_run"]:
                rows = jobs.check_upload(request.user, request.membership, upload)
                return Response(PreviewSerializer(_preview(rows)).data)
            with transaction.atomic():
                job = jobs.upload(request.user, request.membership, upload)
                audit.record(request, AuditAction.CREATE, job, fields=["file"])
                job = jobs.confirm(request, job)
                import_tasks.start(job)
        except csvfile.ImportFileError as error:
            raise exceptions.ValidationError({"file": [error.message]}) from None
        done = job.status != ClientImport.Status.QUEUED
        return Response(
            ClientImportSerializer(job).data,
            status=status.HTTP_201_CREATED if done else status.HTTP_202_ACCEPTED,
        )


class ClientImportDetailView(generics.RetrieveAPIView):
    """An import's status and progress; only its requester's (404 for anyone else)."""

    serializer_class = ClientImportSerializer

    def get_queryset(self):
        return ClientImport.objects.visible_to(self.request.user)
