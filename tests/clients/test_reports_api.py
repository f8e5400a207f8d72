"""``/api/v1/reports/``: request (201, queued), list and status scoped to the caller, delete;
``/api/v1/reports/<id>/download/``: the PDF, audited, never cached."""

import datetime
import uuid
import zoneinfo

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from clients.models import ClientShare, Report
from clients.reports import content, services
from clients.tasks import render_report
from practice.models import AuditAction, AuditEvent
from tests.clients.reports_helpers import (
    FakeSource,
    make_report,
    media,  # noqa: F401 - fixture
    ready_report,
)
from tests.practice.progress_helpers import day, phq9, respond

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
LIST = reverse("report-list")


@pytest.fixture(autouse=True)
def no_questionnaires(monkeypatch):
    monkeypatch.setattr(content, "StoredResponses", FakeSource)


@pytest.fixture
def enqueued(monkeypatch):
    sent = []
    monkeypatch.setattr(render_report, "delay", lambda report_id: sent.append(report_id))
    return sent


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def detail(report):
    return reverse("report-detail", args=[report.pk])


def download(report):
    return reverse("report-download", args=[report.pk])


class TestRequest:
    def test_request_returns_the_queued_report_and_enqueues_on_commit(
        self, bob, erin, enqueued, django_capture_on_commit_callbacks
    ):
        body = {
            "client": str(erin.pk),
            "period_start": "2026-01-01",
            "period_end": "2026-03-31",
            "audience": "client",
            "instruments": ["phq-9"],
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = api(bob).post(LIST, body, format="json")
        assert response.status_code == 201, response.json()
        data = response.json()
        assert data["status"] == "queued" and data["progress"] == 0
        assert data["audience"] == "client" and data["instruments"] == ["phq-9"]
        assert data["download_url"] is None
        assert enqueued == [data["id"]]
        event = AuditEvent.objects.get(object_type="report", action=AuditAction.CREATE)
        assert event.via == "api"

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"period_end": "2025-12-31"}, "period_end"),
            ({"instruments": ["nope"]}, "instruments"),
            ({"audience": "public"}, "audience"),
            ({"period_start": "soon"}, "period_start"),
            ({"client": "not-a-uuid"}, "client"),
        ],
    )
    def test_bad_input_is_400_naming_the_field(self, bob, erin, changes, field):
        body = {"client": str(erin.pk), "period_start": "2026-01-01", "period_end": "2026-03-31"}
        response = api(bob).post(LIST, body | changes, format="json")
        assert response.status_code == 400
        assert field in response.json()
        assert not Report.objects.exists()

    def test_a_client_out_of_scope_is_refused_like_one_that_does_not_exist(self, bob, gina, frank):
        body = {"period_start": "2026-01-01", "period_end": "2026-03-31"}
        missing = uuid.uuid4()
        answers = {
            client: api(bob).post(LIST, body | {"client": str(client)}, format="json")
            for client in (gina.pk, frank.pk, missing)
        }
        assert {response.status_code for response in answers.values()} == {400}
        messages = {
            response.json()["client"][0].replace(str(client), "<id>")
            for client, response in answers.items()
        }
        assert messages == {'Invalid pk "<id>" - object does not exist.'}
        assert not Report.objects.exists()


