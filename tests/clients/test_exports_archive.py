"""Archives: a client's full record and the whole practice, built in the background (a row
first, the task by id on commit, idempotent, swept, expired after the report retention), read back
member by member, downloaded only through the scoped, audited views."""

import csv
import datetime
import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clients.exports import services
from clients.models import ExportJob
from clients.tasks import build_export, expire_reports, sweep_reports
from practice import webhooks
from practice.models import AuditAction, AuditEvent, Membership, WebhookDelivery
from tests.clients.reports_helpers import media, ready_report  # noqa: F401 - fixture
from tests.clients.test_notes_models import make_note
from tests.conftest import logged_in
from tests.practice.progress_helpers import day, phq9, respond
from tests.practice.webhook_helpers import endpoint_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture
def enqueued(monkeypatch):
    sent = []
    monkeypatch.setattr(build_export, "delay", lambda job_id: sent.append(job_id))
    return sent


@pytest.fixture
def erin_record(erin, bob):
    from clients import notes

    respond(erin, "phq-9", phq9(12), day(2025, 1, 6))
    respond(erin, "phq-9", phq9(5), day(2025, 3, 3))
    signed = make_note(erin, signed=True, text="Talked about sleep.")
    notes.add_addendum(bob, signed, "Called back the next day.")
    ready_report(erin, bob, content_bytes=b"%PDF-1.7 Erin's report")
    return erin


def read_zip(job: ExportJob) -> zipfile.ZipFile:
    job.refresh_from_db()
    assert job.status == ExportJob.Status.READY, (job.status, job.error_message)
    with default_storage.open(job.file_name, "rb") as stored:
        return zipfile.ZipFile(io.BytesIO(stored.read()))


def rows(archive: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode())))


def ask_for_client(user, client, django_capture_on_commit_callbacks) -> ExportJob:
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(user).post(reverse("clients:client_export", args=[client.pk]))
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("clients:export_detail", args=[job.pk])
    return job


