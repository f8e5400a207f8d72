"""``/api/v1/reports/``: request a report (201, queued), list and read reports with their status
and progress, delete one; ``/api/v1/reports/<id>/download/``: the PDF once it is ready.

Scoped like the pages: the queryset starts from ``Report.objects.visible_to(user)``, so a report
about a client outside the caller's scope is 404. Reads, downloads (``export``), requests and
deletions are audited. Downloads are never cached and named ``report-<short id>.pdf``.
"""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from clients.models import Client, Report
from clients.report_serializers import ReportSerializer
from clients.reports import services, storage
from practice import audit
from practice.api import FileRenderer, ScopedViewSetMixin
from practice.models import AuditAction


class PDFRenderer(FileRenderer):
    media_type = "application/pdf"
    format = "pdf"


class ReportFilter(django_filters.FilterSet):
    client = django_filters.UUIDFilter(field_name="client_id", label=gettext_lazy("Client id"))

    class Meta:
        model = Report
        fields = ["client", "status", "audience"]


class ReportViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ReportSerializer
    filterset_class = ReportFilter

    def scoped_queryset(self, user):
        return (
            Report.objects.visible_to(user)
            .select_related("client", "practice")
            .order_by("-requested_at", "-pk")
        )

    def handle_exception(self, exc):
        """The services speak Django: a rule broken is 400 with its message."""
        if isinstance(exc, DjangoValidationError):
            detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            exc = exceptions.ValidationError(detail)
        return super().handle_exception(exc)

    def list(self, request, *args, **kwargs):
        """Reports newest first, with status and progress; filter by client, status, audience."""
        audit.record_list(request, "report", request.practice)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One report's status: queued, rendering (with progress), ready, failed (with a
        reason) or expired."""
        report = self.get_object()
        audit.record(request, AuditAction.VIEW, report)
        return Response(self.get_serializer(report).data)

    def create(self, request, *args, **kwargs):
        """Request a report. It is generated in the background: poll its ``status``."""
        serializer = ReportSerializer(
            data=request.data,
            clients=Client.objects.visible_to(request.user),
            context=self.get_serializer_context(),
        )
        serializer.is_valid(raise_exception=True)
        report = services.request_report(
            request.user,
            serializer.validated_data["client"],
            serializer.to_options(),
            request=request,
        )
        report = self.get_queryset().get(pk=report.pk)
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.delete_report(
            self.request.user, self.request.membership, instance, request=self.request
        )

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF"),
            404: OpenApiResponse(description="No such report, or it has no file (not ready)"),
        }
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, PDFRenderer],
    )
    def download(self, request, pk=None):
        """The report's PDF, once ready: an attachment named ``report-<short id>.pdf``."""
        report = self.get_object()
        opened = storage.open_file(report)
        if opened is None:
            raise Http404(gettext("This report has no file to download."))
        services.record_download(request, report)
        response = FileResponse(
            opened,
            as_attachment=True,
            filename=report.download_name,
            content_type="application/pdf",
        )
        add_never_cache_headers(response)
        return response
