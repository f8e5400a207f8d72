"""``/api/v1/assignments/`` and ``/api/v1/invitations/``: scoped like everything else, audited,
400 per field, the link itself never readable."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from assessments.models import Assignment, Packet
from practice.models import AuditEvent, OutboundEmail
from tests.assessments.assign_helpers import at, cleared, send_now, token_of

NOW = at(2025, 3, 3, 10)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def ready(practice_a):
    return cleared(practice_a, "phq-9", "gad-7")


def schedule(client, **changes):
    return {
        "client": str(client.pk),
        "instruments": ["gad-7"],
        "schedule": "every_n_weeks",
        "interval_weeks": 2,
        "start_date": "2025-03-04",
        "send_time": "09:00",
        **changes,
    }


@pytest.mark.django_db
def test_create_a_schedule_and_read_it_back(bob, erin, ready):
    api = api_as(bob)
    response = api.post("/api/v1/assignments/", schedule(erin), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["instruments"] == ["gad-7"] and body["status"] == "active"
    assert body["time_zone"] == "Europe/London"
    assert body["description"].startswith("Every 2 weeks from 4 March 2025 at 09:00")
    assert body["occasions"] == [
        {
            "due_date": "2025-03-04",
            "due_at": "2025-03-04T09:00:00Z",
            "status": "Scheduled",
            "skip_reason": "",
            "invitation": None,
        }
    ]
    assert "send_now" not in body
    assert api.get(f"/api/v1/assignments/{body['id']}/").json()["id"] == body["id"]
    assert AuditEvent.objects.filter(object_type="assignment", action="view", via="api").exists()


@pytest.mark.django_db
def test_send_now_through_the_api(bob, erin, ready):
    response = api_as(bob).post(
        "/api/v1/assignments/",
        {"client": str(erin.pk), "instruments": ["phq-9", "gad-7"], "send_now": True},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "ended"
    assert OutboundEmail.objects.get().to == erin.email
    invitations = api_as(bob).get("/api/v1/invitations/", {"client": str(erin.pk)}).json()
    (invitation,) = invitations["results"]
    assert invitation["status"] == "sent"
    assert [q["code"] for q in invitation["questionnaires"]] == ["gad-7", "phq-9"]
    assert invitation["email"]["state"] == "queued"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"instruments": ["ecr-r"]}, "instruments"),  # licence not acknowledged
        ({"instruments": ["no-such-thing"]}, "instruments"),
        ({"instruments": []}, "instruments"),
        ({"interval_weeks": None}, "interval_weeks"),
        ({"start_date": "2025-02-01"}, "start_date"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"schedule": "hourly"}, "schedule"),
        ({"time_zone": "Atlantis/Capital"}, "time_zone"),
        ({"send_time": "9 o'clock"}, "send_time"),
        ({"max_occasions": 0}, "max_occasions"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(bob, erin, ready, changes, field):
    response = api_as(bob).post("/api/v1/assignments/", schedule(erin, **changes), format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert not Assignment.objects.exists()


@pytest.mark.django_db
def test_a_client_out_of_scope_cannot_be_assigned(dana, erin, charlie, ready):
    for user in (dana, charlie):
        response = api_as(user).post("/api/v1/assignments/", schedule(erin), format="json")
        assert response.status_code == 400
        assert "client" in response.json()
    assert not Assignment.objects.exists()


@pytest.mark.django_db
def test_a_client_without_email_is_a_400_with_the_reason(bob, erin, ready):
    erin.email = ""
    erin.save()
    response = api_as(bob).post("/api/v1/assignments/", schedule(erin), format="json")
    assert response.status_code == 400
    assert "no e-mail address" in response.json()["non_field_errors"][0]


@pytest.mark.django_db
def test_update_pause_resume_and_end(bob, erin, ready):
    api = api_as(bob)
    created = api.post("/api/v1/assignments/", schedule(erin), format="json").json()
    url = f"/api/v1/assignments/{created['id']}/"
    changed = api.patch(url, {"interval_weeks": 4, "send_time": "18:30"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["interval_weeks"] == 4
    assert changed.json()["occasions"][0]["due_at"] == "2025-03-04T18:30:00Z"
    assert api.patch(url, {"status": "paused"}, format="json").json()["status"] == "paused"
    assert api.patch(url, {"status": "active"}, format="json").json()["status"] == "active"
    ended = api.patch(url, {"status": "ended"}, format="json")  # as POST …/end/ does
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert api.patch(url, {"status": "active"}, format="json").status_code == 400
    assert api.post(f"{url}end/").status_code == 200  # ending twice changes nothing
    assert api.patch(url, {"interval_weeks": 1}, format="json").status_code == 400
    assert api.patch(url, {"client": "00000000-0000-0000-0000-000000000000"}, format="json").json()[
        "client"
    ] == str(erin.pk)  # the client of an assignment never changes


@pytest.mark.django_db
def test_resend_and_revoke_an_invitation(bob, erin, ready):
    _, packet = send_now(erin, actor=bob, now=NOW)
    old = token_of(packet)
    api = api_as(bob)
    resent = api.post(f"/api/v1/invitations/{packet.pk}/resend/")
    assert resent.status_code == 200 and resent.json()["status"] == "sent"
    assert token_of(packet) != old
    revoked = api.post(f"/api/v1/invitations/{packet.pk}/revoke/")
    assert revoked.json()["status"] == "revoked"
    again = api.post(f"/api/v1/invitations/{packet.pk}/resend/")
    assert again.status_code == 400 and "revoked" in again.json()["non_field_errors"][0]
    detail = api.get(f"/api/v1/invitations/{packet.pk}/").json()
    assert old not in str(detail) and token_of(packet) not in str(detail)
    assert AuditEvent.objects.filter(object_type="packet", action="view", via="api").exists()


@pytest.mark.django_db
def test_every_endpoint_is_scoped(bob, dana, charlie, alice, erin, frank, ready):
    erins = api_as(bob).post("/api/v1/assignments/", schedule(erin), format="json").json()
    _, packet = send_now(erin, actor=bob, now=NOW)
    send_now(frank, now=NOW)
    for user, sees in ((bob, True), (alice, True), (dana, False), (charlie, False)):
        api = api_as(user)
        listed = {a["id"] for a in api.get("/api/v1/assignments/").json()["results"]}
        assert (erins["id"] in listed) is sees
        invitations = {p["id"] for p in api.get("/api/v1/invitations/").json()["results"]}
        assert (packet.pk in invitations) is sees
        expected = 200 if sees else 404
        assert api.get(f"/api/v1/assignments/{erins['id']}/").status_code == expected
        assert api.get(f"/api/v1/invitations/{packet.pk}/").status_code == expected
        if not sees:
            assert api.post(f"/api/v1/invitations/{packet.pk}/revoke/").status_code == 404
            assert api.post(f"/api/v1/assignments/{erins['id']}/end/").status_code == 404
            assert (
                api.patch(
                    f"/api/v1/assignments/{erins['id']}/", {"status": "paused"}, format="json"
                ).status_code
                == 404
            )
    packet.refresh_from_db()
    assert packet.status == Packet.Status.SENT
    assert APIClient().get("/api/v1/assignments/").status_code in (401, 403)


@pytest.mark.django_db
def test_list_queries_do_not_grow(bob, erin, ready):
    api = api_as(bob)
    api.post("/api/v1/assignments/", schedule(erin), format="json")
    send_now(erin, "phq-9", "gad-7", actor=bob, now=NOW)

    def lists() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/assignments/").status_code == 200
            assert api.get("/api/v1/invitations/").status_code == 200
        return len(queries)

    few = lists()
    for day in range(5):
        api.post(
            "/api/v1/assignments/",
            schedule(erin, start_date=f"2025-03-{5 + day:02d}"),
            format="json",
        )
        send_now(erin, "phq-9", actor=bob, now=NOW + datetime.timedelta(days=day + 1))
    assert Assignment.objects.count() == 12 and Packet.objects.count() == 6
    assert lists() == few <= 16
