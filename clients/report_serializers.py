"""API representation of reports. Rules (periods, instruments, limits) live in the services."""

from django.urls import reverse
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from clients.models import Client, Report
from clients.reports.services import ReportOptions
from practice.api_schema import TextField


class ReportSerializer(serializers.ModelSerializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.none())
    instruments = serializers.ListField(
        child=TextField(max_length=40),
        required=False,
        default=list,
        help_text=gettext_lazy(
            "Instrument codes; empty for every questionnaire answered in the period."
        ),
    )
    expires_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("When a ready report's file is deleted."),
    )
    period_start = serializers.DateField(
        required=False,
        help_text=gettext_lazy(
            "First day covered; left out, the client's first administration (whole history)."
        ),
    )
    period_end = serializers.DateField(
        required=False, help_text=gettext_lazy("Last day covered; left out, today.")
    )
    download_url = serializers.SerializerMethodField(
        help_text=gettext_lazy("Where to download the PDF once the report is ready.")
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "client",
            "audience",
            "period_start",
            "period_end",
            "instruments",
            "include_notes",
            "status",
            "progress",
            "error_message",
            "requested_at",
            "finished_at",
            "expires_at",
            "page_count",
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
            "page_count",
            "file_size",
        ]

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        if clients is not None:
            self.fields["client"].queryset = clients

    def get_download_url(self, report: Report) -> str | None:
        if not report.is_ready:
            return None
        path = reverse("report-download", args=[report.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def to_options(self) -> ReportOptions:
        data = self.validated_data
        return ReportOptions(
            period_start=data.get("period_start"),
            period_end=data.get("period_end"),
            audience=data.get("audience", Report.Audience.CLINICAL),
            instruments=list(data.get("instruments") or []),
            include_notes=bool(data.get("include_notes", False)),
        )
