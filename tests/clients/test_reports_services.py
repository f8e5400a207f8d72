"""The report pipeline: a row first, enqueued on commit, rendered once however often the task
runs, retried on transient trouble only, recovered by the sweeper when a worker dies, expired
after the practice's retention."""

import datetime
import logging
import os
import tempfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from clients.models import ClientShare, Report, ReportBatch
from clients.reports import batches, content, pdf, services, storage
from clients.tasks import expire_reports, render_report, sweep_reports
from practice.models import AuditAction, AuditEvent
from tests.clients.reports_helpers import (
    FakeSource,
    make_report,
    media,  # noqa: F401 - fixture
    pdf_text,
    stored_files,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
Status = Report.Status


@pytest.fixture
def enqueued(monkeypatch):
    """Report ids the task was enqueued with (the broker is never touched)."""
    sent = []
    monkeypatch.setattr(render_report, "delay", lambda report_id: sent.append(report_id))
    return sent


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture(autouse=True)
def no_questionnaires(monkeypatch):
    """Reports here read no questionnaire data unless a test hands in a source."""
    monkeypatch.setattr(content, "StoredResponses", FakeSource)


def options(**changes):
    today = timezone.localdate()
    values = {"period_start": today - datetime.timedelta(days=90), "period_end": today}
    return services.ReportOptions(**(values | changes))


def status_of(report) -> str:
    report.refresh_from_db()
    return report.status


class TestRequest:
    def test_a_row_first_enqueued_on_commit_and_audited(
        self, bob, erin, enqueued, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            report = services.request_report(bob, erin, options(instruments=["phq-9"]))
        assert report.status == Status.QUEUED and report.progress == 0
        assert report.instruments == ["phq-9"]
        assert enqueued == []  # nothing leaves before the transaction commits
        for callback in callbacks:
            callback()
        assert enqueued == [str(report.pk)]
        event = AuditEvent.objects.get(object_type="report")
        assert event.action == AuditAction.CREATE and event.client_id == erin.pk

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            (
                {
                    "period_start": datetime.date(2026, 5, 2),
                    "period_end": datetime.date(2026, 5, 1),
                },
                "period_end",
                "must end on or after",
            ),
            (
                {
                    "period_start": datetime.date(1990, 1, 1),
                    "period_end": datetime.date(2026, 1, 1),
                },
                "period_start",
                "at most ten years",
            ),
            ({"instruments": ["phq-9", "no-such-scale"]}, "instruments", "no-such-scale"),
            ({"audience": "everyone"}, "audience", "Choose a clinical record"),
        ],
    )
    def test_bad_requests_say_what_is_wrong(self, bob, erin, changes, field, message):
        with pytest.raises(ValidationError) as raised:
            services.request_report(bob, erin, options(**changes))
        assert message in " ".join(raised.value.message_dict[field])
        assert not Report.objects.exists()

    def test_client_friendly_reports_never_carry_notes(self, bob, erin, enqueued):
        report = services.request_report(
            bob, erin, options(audience=Report.Audience.CLIENT, include_notes=True)
        )
        assert report.include_notes is False

    def test_a_clinician_cannot_queue_reports_without_end(self, bob, erin, enqueued):
        for _ in range(services.MAX_PENDING_PER_USER):
            services.request_report(bob, erin, options())
        with pytest.raises(ValidationError, match="reports waiting"):
            services.request_report(bob, erin, options())


