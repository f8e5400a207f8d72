"""The reports' provider for the client timeline (registered in ``clients.notes``)."""

from django.urls import reverse

from assessments.charts import format_date
from clients.models import Report
from clients.notes import TimelineEntry


class ReportTimeline:
    """Each report about the client, at the time it was requested. Two queries per page."""

    def _reports(self, user, client):
        return Report.objects.of_client(user, client)

    def count(self, user, client) -> int:
        return self._reports(user, client).count()

    def newest(self, user, client, limit: int) -> list[TimelineEntry]:
        reports = self._reports(user, client).select_related("requested_by")
        return [self._entry(r) for r in reports.order_by("-requested_at", "-pk")[:limit]]

    @staticmethod
    def _entry(report: Report) -> TimelineEntry:
        detail = [f"{format_date(report.period_start)} to {format_date(report.period_end)}"]
        if report.requested_by:
            detail.append(f"requested by {report.requested_by}")
        if not report.is_ready:  # the timeline badges only "Ready"; other states read as text
            detail.append(report.get_status_display().lower())
        return TimelineEntry(
            at=report.requested_at,
            kind="report",
            title=f"Report: {report.get_audience_display().lower()}",
            url=reverse("clients:report_detail", args=[report.client_id, report.pk]),
            detail=" · ".join(detail),
            status="Ready" if report.is_ready else "",
        )