class TestWholeHistoryByDefault:
    """Without a period the report covers the whole history, as the progress page does: from
    the client's first administration to today."""

    def test_no_period_runs_from_the_first_administration_to_today(self, bob, erin, enqueued):
        respond(erin, "phq-9", phq9(12), day(2019, 5, 6))
        respond(erin, "phq-9", phq9(6), day(2024, 2, 3))
        response = api(bob).post(LIST, {"client": str(erin.pk)}, format="json")
        assert response.status_code == 201, response.json()
        report = Report.objects.get()
        assert report.period_start == datetime.date(2019, 5, 6)
        assert report.period_end == services.default_period(erin.practice)[1]

    def test_no_history_starts_on_the_day_the_client_was_added(self, bob, erin, enqueued):
        response = api(bob).post(LIST, {"client": str(erin.pk)}, format="json")
        assert response.status_code == 201, response.json()
        report = Report.objects.get()
        added = erin.created_at.astimezone(zoneinfo.ZoneInfo(erin.effective_time_zone))
        assert report.period_start == added.date()
        assert report.period_end == services.default_period(erin.practice)[1]

    def test_one_end_given_keeps_it(self, bob, erin, enqueued):
        body = {"client": str(erin.pk), "period_end": "2026-03-31"}
        response = api(bob).post(LIST, body, format="json")
        assert response.status_code == 201, response.json()
        assert Report.objects.get().period_end == datetime.date(2026, 3, 31)


class TestListAndStatus:
    def test_lists_only_reports_about_clients_the_caller_sees(self, bob, dana, erin, frank):
        mine = make_report(erin, bob)
        make_report(frank, dana)
        ids = [row["id"] for row in api(bob).get(LIST).json()["results"]]
        assert ids == [str(mine.pk)]
        assert api(bob).get(LIST, {"client": str(frank.pk)}).json()["results"] == []
        assert AuditEvent.objects.filter(action=AuditAction.LIST, object_type="report").exists()

    def test_status_progress_and_download_link(self, bob, erin):
        waiting = make_report(erin, bob, status=Report.Status.RENDERING, progress=45)
        data = api(bob).get(detail(waiting)).json()
        assert (data["status"], data["progress"], data["download_url"]) == ("rendering", 45, None)
        ready = ready_report(erin, bob)
        data = api(bob).get(detail(ready)).json()
        assert data["status"] == "ready"
        assert data["download_url"] == "http://testserver" + download(ready)
        assert data["expires_at"] is not None
        assert AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="report").count() == 2

    def test_failed_reports_carry_their_reason(self, bob, erin):
        failed = make_report(erin, bob, status=Report.Status.FAILED, error_message="Too large.")
        assert api(bob).get(detail(failed)).json()["error_message"] == "Too large."

    def test_out_of_scope_is_404(self, dana, charlie, bob, erin):
        report = ready_report(erin, bob)
        for user in (dana, charlie):
            assert api(user).get(detail(report)).status_code == 404
            assert api(user).get(download(report)).status_code == 404
            assert api(user).delete(detail(report)).status_code == 404


class TestDownload:
    def test_the_pdf_audited_and_never_cached(self, alice, bob, erin):
        report = ready_report(erin, bob, content_bytes=b"%PDF-1.7 via the API")
        response = api(alice).get(download(report), HTTP_ACCEPT="application/pdf")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.7 via the API"
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (f'attachment; filename="{report.download_name}"')
        assert report.download_name.startswith("Erin Fictional - clinical report - ")
        assert "no-store" in response["Cache-Control"]
        event = AuditEvent.objects.get(action=AuditAction.EXPORT)
        assert (event.client_id, event.via) == (erin.pk, "api")

    def test_any_accept_header_gets_the_file(self, bob, erin):
        report = ready_report(erin, bob)
        assert api(bob).get(download(report)).status_code == 200

    def test_not_ready_is_404(self, bob, erin):
        report = make_report(erin, bob)
        assert api(bob).get(download(report)).status_code == 404


class TestDelete:
    def test_requester_deletes(self, bob, erin, django_capture_on_commit_callbacks):
        report = ready_report(erin, bob)
        with django_capture_on_commit_callbacks(execute=True):
            assert api(bob).delete(detail(report)).status_code == 204
        assert not Report.objects.exists()

    def test_a_shared_colleague_who_did_not_request_it_may_not(self, dana, bob, erin):
        ClientShare.objects.create(client=erin, clinician=dana)
        report = ready_report(erin, bob)
        assert api(dana).get(detail(report)).status_code == 200
        assert api(dana).delete(detail(report)).status_code == 403
        assert Report.objects.filter(pk=report.pk).exists()
