"""``Idempotency-Key`` on every API create: the same key, user and body within a day answers the
first response again and creates nothing more; the same key with another body is 422; a key is
the sender's own; refused requests keep no key; keys live in the database and expire."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import Client, ExportJob, Report, SessionNote
from clients.reports.services import render_report
from clients.tasks import build_export
from practice import api_urls, idempotency
from practice.api import ScopedViewSetMixin
from practice.api_urls import router
from practice.models import IdempotencyKey
from tests.clients.test_notes_api import payload

pytestmark = pytest.mark.django_db


def api(user, key=None) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    if key is not None:
        client.credentials(HTTP_IDEMPOTENCY_KEY=key)
    return client


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(render_report, "delay", lambda *args: None)
    monkeypatch.setattr(build_export, "delay", lambda *args: None)


def new_client(user, key, **changes):
    body = {"preferred_name": "Iris", "full_name": "Iris Fictional", "email": "iris@client.example"}
    return api(user, key).post(reverse("client-list"), body | changes, format="json")


class TestReplay:
    def test_the_same_request_again_answers_the_first_response_and_creates_nothing(self, bob):
        first = new_client(bob, "create-iris-1")
        assert first.status_code == 201, first.json()
        again = new_client(bob, "create-iris-1")
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
        assert Client.objects.filter(full_name="Iris Fictional").count() == 1

    def test_without_a_key_each_request_creates(self, bob):
        new_client(bob, None)
        new_client(bob, None, email="iris2@client.example")
        assert Client.objects.filter(full_name="Iris Fictional").count() == 2

    def test_a_different_body_with_the_same_key_is_422(self, bob):
        assert new_client(bob, "k-2").status_code == 201
        response = new_client(bob, "k-2", full_name="Someone Else")
        assert response.status_code == 422
        assert "Idempotency-Key" in response.json()["detail"]
        assert not Client.objects.filter(full_name="Someone Else").exists()

    def test_keys_are_each_users_own(self, bob, dana):
        assert new_client(bob, "shared-key").status_code == 201
        response = new_client(dana, "shared-key", email="iris.d@client.example")
        assert response.status_code == 201
        assert response.json()["id"] != Client.objects.get(email="iris@client.example").pk

    def test_a_refused_request_keeps_no_key(self, bob):
        assert new_client(bob, "k-3", email="not-an-address").status_code == 400
        assert not IdempotencyKey.objects.exists()
        assert new_client(bob, "k-3").status_code == 201

    def test_a_day_later_the_key_is_new_again(self, bob):
        with time_machine.travel(timezone.now() - datetime.timedelta(hours=25)):
            assert new_client(bob, "k-4").status_code == 201
        response = new_client(bob, "k-4", email="iris.later@client.example")
        assert response.status_code == 201
        assert IdempotencyKey.objects.filter(key="k-4").count() == 1
        assert Client.objects.filter(full_name="Iris Fictional").count() == 2

    def test_a_key_whose_first_request_has_no_answer_yet_is_409(self, bob):
        first = new_client(bob, "k-5")
        assert first.status_code == 201
        IdempotencyKey.objects.filter(key="k-5").update(status_code=None, response_body=None)
        assert new_client(bob, "k-5").status_code == 409

    @pytest.mark.parametrize("key", ["", "x" * 256, "bad\x01key"])
    def test_a_bad_key_is_400(self, bob, key):
        response = new_client(bob, key)
        assert response.status_code == 400
        assert "Idempotency-Key" in response.json()
        assert not Client.objects.filter(full_name="Iris Fictional").exists()


class TestEveryCreate:
    def test_every_viewset_honours_the_key(self):
        for _prefix, viewset, _basename in router.registry:
            assert issubclass(viewset, ScopedViewSetMixin), viewset
            assert issubclass(viewset, idempotency.IdempotentCreateMixin), viewset

    def test_every_api_view_that_creates_honours_the_key(self):
        """Views outside the router too (the FHIR import): any API route that takes a POST."""
        creating = [
            pattern.callback.cls
            for pattern in api_urls.urlpatterns
            if hasattr(pattern.callback, "cls") and hasattr(pattern.callback.cls, "post")
        ]
        assert creating
        for view in creating:
            assert issubclass(view, idempotency.IdempotentCreateMixin), view

    def test_reports(self, bob, erin):
        body = {"client": str(erin.pk), "period_start": "2026-01-01", "period_end": "2026-03-31"}
        for _ in range(2):
            response = api(bob, "r-1").post(reverse("report-list"), body, format="json")
            assert response.status_code == 201
        assert Report.objects.count() == 1

    def test_session_notes(self, bob, erin):
        for _ in range(2):
            response = api(bob, "n-1").post(reverse("note-list"), payload(erin), format="json")
            assert response.status_code == 201, response.json()
        assert SessionNote.objects.count() == 1

    def test_exports(self, alice, erin):
        body = {"kind": "client", "client": str(erin.pk)}
        first = api(alice, "e-1").post(reverse("export-list"), body, format="json")
        ExportJob.objects.update(status=ExportJob.Status.READY)  # a repeat would start another
        again = api(alice, "e-1").post(reverse("export-list"), body, format="json")
        assert first.status_code == again.status_code == 201
        assert again.json()["id"] == first.json()["id"] and ExportJob.objects.count() == 1
        other = api(alice, "e-1").post(reverse("export-list"), {"kind": "practice"}, format="json")
        assert other.status_code == 422


class TestPruning:
    def test_keys_past_their_day_are_deleted_with_their_answers_whoever_sent_them(self, bob, dana):
        from practice.tasks import prune_idempotency_keys

        with time_machine.travel(
            timezone.now() - idempotency.KEEP_FOR - datetime.timedelta(minutes=1)
        ):
            assert new_client(bob, "old-bob").status_code == 201
            assert new_client(dana, "old-dana", email="iris.d@client.example").status_code == 201
        # A key of the last day stays (added directly: bob's own next POST would prune his old key)
        IdempotencyKey.objects.create(user=bob, key="recent-bob", fingerprint="0" * 64)

        assert prune_idempotency_keys() == 2
        assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent-bob"]

    def test_beat_runs_the_pruning(self, settings):
        tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
        assert "practice.tasks.prune_idempotency_keys" in tasks