class TestClientRecord:
    def test_queued_on_commit_then_built_by_the_task(
        self, bob, erin_record, enqueued, django_capture_on_commit_callbacks
    ):
        job = ask_for_client(bob, erin_record, django_capture_on_commit_callbacks)
        assert (job.status, job.kind, job.client_id) == ("queued", "client", erin_record.pk)
        assert enqueued == [str(job.pk)]
        build_export(str(job.pk))
        archive = read_zip(job)
        assert set(archive.namelist()) >= {
            "README.txt",
            "client.json",
            "administrations.json",
            "answers.csv",
            "scores.csv",
            "assignments.json",
            "alerts.json",
            "notes.json",
            "reports.json",
        }
        client = json.loads(archive.read("client.json"))
        assert client["client"]["pk"] == str(erin_record.pk)
        assert client["client"]["fields"]["full_name"] == "Erin Fictional"
        assert {p["email"] for p in client["people"]} == {"bob@example.com"}
        administrations = json.loads(archive.read("administrations.json"))
        assert [a["fields"]["total"] for a in administrations] == [12, 5]
        assert administrations[0]["instrument_code"] == "phq-9"
        assert administrations[0]["questions"][0]["answer"] == 3
        answers = rows(archive, "answers.csv")
        assert len(answers) == 20 and answers[0]["item"] == "1"
        assert answers[0]["answer"] == "3" and answers[0]["question"]
        scores = rows(archive, "scores.csv")
        assert [(r["date"], r["score"]) for r in scores] == [
            ("2025-01-06", "12"),
            ("2025-03-03", "5"),
        ]
        assert scores[1]["baseline_score"] == "12" and scores[1]["change_since_baseline"] == "-7"
        notes = json.loads(archive.read("notes.json"))
        assert notes["notes"][0]["fields"]["content"] == {"text": "Talked about sleep."}
        assert len(notes["versions"]) == 1
        assert notes["addenda"][0]["fields"]["text"] == "Called back the next day."
        (report_name,) = [n for n in archive.namelist() if n.startswith("reports/")]
        assert archive.read(report_name) == b"%PDF-1.7 Erin's report"
        assert len(json.loads(archive.read("reports.json"))) == 1

    def test_two_reports_of_the_same_day_and_audience_are_both_kept(
        self, bob, erin_record, enqueued, django_capture_on_commit_callbacks
    ):
        """Both PDFs share a download name; the archive must not hold two members of one name
        (unzipping would keep only one of them)."""
        ready_report(erin_record, bob, content_bytes=b"%PDF-1.7 the second one")
        job = ask_for_client(bob, erin_record, django_capture_on_commit_callbacks)
        build_export(str(job.pk))
        archive = read_zip(job)
        names = [n for n in archive.namelist() if n.startswith("reports/")]
        assert len(names) == len(set(names)) == 2
        assert sorted(archive.read(n) for n in names) == [
            b"%PDF-1.7 Erin's report",
            b"%PDF-1.7 the second one",
        ]
        first, second = names  # in the order written
        assert second == first.replace(".pdf", " (2).pdf")

    def test_audited_when_asked_for_built_and_downloaded(
        self, bob, erin_record, enqueued, django_capture_on_commit_callbacks
    ):
        job = ask_for_client(bob, erin_record, django_capture_on_commit_callbacks)
        build_export(str(job.pk))
        response = logged_in(bob).get(reverse("clients:export_download", args=[job.pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"] == (
            f'attachment; filename="attune-client-export-{job.pk.hex[:8]}.zip"'
        )
        assert "no-store" in response["Cache-Control"]
        zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).testzip()
        events = AuditEvent.objects.filter(client_id=erin_record.pk).order_by("pk")
        kinds = [(e.action, e.object_type, e.fields) for e in events]
        assert ("create", "exportjob", ["kind"]) in kinds
        assert ("export", "client", ["record"]) in kinds
        assert ("export", "exportjob", ["file"]) in kinds
        built = events.get(object_type="client", action=AuditAction.EXPORT)
        assert (built.actor, built.via) == (bob, "system")

    def test_outside_scope_is_404_page_status_and_download(
        self, bob, dana, charlie, erin_record, enqueued, django_capture_on_commit_callbacks
    ):
        job = ask_for_client(bob, erin_record, django_capture_on_commit_callbacks)
        build_export(str(job.pk))
        for user in (dana, charlie):
            web = logged_in(user)
            for route in ("export_detail", "export_status", "export_download"):
                assert web.get(reverse(f"clients:{route}", args=[job.pk])).status_code == 404
            assert (
                web.post(reverse("clients:client_export", args=[erin_record.pk])).status_code == 404
            )

    def test_the_progress_page_polls_until_ready(
        self, bob, erin_record, enqueued, django_capture_on_commit_callbacks
    ):
        job = ask_for_client(bob, erin_record, django_capture_on_commit_callbacks)
        web = logged_in(bob)
        page = web.get(reverse("clients:export_detail", args=[job.pk])).content.decode()
        assert "Queued" in page and 'hx-trigger="every 2s"' in page
        build_export(str(job.pk))
        fragment = web.get(
            reverse("clients:export_status", args=[job.pk]), HTTP_HX_REQUEST="true"
        ).content.decode()
        assert "The archive is ready" in fragment and "hx-trigger" not in fragment
        assert reverse("clients:export_download", args=[job.pk]) in fragment

    def test_asking_again_while_it_is_built_returns_the_same_job(
        self, bob, erin_record, enqueued, django_capture_on_commit_callbacks
    ):
        first = ask_for_client(bob, erin_record, django_capture_on_commit_callbacks)
        again = services.request_client_export(bob, erin_record)
        assert again.pk == first.pk and ExportJob.objects.count() == 1

    def test_running_twice_builds_once(self, bob, erin_record, enqueued):
        job = services.request_client_export(bob, erin_record)
        build_export(str(job.pk))
        job.refresh_from_db()
        first_file = job.file_name
        build_export(str(job.pk))
        job.refresh_from_db()
        assert (job.file_name, job.attempts) == (first_file, 1)
        assert default_storage.listdir(f"exports/{job.practice_id}/{job.pk}")[1] == [
            first_file.rsplit("/", 1)[1]
        ]

    def test_a_requester_who_lost_the_client_gets_a_failure_not_the_record(
        self, bob, dana, erin_record, enqueued
    ):
        job = services.request_client_export(bob, erin_record)
        erin_record.primary_clinician = dana
        erin_record.save()
        build_export(str(job.pk))
        job.refresh_from_db()
        assert (job.status, job.error_message) == ("failed", services.NOT_ALLOWED)
        assert not job.file_name


class TestPracticeExport:
    def test_owner_only(self, bob, practice_a):
        response = logged_in(bob).post(reverse("clients:practice_export"))
        assert response.status_code == 403
        assert not ExportJob.objects.exists()

    def test_everything_with_progress(
        self, alice, erin_record, frank, enqueued, django_capture_on_commit_callbacks
    ):
        respond(frank, "phq-9", phq9(3), day(2025, 2, 2))
        with django_capture_on_commit_callbacks(execute=True):
            response = logged_in(alice).post(reverse("clients:practice_export"))
        job = ExportJob.objects.get()
        assert response["Location"] == reverse("clients:export_detail", args=[job.pk])
        assert (job.kind, job.client_id) == ("practice", None)
        seen = []
        original = services._mine

        def watching(claimed):
            seen.append(ExportJob.objects.get(pk=claimed.pk).progress)
            return original(claimed)

        services._mine = watching
        try:
            build_export(str(job.pk))
        finally:
            services._mine = original
        archive = read_zip(job)
        assert job.progress == 100 and len(set(seen)) > 2  # progress moved while building
        practice = json.loads(archive.read("practice.json"))
        assert practice["practice"]["fields"]["name"] == "Harbour Therapy"
        assert {m["email"] for m in practice["members"]} >= {"alice@example.com", "bob@example.com"}
        clients = rows(archive, "clients.csv")
        assert [c["full_name"] for c in clients] == ["Erin Fictional", "Frank Fictional"]
        assert {r["client_id"] for r in rows(archive, "scores.csv")} == {
            str(erin_record.pk),
            str(frank.pk),
        }
        for client in (erin_record, frank):
            record = json.loads(archive.read(f"clients/{client.pk}/client.json"))
            assert record["client"]["pk"] == str(client.pk)
        assert any(n.startswith(f"clients/{erin_record.pk}/reports/") for n in archive.namelist())
        exported = AuditEvent.objects.filter(action=AuditAction.EXPORT, object_type="client")
        assert {e.client_id for e in exported} == {erin_record.pk, frank.pk}

    def test_an_owner_who_stepped_down_gets_a_failure(self, alice, erin_record, enqueued):
        job = services.request_practice_export(alice, alice.memberships.get())
        Membership.objects.filter(user=alice).update(role="clinician")
        build_export(str(job.pk))
        job.refresh_from_db()
        assert job.status == "failed" and job.error_message == services.NOT_ALLOWED

    def test_the_owners_page_lists_archives_and_csv_links(self, alice, dana, erin_record, enqueued):
        services.request_practice_export(alice, alice.memberships.get())
        page = logged_in(alice).get(reverse("clients:practice_export")).content.decode()
        assert reverse("clients:caseload_scores") in page
        assert "Dana Clinician" in page and "Queued" in page


class TestSweepAndExpiry:
    def test_lost_messages_and_dead_workers_are_enqueued_again(
        self, bob, erin_record, enqueued, django_capture_on_commit_callbacks
    ):
        lost = services.request_client_export(bob, erin_record)
        ExportJob.objects.filter(pk=lost.pk).update(
            next_attempt_at=timezone.now() - datetime.timedelta(hours=1)
        )
        enqueued.clear()
        with django_capture_on_commit_callbacks(execute=True):
            sweep_reports()
        assert enqueued == [str(lost.pk)]
        ExportJob.objects.filter(pk=lost.pk).update(
            status="running", attempts=1, lease_expires_at=timezone.now() - datetime.timedelta(1)
        )
        enqueued.clear()
        with django_capture_on_commit_callbacks(execute=True):
            sweep_reports()
        lost.refresh_from_db()
        assert lost.status == "queued" and enqueued == [str(lost.pk)]
        build_export(str(lost.pk))
        assert read_zip(lost).read("client.json")

    def test_worn_out_jobs_fail(self, bob, erin_record, enqueued):
        job = services.request_client_export(bob, erin_record)
        ExportJob.objects.filter(pk=job.pk).update(
            status="running",
            attempts=services.MAX_ATTEMPTS,
            lease_expires_at=timezone.now() - datetime.timedelta(minutes=1),
        )
        sweep_reports()
        job.refresh_from_db()
        assert (job.status, job.error_message) == ("failed", services.WORKER_LOST)

    def test_archives_expire_with_the_report_retention(self, bob, erin_record, enqueued):
        job = services.request_client_export(bob, erin_record)
        build_export(str(job.pk))
        job.refresh_from_db()
        stored = job.file_name
        assert job.expires_at == job.finished_at + datetime.timedelta(days=30)
        expire_reports()
        job.refresh_from_db()
        assert job.status == "ready"
        ExportJob.objects.filter(pk=job.pk).update(
            finished_at=timezone.now() - datetime.timedelta(days=31)
        )
        expire_reports()
        job.refresh_from_db()
        assert (job.status, job.file_name) == ("expired", "")
        assert not default_storage.exists(stored)
        response = logged_in(bob).get(reverse("clients:export_download", args=[job.pk]))
        assert response.status_code == 404


class TestWebhook:
    def test_a_ready_export_emits_export_ready_with_ids_only(self, bob, erin_record, enqueued):
        endpoint_for(erin_record.practice, "https://hooks.example.org/a", [webhooks.EXPORT_READY])
        job = services.request_client_export(bob, erin_record)
        assert not WebhookDelivery.objects.exists()
        build_export(str(job.pk))
        (delivery,) = WebhookDelivery.objects.all()
        assert delivery.event == "export.ready"
        assert delivery.payload["data"] == {
            "client_id": str(erin_record.pk),
            "export_id": str(job.pk),
        }


class TestApi:
    def api(self, user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    def test_request_status_and_download(
        self, bob, erin_record, enqueued, django_capture_on_commit_callbacks
    ):
        body = {"kind": "client", "client": str(erin_record.pk)}
        with django_capture_on_commit_callbacks(execute=True):
            response = self.api(bob).post(reverse("export-list"), body, format="json")
        assert response.status_code == 201, response.json()
        data = response.json()
        assert (data["status"], data["download_url"]) == ("queued", None)
        assert enqueued == [data["id"]]
        build_export(data["id"])
        data = self.api(bob).get(reverse("export-detail", args=[data["id"]])).json()
        assert data["status"] == "ready" and data["progress"] == 100
        assert data["download_url"].endswith(reverse("export-download", args=[data["id"]]))
        download = self.api(bob).get(
            reverse("export-download", args=[data["id"]]), HTTP_ACCEPT="application/zip"
        )
        assert download.status_code == 200 and download["Content-Type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
        assert "client.json" in archive.namelist()
        listed = self.api(bob).get(reverse("export-list")).json()["results"]
        assert [job["id"] for job in listed] == [data["id"]]

    def test_refusals(self, bob, dana, erin_record, frank, enqueued):
        api = self.api(bob)
        url = reverse("export-list")
        assert api.post(url, {"kind": "practice"}, format="json").status_code == 403
        missing = api.post(url, {"kind": "client"}, format="json")
        assert missing.status_code == 400 and "client" in missing.json()
        other = api.post(url, {"kind": "client", "client": str(frank.pk)}, format="json")
        assert other.status_code == 400 and "client" in other.json()
        assert api.post(url, {"kind": "everything"}, format="json").status_code == 400
        assert not ExportJob.objects.exists()
        job = services.request_client_export(bob, erin_record)
        for route in ("export-detail", "export-download"):
            assert self.api(dana).get(reverse(route, args=[job.pk])).status_code == 404
        assert self.api(dana).get(url).json()["results"] == []

    def test_owners_see_practice_exports_clinicians_do_not(self, alice, bob, erin_record, enqueued):
        job = services.request_practice_export(alice, alice.memberships.get())
        assert self.api(alice).get(reverse("export-detail", args=[job.pk])).status_code == 200
        assert self.api(bob).get(reverse("export-detail", args=[job.pk])).status_code == 404


class TestLinks:
    def test_the_client_page_links_to_its_export(self, bob, erin):
        page = logged_in(bob).get(reverse("clients:detail", args=[erin.pk])).content.decode()
        assert reverse("clients:client_export", args=[erin.pk]) in page

    def test_the_practice_settings_link_to_the_practice_export(self, alice):
        page = logged_in(alice).get(reverse("practice_settings")).content.decode()
        assert reverse("clients:practice_export") in page

    def test_the_export_page_offers_the_csv_and_the_archive(self, bob, erin):
        page = logged_in(bob).get(reverse("clients:client_export", args=[erin.pk]))
        text = page.content.decode()
        assert reverse("clients:export_scores", args=[erin.pk]) in text
        assert "Build the archive" in text
