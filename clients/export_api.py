"""``/api/v1/exports/``: ask for an archive (a client's full record, or the whole practice for
owners; 201, queued), list and read jobs with their status and progress;
``/api/v1/exports/<id>/download/``: the zip once it is ready.

Scoped like the pages: the queryset starts from ``ExportJob.objects.visible_to(user)`` (owners see
their practice's jobs, clinicians the client exports of clients they see), so anything else is
404. Reads, requests and downloads are audited; downloads are never cached.
"""

import django_filters
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from clients.exports import services
from clients.models import Client, ExportJob
from practice import audit
from practice.api import FileRenderer, ScopedViewSetMixin
from practice.models import AuditAction


class ZipRenderer(FileRenderer):
    media_type = "application/zip"
    format = "zip"


class ExportJobSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(
        choices=ExportJob.Kind.choices,
        help_text=gettext_lazy(
            "'client': one client's full record (give `client`); 'practice': everything "
            "the practice holds (owners only)."
        ),
    )
    client = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.none(), required=False, allow_null=True
    )
    expires_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=gettext_lazy("When a ready archive is deleted.")
    )
    download_url = serializers.SerializerMethodField(
        help_text=gettext_lazy("Where to download the zip once the export is ready.")
    )

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "kind",
            "client",
            "status",
            "progress",
            "error_message",
            "requested_at",
            "finished_at",
            "expires_at",
            "file_size",
            "download_url",
        ]
        read_only_fields = [
            "id",
            "status",
            "progress",
            "error_message",
            "requested_at",
            "finished_at",
            "file_size",
        ]

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        if clients is not None:
            self.fields["client"].queryset = clients

    def validate(self, attrs):
        if attrs["kind"] == ExportJob.Kind.CLIENT and not attrs.get("client"):
            raise serializers.ValidationError(
                {"client": gettext("Name the client whose record to export.")}
            )
        if attrs["kind"] == ExportJob.Kind.PRACTICE and attrs.get("client"):
            raise serializers.ValidationError(
                {"client": gettext("A practice export covers every client: leave `client` out.")}
            )
        return attrs

    def get_download_url(self, job: ExportJob) -> str | None:
        if not job.is_ready:
            return None
        path = reverse("export-download", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ExportFilter(django_filters.FilterSet):
    client = django_filters.UUIDFilter(field_name="client_id", label=gettext_lazy("Client id"))

    class Meta:
        model = ExportJob
        fields = ["client", "kind", "status"]


class ExportViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ExportJobSerializer
    filterset_class = ExportFilter

    def scoped_queryset(self, user):
        return (
            ExportJob.objects.visible_to(user)
            .select_related("practice")
            .order_by("-requested_at", "-pk")
        )

    def list(self, request, *args, **kwargs):
        """Export jobs newest first, with status and progress."""
        audit.record_list(request, "exportjob", request.practice)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One export's status: queued, running (with progress), ready, failed (with a reason)
        or expired."""
        job = self.get_object()
        audit.record(request, AuditAction.VIEW, job, client_id=job.client_id)
        return Response(self.get_serializer(job).data)

    @extend_schema(
        responses={
            201: ExportJobSerializer,
            400: OpenApiResponse(description="Each bad field."),
            403: OpenApiResponse(description="A practice export, asked for by a clinician."),
        }
    )
    def create(self, request, *args, **kwargs):
        """Ask for an archive. It is built in the background: poll its ``status``."""
        serializer = ExportJobSerializer(
            data=request.data,
            clients=Client.objects.visible_to(request.user),
            context=self.get_serializer_context(),
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["kind"] == ExportJob.Kind.CLIENT:
            job = services.request_client_export(request.user, data["client"], request=request)
        else:
            job = services.request_practice_export(
                request.user, request.membership, request=request
            )
        job = self.get_queryset().get(pk=job.pk)
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The zip"),
            404: OpenApiResponse(description="No such export, or it has no file (not ready)"),
        }
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, ZipRenderer],
    )
    def download(self, request, pk=None):
        """The archive, once ready: an attachment named ``attune-<kind>-export-<short id>.zip``."""
        job = self.get_object()
        opened = services.open_file(job)
        if opened is None:
            raise Http404(gettext("This export has no file to download."))
        services.record_download(request, job)
        response = FileResponse(
            opened, as_attachment=True, filename=job.download_name, content_type="application/zip"
        )
        add_never_cache_headers(response)
        return response
