"""``/api/v1/administrations/`` (list with scores, filters, one with answers, ``?format=csv``) and
``/api/v1/alerts/`` (scope, open/acknowledged, acknowledge through the page's service with the
dashboard row refreshed): scoped like the pages, audited."""

import csv
import io

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from assessments import services
from assessments.models import Alert
from assessments.services import alerts as alert_service
from practice.dashboard import progress
from practice.models import AuditAction, AuditEvent, ClientProgress
from tests.assessments.assign_helpers import answer_everything, phq9_answers, send_now
from tests.practice.progress_helpers import day, phq9, respond

pytestmark = pytest.mark.django_db
LIST = reverse("administration-list")
ALERTS = reverse("alert-list")


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def histories(erin, frank):
    return {
        "erin_first": respond(erin, "phq-9", phq9(12), day(2025, 1, 6)),
        "erin_gad": respond(erin, "gad-7", dict.fromkeys(range(1, 8), 2), day(2025, 2, 3)),
        "erin_later": respond(erin, "phq-9", phq9(5), day(2025, 3, 3)),
        "frank": respond(frank, "phq-9", phq9(9), day(2025, 3, 1)),
    }


class TestAdministrations:
    def test_a_clients_administrations_with_scores(self, bob, erin, histories):
        data = api(bob).get(LIST, {"client": str(erin.pk)}).json()
        assert data["count"] == 3
        latest = data["results"][0]
        assert latest["id"] == histories["erin_later"].pk
        assert (latest["instrument"], latest["total"], latest["band"]) == ("phq-9", 5, "Mild")
        assert latest["scores"]["total"]["score"] == 5
        assert latest["client"] == str(erin.pk)
        assert AuditEvent.objects.filter(action=AuditAction.LIST, object_type="response").exists()

    def test_only_what_the_caller_sees(self, bob, alice, charlie, frank, histories):
        assert api(bob).get(LIST).json()["count"] == 3
        assert api(bob).get(LIST, {"client": str(frank.pk)}).json()["count"] == 0
        assert api(alice).get(LIST).json()["count"] == 4
        assert api(charlie).get(LIST).json()["count"] == 0

    def test_filters_by_instrument_and_date(self, bob, histories):
        data = api(bob).get(LIST, {"instrument": "gad-7"}).json()
        assert [r["id"] for r in data["results"]] == [histories["erin_gad"].pk]
        data = api(bob).get(LIST, {"since": "2025-02-01", "until": "2025-02-28"}).json()
        assert [r["id"] for r in data["results"]] == [histories["erin_gad"].pk]
        assert api(bob).get(LIST, {"since": "someday"}).status_code == 400

    def test_one_with_answers_and_result_audited(self, bob, erin, histories):
        first = histories["erin_first"]
        data = api(bob).get(reverse("administration-detail", args=[first.pk])).json()
        assert data["answers"][0]["number"] == 1 and data["answers"][0]["answer"] == 3
        assert data["answers"][0]["text"] and data["answers"][0]["label"]
        assert data["result"]["total"] == 12
        event = AuditEvent.objects.get(action=AuditAction.VIEW, object_type="response")
        assert event.client_id == erin.pk

    def test_out_of_scope_is_404(self, dana, charlie, histories):
        url = reverse("administration-detail", args=[histories["erin_first"].pk])
        for user in (dana, charlie):
            assert api(user).get(url).status_code == 404

    def test_csv_with_a_header_row_of_the_filtered_administrations(self, bob, erin, histories):
        response = api(bob).get(
            LIST, {"client": str(erin.pk), "instrument": "phq-9", "format": "csv"}
        )
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        body = b"".join(response.streaming_content).decode()
        reader = csv.DictReader(io.StringIO(body))
        assert reader.fieldnames[:4] == [
            "client_id",
            "client_reference",
            "client_name",
            "instrument",
        ]
        rows = list(reader)
        assert [int(r["administration_id"]) for r in rows] == [
            histories["erin_first"].pk,
            histories["erin_later"].pk,
        ]
        # Each still judged against the whole history: the later one's change since baseline.
        assert rows[1]["baseline_score"] == "12" and rows[1]["change_since_baseline"] == "-7"
        exported = AuditEvent.objects.filter(action=AuditAction.EXPORT)
        assert {e.client_id for e in exported} == {erin.pk}

    def test_a_bad_filter_with_csv_is_a_json_400(self, bob, histories):
        response = api(bob).get(LIST, {"until": "soon", "format": "csv"})
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert "until" in response.json()

    def test_csv_never_reaches_beyond_scope(self, dana, histories, erin):
        response = api(dana).get(LIST, {"client": str(erin.pk), "format": "csv"})
        body = b"".join(response.streaming_content).decode()
        assert list(csv.DictReader(io.StringIO(body))) == []