class TestRender:
    def test_renders_once_however_often_the_task_runs(self, bob, erin):
        report = make_report(erin, bob)
        render_report.run(str(report.pk))
        render_report.run(str(report.pk))  # a re-delivered message
        report.refresh_from_db()
        assert report.status == Status.READY
        assert report.attempts == 1 and report.progress == 100
        assert report.file_size > 1000 and report.page_count >= 1
        assert stored_files(report) == [report.file_name.rsplit("/", 1)[1]]
        assert "Erin Fictional" in pdf_text(report)

    def test_a_message_for_a_report_being_rendered_does_nothing(self, bob, erin):
        report = make_report(erin, bob)
        assert services._claim(report.pk) is not None  # another worker holds it
        services.render(report.pk)
        report.refresh_from_db()
        assert report.status == Status.RENDERING and report.attempts == 1
        assert stored_files(report) == []

    def test_unknown_ids_are_ignored(self, bob, erin, caplog, django_assert_num_queries):
        """A message for a report deleted meanwhile: one lookup, then nothing: no claim, no
        file, no warning, and no other report touched."""
        waiting = make_report(erin, bob)
        with caplog.at_level(logging.INFO), django_assert_num_queries(1):
            assert services.render("00000000-0000-0000-0000-000000000000") is None
        assert list(Report.objects.values_list("pk", "status", "attempts", "progress")) == [
            (waiting.pk, Status.QUEUED, 0, 0)
        ]
        assert stored_files(waiting) == []
        assert caplog.records == []

    def test_files_of_an_abandoned_attempt_are_removed(self, bob, erin):
        report = make_report(erin, bob)
        stray = f"reports/{report.practice_id}/{report.pk}/0123456789abcdef.pdf"
        default_storage.save(stray, ContentFile(b"%PDF-half a file"))
        services.render(report.pk)
        report.refresh_from_db()
        assert stored_files(report) == [report.file_name.rsplit("/", 1)[1]]
        assert report.file_name != stray

    def test_a_report_deleted_while_rendering_leaves_no_file(self, bob, erin, monkeypatch):
        report = make_report(erin, bob)
        real = storage.render_to_storage

        def delete_meanwhile(row, html):
            stored = real(row, html)
            Report.objects.filter(pk=row.pk).delete()
            return stored

        monkeypatch.setattr(storage, "render_to_storage", delete_meanwhile)
        services.render(report.pk)
        assert stored_files(report) == []

    def test_a_worker_whose_claim_was_taken_over_keeps_no_file(self, bob, erin, monkeypatch):
        report = make_report(erin, bob)
        real = storage.render_to_storage

        def overtaken(row, html):
            stored = real(row, html)
            # Meanwhile the sweeper decided we were dead and another worker claimed the row.
            Report.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
            return stored

        monkeypatch.setattr(storage, "render_to_storage", overtaken)
        services.render(report.pk)
        report.refresh_from_db()
        assert report.status == Status.RENDERING and report.attempts == 2
        assert stored_files(report) == []

    def test_progress_moves_while_rendering(self, bob, erin, monkeypatch):
        report = make_report(erin, bob)
        seen = []
        real = storage.render_to_storage

        def watch(row, html):
            seen.append(Report.objects.values_list("status", "progress").get(pk=row.pk))
            return real(row, html)

        monkeypatch.setattr(storage, "render_to_storage", watch)
        services.render(report.pk)
        assert seen == [(Status.RENDERING, 60)]

    def test_transient_trouble_is_retried_with_backoff(self, bob, erin, monkeypatch):
        report = make_report(erin, bob)

        def storage_down(*args, **kwargs):
            raise ConnectionResetError("storage unreachable")

        monkeypatch.setattr(default_storage, "save", storage_down)
        before = timezone.now()
        with pytest.raises(services.TransientReportError, match="ConnectionResetError"):
            services.render(report.pk)
        report.refresh_from_db()
        assert report.status == Status.QUEUED and report.attempts == 1
        assert report.next_attempt_at >= before + datetime.timedelta(seconds=services.RETRY_BACKOFF)
        assert stored_files(report) == []

    def test_the_task_retries_transient_errors_then_gives_up_with_a_reason(
        self, bob, erin, monkeypatch
    ):
        report = make_report(erin, bob)
        monkeypatch.setattr(
            default_storage, "save", lambda *a, **k: (_ for _ in ()).throw(OSError())
        )
        render_report.apply((str(report.pk),))  # eager: retries run at once
        report.refresh_from_db()
        assert report.status == Status.FAILED
        assert report.attempts == services.MAX_ATTEMPTS
        assert report.error_message == services.TEMPORARY_FAILURE

    def test_the_task_is_configured_for_at_least_once_delivery(self, settings):
        assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
        assert settings.CELERY_TASK_SERIALIZER == "json"
        schedule = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
        assert schedule["clients.tasks.sweep_reports"]["schedule"] == 60.0
        assert schedule["clients.tasks.expire_reports"]["schedule"] == 3600.0
        assert render_report.acks_late is True
        assert render_report.reject_on_worker_lost is True
        assert render_report.autoretry_for == (services.TransientReportError,)
        assert render_report.retry_jitter is True and render_report.retry_backoff
        assert render_report.soft_time_limit < render_report.time_limit
        assert render_report.soft_time_limit > services.render_seconds()

    def test_a_layout_failure_fails_at_once_with_its_message(self, bob, erin, monkeypatch):
        report = make_report(erin, bob)

        def too_slow(html, target, **bounds):
            raise pdf.RenderTooSlow()

        monkeypatch.setattr(pdf, "render_pdf", too_slow)
        services.render(report.pk)
        report.refresh_from_db()
        assert report.status == Status.FAILED and report.attempts == 1
        assert report.error_message == pdf.RenderTooSlow.message

    def test_an_unknown_error_shows_a_generic_message_and_logs_no_data(
        self, bob, erin, monkeypatch, caplog
    ):
        report = make_report(erin, bob)

        private = "Erin Fictional scored 27"

        def broken(*args, **kwargs):
            raise KeyError(private)

        monkeypatch.setattr(content, "gather", broken)
        with caplog.at_level(logging.ERROR, logger="clients.reports.services"):
            services.render(report.pk)
        report.refresh_from_db()
        assert report.status == Status.FAILED
        assert report.error_message == services.GENERIC_FAILURE
        assert f"report {report.pk} failed: KeyError" in caplog.text
        assert "Erin" not in caplog.text and "27" not in caplog.text.replace(str(report.pk), "")

    def test_a_requester_who_lost_access_gets_no_report(self, bob, erin):
        report = make_report(erin, bob)
        bob.memberships.update(is_active=False)
        services.render(report.pk)
        report.refresh_from_db()
        assert report.status == Status.FAILED
        assert report.error_message == services.NOT_ALLOWED
        assert stored_files(report) == []


