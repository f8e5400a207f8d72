"""The reports' provider for the client timeline (registered in ``clients.notes``)."""

from django.urls import reverse
from django.utils.translation import gettext

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
        period = {"start": format_date(report.period_start), "end": format_date(report.period_end)}
        detail = [gettext("%(start)s to %(end)s") % period]
        if report.requested_by:
            detail.append(gettext("requested by %(person)s") % {"person": report.requested_by})
        if not report.is_ready:  # the timeline badges only "Ready"; other states read as text
            detail.append(report.get_status_display().lower())
        return TimelineEntry(
            at=report.requested_at,
            kind="report",
            title=gettext("Report: %(audience)s")
            % {"audience": report.get_audience_display().lower()},
            url=reverse("clients:report_detail", args=[report.client_id, report.pk]),
            detail=" · ".join(detail),
            status=gettext("Ready") if report.is_ready else "",
        )