@pytest.fixture
def alerts(erin, frank, bob, dana):
    raised = {}
    for client, actor in ((erin, bob), (frank, dana)):
        _, packet = send_now(client, "phq-9", actor=actor)
        answer_everything(packet, overrides=phq9_answers(2))
        (response,) = services.submit_packet(packet)
        progress.refresh_client_progress(client.pk)
        raised[client.preferred_name] = response.alerts.get()
    return raised


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


class TestAlerts:
    def test_lists_alerts_in_scope(self, bob, alice, charlie, alerts):
        data = api(bob).get(ALERTS).json()
        assert [a["id"] for a in data["results"]] == [alerts["Erin"].pk]
        assert data["results"][0]["status"] == "open"
        assert data["results"][0]["instrument"] == "phq-9"
        assert api(alice).get(ALERTS).json()["count"] == 2
        assert api(charlie).get(ALERTS).json()["count"] == 0
        assert AuditEvent.objects.filter(action=AuditAction.LIST, object_type="alert").exists()

    def test_acknowledge_through_the_service_and_refresh_the_dashboard(self, bob, erin, alerts):
        alert = alerts["Erin"]
        assert ClientProgress.objects.get(client_id=erin.pk).open_alerts == 1
        url = reverse("alert-acknowledge", args=[alert.pk])
        assert api(bob).post(url, {"action": "other"}, format="json").status_code == 400
        assert api(bob).post(url, {"action": "nothing"}, format="json").status_code == 400
        assert Alert.objects.get(pk=alert.pk).acknowledged_at is None
        response = api(bob).post(url, {"action": "contacted_client"}, format="json")
        assert response.status_code == 200
        data = response.json()
        assert data["status"] == "acknowledged" and data["acknowledged_by"] == bob.pk
        assert data["action"] == "contacted_client"
        alert.refresh_from_db()
        assert alert.acknowledged_by == bob and alert.acknowledged_at is not None
        assert ClientProgress.objects.get(client_id=erin.pk).open_alerts == 0
        event = AuditEvent.objects.get(object_type="alert", action=AuditAction.UPDATE)
        assert event.via == "api"
        # Twice keeps the first acknowledgement.
        first = alert.acknowledged_at
        api(bob).post(url, {"action": "referred"}, format="json")
        alert.refresh_from_db()
        assert alert.acknowledged_at == first

    def test_filter_open_or_acknowledged_and_by_client(self, alice, erin, frank, alerts):
        alert_service.acknowledge_alert(alice, alerts["Frank"], action="referred")
        opened = api(alice).get(ALERTS, {"status": "open"}).json()["results"]
        assert [a["id"] for a in opened] == [alerts["Erin"].pk]
        done = api(alice).get(ALERTS, {"status": "acknowledged"}).json()["results"]
        assert [a["id"] for a in done] == [alerts["Frank"].pk]
        mine = api(alice).get(ALERTS, {"client": str(frank.pk)}).json()["results"]
        assert [a["id"] for a in mine] == [alerts["Frank"].pk]
        assert api(alice).get(ALERTS, {"status": "closed"}).status_code == 400

    def test_out_of_scope_is_404_and_nothing_changes(self, dana, charlie, alerts):
        alert = alerts["Erin"]
        for user in (dana, charlie):
            url = reverse("alert-acknowledge", args=[alert.pk])
            assert api(user).post(url, {"action": "referred"}).status_code == 404
            assert api(user).get(reverse("alert-detail", args=[alert.pk])).status_code == 404
        assert Alert.objects.get(pk=alert.pk).acknowledged_at is None


class TestQueryCounts:
    def test_lists_do_not_grow_with_rows(
        self, alice, bob, erin, frank, alerts, django_assert_max_num_queries
    ):
        for n in range(5):
            respond(erin, "phq-9", phq9(n), day(2025, 4, n + 1))
        for url in (LIST, ALERTS):
            with django_assert_max_num_queries(12):
                assert api(alice).get(url).status_code == 200