class TestSweeper:
    def test_recovers_a_report_whose_worker_died(self, bob, erin, enqueued, on_commit):
        report = make_report(erin, bob)
        services._claim(report.pk)  # a worker claimed it ... and was killed mid-render
        report.refresh_from_db()
        assert report.status == Status.RENDERING

        with on_commit(execute=True):
            assert services.sweep() == []  # within its lease the worker may still be alive
            later = report.lease_expires_at + datetime.timedelta(seconds=1)
            assert services.sweep(now=later) == [report.pk]
        assert status_of(report) == Status.QUEUED
        assert enqueued == [str(report.pk)]

        render_report.run(enqueued[0])
        report.refresh_from_db()
        assert report.status == Status.READY and report.attempts == 2
        assert "Erin Fictional" in pdf_text(report)

    def test_a_redelivered_message_may_take_over_an_expired_claim(self, bob, erin, time_machine):
        report = make_report(erin, bob)
        services._claim(report.pk)
        report.refresh_from_db()
        time_machine.move_to(report.lease_expires_at + datetime.timedelta(seconds=5))
        services.render(report.pk)
        assert status_of(report) == Status.READY

    def test_requeues_a_report_whose_message_was_lost(self, bob, erin, enqueued, on_commit):
        report = make_report(erin, bob)  # the broker was down: no message ever went
        soon = timezone.now() + datetime.timedelta(minutes=1)
        late = timezone.now() + services.QUEUED_STUCK_AFTER + datetime.timedelta(seconds=1)
        with on_commit(execute=True):
            assert services.sweep(now=soon) == []  # not yet overdue
            assert services.sweep(now=late) == [report.pk]
            assert services.sweep(now=late) == []  # re-enqueued once, then left alone a while
        assert enqueued == [str(report.pk)]
        assert sweep_reports.run() == 0

    def test_a_report_that_keeps_killing_workers_fails(self, bob, erin, enqueued):
        report = make_report(erin, bob, attempts=services.MAX_ATTEMPTS - 1)
        services._claim(report.pk)
        report.refresh_from_db()
        services.sweep(now=report.lease_expires_at + datetime.timedelta(seconds=1))
        report.refresh_from_db()
        assert report.status == Status.FAILED
        assert report.error_message == services.WORKER_LOST
        assert enqueued == []

    def test_clears_temporary_files_left_by_killed_workers(self, tmp_path, monkeypatch):
        # Renders write on this machine's temporary directory, whatever the storage.
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        old, fresh = Path(storage.partial_file(1, ".pdf")), Path(storage.partial_file(2, ".zip"))
        someone_elses = tmp_path / "old-but-not-ours.pdf"
        for path in (old, fresh, someone_elses):
            path.write_bytes(b"%PDF")
        hours_ago = (timezone.now() - storage.PARTIAL_MAX_AGE).timestamp() - 60
        os.utime(old, (hours_ago, hours_ago))
        os.utime(someone_elses, (hours_ago, hours_ago))
        services.sweep()
        assert not old.exists()
        assert fresh.exists()  # perhaps a render in progress right now
        assert someone_elses.exists()


