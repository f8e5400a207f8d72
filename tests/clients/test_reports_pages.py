"""Report pages: request, progress (HTMX and without JavaScript), audited downloads, retry,
delete, the client page's list, the header notification, owners' batches, the retention
setting."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import ClientShare, Report, ReportBatch
from clients.reports import content, pdf, services
from clients.tasks import render_report
from practice.models import AuditAction, AuditEvent
from tests.clients.reports_helpers import (
    FakeSource,
    make_report,
    media,  # noqa: F401 - fixture
    ready_report,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def no_questionnaires(monkeypatch):
    monkeypatch.setattr(content, "StoredResponses", FakeSource)


@pytest.fixture
def enqueued(monkeypatch):
    sent = []
    monkeypatch.setattr(render_report, "delay", lambda report_id: sent.append(report_id))
    return sent


def url(name, report, **extra):
    return reverse(f"clients:{name}", args=[report.client_id, report.pk])


def html(response) -> str:
    return response.content.decode()


class TestRequesting:
    def test_the_form_offers_period_audience_notes_and_instruments(self, as_bob, erin):
        response = as_bob.get(reverse("clients:report_request", args=[erin.pk]))
        assert response.status_code == 200
        page = html(response)
        assert "<legend>Period</legend>" in page
        assert "Client-friendly: plain-language explanations" in page
        assert "Include session-note summaries" in page
        assert "Patient Health Questionnaire-9 (PHQ-9)" in page
        today = timezone.localdate().isoformat()
        assert f'value="{today}"' in page

    def test_post_creates_the_report_and_goes_to_its_page(
        self, as_bob, bob, erin, enqueued, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = as_bob.post(
                reverse("clients:report_request", args=[erin.pk]),
                {
                    "period_start": "2026-01-01",
                    "period_end": "2026-06-30",
                    "audience": "client",
                    "include_notes": "on",
                    "instruments": ["phq-9", "gad-7"],
                },
            )
        report = Report.objects.get()
        assert response.status_code == 302
        assert response["Location"] == url("report_detail", report)
        assert (report.requested_by, report.audience, report.include_notes) == (
            bob,
            "client",
            False,
        )
        assert report.instruments == ["phq-9", "gad-7"]
        assert report.period_start == datetime.date(2026, 1, 1)
        assert enqueued == [str(report.pk)]

    def test_bad_input_is_400_with_the_reason(self, as_bob, erin):
        response = as_bob.post(
            reverse("clients:report_request", args=[erin.pk]),
            {"period_start": "2026-06-30", "period_end": "2026-01-01", "audience": "clinical"},
        )
        assert response.status_code == 400
        assert "The period must end on or after the day it starts." in html(response)
        assert not Report.objects.exists()

    def test_nonsense_is_400_never_500(self, as_bob, erin):
        response = as_bob.post(
            reverse("clients:report_request", args=[erin.pk]),
            {"period_start": "yesterday", "audience": "everyone", "instruments": ["../../x"]},
        )
        assert response.status_code == 400
        assert not Report.objects.exists()


class TestProgressPage:
    def test_a_waiting_report_polls_and_reloads_without_javascript(self, as_bob, bob, erin):
        report = make_report(erin, bob)
        response = as_bob.get(url("report_detail", report))
        page = html(response)
        assert "Queued." in page
        assert f'hx-get="{url("report_status", report)}"' in page
        assert 'hx-trigger="every 2s"' in page
        assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
        assert "django_htmx/htmx" in page  # htmx from the package, not a CDN
        assert "Check again" in page
        event = AuditEvent.objects.get(object_type="report")
        assert (event.action, event.client_id) == (AuditAction.VIEW, erin.pk)

    def test_the_fragment_reports_progress_then_stops_polling_when_ready(self, as_bob, bob, erin):
        report = make_report(erin, bob)
        services._claim(report.pk)
        Report.objects.filter(pk=report.pk).update(progress=45)
        fragment = html(as_bob.get(url("report_status", report), **HTMX))
        assert "Generating the report…" in fragment and "45% done" in fragment
        assert "hx-trigger" in fragment
        assert "<html" not in fragment

        Report.objects.filter(pk=report.pk).update(status=Report.Status.QUEUED)
        services.render(report.pk)
        fragment = html(as_bob.get(url("report_status", report), **HTMX))
        assert "The report is ready." in fragment
        assert f'href="{url("report_download", report)}"' in fragment
        assert "hx-trigger" not in fragment
        assert "The file is kept until" in fragment

    def test_a_failure_shows_its_reason_and_a_retry_button(self, as_bob, bob, erin, monkeypatch):
        report = make_report(erin, bob)

        def too_large(*args, **kwargs):
            raise pdf.RenderTooLarge()

        monkeypatch.setattr(pdf, "render_pdf", too_large)
        services.render(report.pk)
        page = html(as_bob.get(url("report_detail", report)))
        assert pdf.RenderTooLarge.message in page
        assert f'action="{url("report_retry", report)}"' in page
        assert "<noscript>" not in page  # finished: nothing to wait for

    def test_the_fragment_without_htmx_sends_to_the_page(self, as_bob, bob, erin):
        report = make_report(erin, bob)
        response = as_bob.get(url("report_status", report))
        assert response.status_code == 302
        assert response["Location"] == url("report_detail", report)

    def test_another_clinicians_client_is_404(self, as_dana, bob, erin):
        report = make_report(erin, bob)
        for name in ("report_detail", "report_status", "report_download"):
            assert as_dana.get(url(name, report), **HTMX).status_code == 404


class TestDownload:
    def test_audited_attachment_never_cached_named_to_be_filed(self, as_alice, bob, erin):
        report = ready_report(erin, bob, content_bytes=b"%PDF-1.7 the report")
        response = as_alice.get(url("report_download", report))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == b"%PDF-1.7 the report"
        disposition = response["Content-Disposition"]
        # Whose report, for whom and up to which day: a name a person can file (issue 16).
        assert disposition == (
            f'attachment; filename="Erin Fictional - clinical report - {report.period_end:%Y-%m-%d}.pdf"'
        )
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        event = AuditEvent.objects.get(action=AuditAction.EXPORT)
        assert (event.object_type, event.object_id, event.client_id) == (
            "report",
            str(report.pk),
            erin.pk,
        )

    def test_no_file_until_ready(self, as_bob, bob, erin):
        report = make_report(erin, bob)
        assert as_bob.get(url("report_download", report)).status_code == 404
        assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()

    def test_a_missing_file_is_404_not_500(self, as_bob, bob, erin):
        from django.core.files.storage import default_storage

        report = ready_report(erin, bob)
        default_storage.delete(report.file_name)
        assert as_bob.get(url("report_download", report)).status_code == 404

    def test_pages_never_link_the_stored_file(self, as_bob, bob, erin):
        report = ready_report(erin, bob)
        pages = [
            as_bob.get(url("report_detail", report)),
            as_bob.get(reverse("clients:detail", args=[erin.pk])),
            as_bob.get(reverse("clients:my_reports")),
        ]
        for response in pages:
            assert report.file_name not in html(response)
            assert f"reports/{report.practice_id}/" not in html(response)


class TestRetryAndDelete:
    def test_retry_queues_again(
        self, as_bob, bob, erin, enqueued, django_capture_on_commit_callbacks
    ):
        report = make_report(erin, bob, status=Report.Status.FAILED, error_message="x")
        with django_capture_on_commit_callbacks(execute=True):
            response = as_bob.post(url("report_retry", report))
        assert response["Location"] == url("report_detail", report)
        report.refresh_from_db()
        assert report.status == Report.Status.QUEUED
        assert enqueued == [str(report.pk)]

    def test_retry_returns_only_to_our_own_pages(self, as_bob, bob, erin, enqueued):
        report = make_report(erin, bob, status=Report.Status.FAILED)
        response = as_bob.post(url("report_retry", report), {"next": "https://evil.example/"})
        assert response["Location"] == url("report_detail", report)

    def test_retrying_a_waiting_report_says_why_not(self, as_bob, bob, erin):
        report = make_report(erin, bob)
        response = as_bob.post(url("report_retry", report), follow=True)
        assert "Only a failed or expired report can be generated again." in html(response)

    def test_delete(self, as_bob, bob, erin, django_capture_on_commit_callbacks):
        report = ready_report(erin, bob)
        with django_capture_on_commit_callbacks(execute=True):
            response = as_bob.post(url("report_delete", report))
        assert response["Location"] == reverse("clients:detail", args=[erin.pk])
        assert not Report.objects.exists()

    def test_a_colleague_the_client_is_shared_with_may_not_delete_bobs_report(
        self, as_dana, dana, bob, erin
    ):
        ClientShare.objects.create(client=erin, clinician=dana)
        report = ready_report(erin, bob)
        assert as_dana.get(url("report_detail", report)).status_code == 200
        assert as_dana.post(url("report_delete", report)).status_code == 403
        assert Report.objects.filter(pk=report.pk).exists()

    def test_get_does_not_change_anything(self, as_bob, bob, erin):
        report = make_report(erin, bob, status=Report.Status.FAILED)
        assert as_bob.get(url("report_retry", report)).status_code == 405
        # Deleting asks first: the GET is the confirmation page (tests/test_confirmations.py).
        assert as_bob.get(url("report_delete", report)).status_code == 200
        assert Report.objects.filter(pk=report.pk).exists()


class TestClientPageAndNotifications:
    def test_the_client_page_lists_reports(self, as_bob, bob, erin):
        ready = ready_report(erin, bob)
        make_report(erin, bob, status=Report.Status.FAILED)
        page = html(as_bob.get(reverse("clients:detail", args=[erin.pk])))
        assert "Generate report" in page
        assert f'href="{reverse("clients:report_request", args=[erin.pk])}"' in page
        assert f'href="{url("report_download", ready)}"' in page
        assert ">Ready<" in page and ">Failed<" in page
        assert "Report: clinical record" in page  # on the timeline too

    def test_client_page_queries_do_not_grow_with_reports(
        self, as_bob, bob, erin, django_assert_max_num_queries
    ):
        page = reverse("clients:detail", args=[erin.pk])
        ready_report(erin, bob)
        with CaptureQueriesContext(connection) as one:
            as_bob.get(page)
        for _ in range(12):
            ready_report(erin, bob)
        with django_assert_max_num_queries(len(one)):
            as_bob.get(page)

    def test_the_header_counts_finished_reports_until_seen(self, as_bob, bob, erin):
        ready_report(erin, bob)
        make_report(erin, bob, status=Report.Status.FAILED, finished_at=timezone.now())
        make_report(erin, bob)  # still waiting: not counted
        dashboard = html(as_bob.get(reverse("dashboard")))
        assert re.search(r"Reports <span[^>]*>2 new</span>", dashboard)
        mine = html(as_bob.get(reverse("clients:my_reports")))
        assert mine.count("Erin Fictional") >= 3
        assert "new</span>" not in html(as_bob.get(reverse("dashboard")))

    def test_my_reports_shows_only_my_own(self, as_dana, dana, bob, erin, frank):
        make_report(erin, bob)
        make_report(frank, dana)
        page = html(as_dana.get(reverse("clients:my_reports")))
        assert "Frank Fictional" in page and "Erin Fictional" not in page


class TestBatches:
    def test_owner_requests_reports_for_the_whole_practice_and_watches_them(
        self, as_alice, alice, erin, frank, enqueued, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = as_alice.post(
                reverse("clients:batch_request"),
                {
                    "scope": "practice",
                    "period_start": "2026-01-01",
                    "period_end": "2026-06-30",
                    "audience": "clinical",
                },
            )
        batch = ReportBatch.objects.get()
        assert response["Location"] == reverse("clients:batch_detail", args=[batch.pk])
        assert len(enqueued) == 2
        page = html(as_alice.get(response["Location"]))
        assert "0 of 2 ready" in page and "hx-trigger" in page

        first, second = batch.reports.order_by("client__full_name")
        services.render(first.pk)
        Report.objects.filter(pk=second.pk).update(
            status=Report.Status.FAILED, error_message="It went wrong."
        )
        services._finish_batch(batch.pk)
        fragment = html(as_alice.get(reverse("clients:batch_status", args=[batch.pk]), **HTMX))
        assert "1 of 2 ready" in fragment and "1 failed" in fragment
        assert "Frank Fictional" in fragment and "It went wrong." in fragment
        assert "Try all failed again" in fragment
        assert "hx-trigger" not in fragment  # all finished

    def test_a_finished_batch_is_one_notification_until_seen(self, as_alice, alice, erin):
        batch = ReportBatch.objects.create(
            practice=erin.practice, requested_by=alice, scope="All", finished_at=timezone.now()
        )
        make_report(erin, alice, batch=batch, status=Report.Status.READY)
        assert re.search(
            r"Reports <span[^>]*>1 new</span>", html(as_alice.get(reverse("dashboard")))
        )
        mine = html(as_alice.get(reverse("clients:my_reports")))
        assert f'href="{reverse("clients:batch_detail", args=[batch.pk])}"' in mine
        assert "new</span>" not in html(as_alice.get(reverse("dashboard")))

    def test_one_clinicians_caseload_needs_the_clinician(self, as_alice):
        response = as_alice.post(
            reverse("clients:batch_request"),
            {
                "scope": "clinician",
                "period_start": "2026-01-01",
                "period_end": "2026-06-30",
                "audience": "clinical",
            },
        )
        assert response.status_code == 400
        assert "Choose the clinician whose clients to include." in html(response)

    def test_the_dashboard_offers_owners_reports_for_the_clients_shown(self, as_alice, as_bob):
        page = html(as_alice.get(reverse("dashboard"), {"scope": "practice"}))
        assert f'href="{reverse("clients:batch_request")}?scope=practice"' in page
        assert reverse("clients:batch_request") not in html(as_bob.get(reverse("dashboard")))

    def test_the_batch_form_starts_from_the_dashboard_filter(self, as_alice, bob):
        page = html(as_alice.get(reverse("clients:batch_request"), {"scope": "mine"}))
        assert re.search(r'value="mine"[^>]*checked', page)
        page = html(
            as_alice.get(
                reverse("clients:batch_request"), {"scope": "clinician", "clinician": bob.pk}
            )
        )
        assert re.search(r'value="clinician"[^>]*checked', page)
        assert re.search(rf'<option value="{bob.pk}" selected>', page)
        nonsense = as_alice.get(reverse("clients:batch_request"), {"scope": "x", "clinician": "y"})
        assert nonsense.status_code == 200


class TestRetentionSetting:
    def test_owner_sets_the_retention(self, as_alice, practice_a):
        page = html(as_alice.get(reverse("practice_settings")))
        assert "Keep generated reports for (days)" in page
        data = {
            "name": practice_a.name,
            "time_zone": practice_a.time_zone,
            "report_letterhead": "",
            "brand_colour": practice_a.brand_colour,
            "paper_size": practice_a.paper_size,
            "report_retention_days": 14,
        }
        assert as_alice.post(reverse("practice_settings"), data).status_code == 302
        practice_a.refresh_from_db()
        assert practice_a.report_retention_days == 14
        response = as_alice.post(reverse("practice_settings"), data | {"report_retention_days": 0})
        assert response.status_code == 400
        assert "Enter a whole number of days from 1 to 365." in html(response)