class TestRetryAndDelete:
    def test_retry_queues_a_failed_report_again(self, bob, erin, enqueued, monkeypatch):
        report = make_report(erin, bob)
        monkeypatch.setattr(
            pdf, "render_pdf", lambda *a, **k: (_ for _ in ()).throw(pdf.RenderError())
        )
        services.render(report.pk)
        monkeypatch.undo()
        monkeypatch.setattr(render_report, "delay", lambda report_id: enqueued.append(report_id))
        report.refresh_from_db()
        assert report.can_retry

        with pytest.raises(ValidationError):
            services.retry_report(bob, make_report(erin, bob))  # a queued one: nothing to retry
        services.retry_report(bob, report)
        assert report.status == Status.QUEUED and report.error_message == ""
        assert report.attempts == 0
        services.render(report.pk)
        assert status_of(report) == Status.READY

    def test_delete_removes_the_file_and_the_row(
        self, bob, erin, django_capture_on_commit_callbacks
    ):
        report = make_report(erin, bob)
        services.render(report.pk)
        report.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            services.delete_report(bob, bob.memberships.get(), report)
        assert not Report.objects.filter(pk=report.pk).exists()
        assert stored_files(report) == []
        assert AuditEvent.objects.filter(action=AuditAction.DELETE, object_type="report").exists()

    def test_only_requester_primary_clinician_or_owner_may_delete(self, alice, bob, dana, erin):
        ClientShare.objects.create(client=erin, clinician=dana)
        report = make_report(erin, bob)
        with pytest.raises(PermissionDenied):
            services.delete_report(dana, dana.memberships.get(), report)
        assert services.can_delete(alice, alice.memberships.get(), report)
        assert services.can_delete(bob, bob.memberships.get(), report)
        dana_report = make_report(erin, dana)
        assert services.can_delete(dana, dana.memberships.get(), dana_report)


class TestExpiry:
    def test_files_past_the_practice_retention_are_deleted(self, bob, erin, practice_a):
        practice_a.report_retention_days = 30
        practice_a.save()
        old, recent = make_report(erin, bob), make_report(erin, bob)
        services.render(old.pk)
        services.render(recent.pk)
        Report.objects.filter(pk=old.pk).update(
            finished_at=timezone.now() - datetime.timedelta(days=31)
        )
        assert expire_reports.run() == 1
        old.refresh_from_db()
        recent.refresh_from_db()
        assert old.status == Status.EXPIRED and old.file_name == "" and stored_files(old) == []
        assert recent.status == Status.READY and stored_files(recent)
        assert recent.expires_at == recent.finished_at + datetime.timedelta(days=30)

    def test_a_shorter_retention_applies_to_existing_reports(self, bob, erin, practice_a):
        report = make_report(erin, bob)
        services.render(report.pk)
        Report.objects.filter(pk=report.pk).update(
            finished_at=timezone.now() - datetime.timedelta(days=10)
        )
        assert services.expire() == 0
        practice_a.report_retention_days = 7
        practice_a.save()
        assert services.expire() == 1
        assert status_of(report) == Status.EXPIRED


class TestBatches:
    def test_one_report_per_active_client_and_progress(self, alice, erin, frank, gina, enqueued):
        from clients.models import Client

        Client.objects.filter(pk=frank.pk).update(status=Client.Status.DISCHARGED)
        clients = batches.batch_clients(alice, erin.practice, "practice")
        batch = batches.request_batch(
            alice, erin.practice, clients, "All active clients", options()
        )
        [report] = batch.reports.all()  # Gina is another practice's; Frank is discharged
        assert report.client == erin
        assert enqueued == []  # on commit only, as for single reports
        assert {"total": 1, "done": 0, "queued": 1}.items() <= batches.batch_progress(batch).items()

        services.render(report.pk)
        batch.refresh_from_db()
        assert batch.finished_at is not None
        assert batches.batch_progress(batch)["ready"] == 1
        assert services.unseen(alice).count() == 1
        batches.mark_batch_seen(alice, batch)
        assert services.unseen(alice).count() == 0

    def test_only_owners_request_batches(self, bob, erin):
        clients = batches.batch_clients(bob, erin.practice, "mine")
        with pytest.raises(PermissionDenied):
            batches.request_batch(bob, erin.practice, clients, "Mine", options())
        assert not ReportBatch.objects.exists()

    def test_retry_failed_reports_of_a_batch(self, alice, erin, frank, enqueued, monkeypatch):
        clients = batches.batch_clients(alice, erin.practice, "practice")
        batch = batches.request_batch(alice, erin.practice, clients, "All", options())
        monkeypatch.setattr(
            pdf, "render_pdf", lambda *a, **k: (_ for _ in ()).throw(pdf.RenderError())
        )
        for report in batch.reports.all():
            services.render(report.pk)
        batch.refresh_from_db()
        assert batch.finished_at is not None
        assert batches.batch_progress(batch)["failed"] == 2

        assert batches.retry_failed(alice, batch) == 2
        batch.refresh_from_db()
        assert batch.finished_at is None
        assert batches.batch_progress(batch)["queued"] == 2


def test_the_notification_counts_finished_reports_until_seen(bob, erin):
    ready, waiting = make_report(erin, bob), make_report(erin, bob)
    services.render(ready.pk)
    ready.refresh_from_db()
    assert services.unseen(bob).count() == 1
    services.mark_seen(bob, [ready, waiting])
    assert services.unseen(bob).count() == 0
