"""``GET /api/v1/clients/<id>/trajectory/``: series, bands, reliable-change labels and style per
administration; validated period; scoped, audited, a fixed query count; documented schema."""

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from practice.models import AuditEvent
from tests.practice.progress_helpers import cite_ecr, day, ecr, phq9, respond

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(client) -> str:
    return reverse("client-trajectory", args=[client.pk])


@pytest.fixture
def erin_path(erin):
    cite_ecr(erin.practice)
    respond(erin, "ecr-r", ecr(6, 5), day(2025, 1, 6))
    respond(erin, "ecr-r", ecr(5, 5), day(2025, 2, 3))
    respond(erin, "ecr-r", ecr(2, 2), day(2025, 3, 3))
    respond(erin, "phq-9", phq9(18), day(2025, 1, 6))
    respond(erin, "phq-9", phq9(7), day(2025, 3, 3))
    return erin


def test_series_bands_labels_and_style(bob, erin_path):
    response = api(bob).get(url(erin_path))
    assert response.status_code == 200
    data = response.json()
    assert (data["client"], data["start"], data["end"]) == (
        str(erin_path.pk),
        "2025-01-06",
        "2025-03-03",
    )
    ecr_r, phq = data["instruments"]
    assert (ecr_r["code"], ecr_r["attachment"], phq["code"]) == ("ecr-r", True, "phq-9")
    assert [a["date"] for a in ecr_r["administrations"]] == [
        "2025-01-06",
        "2025-02-03",
        "2025-03-03",
    ]
    baseline, second, latest = ecr_r["administrations"]
    assert baseline["is_baseline"] and baseline["change_since_baseline"] is None
    assert baseline["style"] == {
        "quadrant": "fearful-avoidant",
        "label": "Fearful-avoidant",
        "note": "",
    }
    assert second["scores"] == [
        {"subscale": "anxiety", "score": 5.0, "band": ""},
        {"subscale": "avoidance", "score": 5.0, "band": ""},
    ]
    anxiety, avoidance = second["change_since_baseline"]
    assert (anxiety["label"], avoidance["label"]) == ("improved", "no reliable change")
    assert anxiety["difference"] == -1 and anxiety["margin"] == pytest.approx(0.8765, abs=1e-4)
    assert latest["earned_security"]["status"] == "earned"
    assert ecr_r["earned_security"]["since"].startswith("2025-03-03")
    assert ecr_r["plane"] == {
        "anxiety_split": 4.0,
        "avoidance_split": 4.0,
        "anxiety_margin": pytest.approx(0.8765, abs=1e-4),
        "avoidance_margin": pytest.approx(0.8765, abs=1e-4),
    }
    assert ecr_r["reliable_change"][0]["reliability"]["source"] == "Test citation for reliability"
    # PHQ-9: its bands, and reliable change not available with the reason.
    assert [b["label"] for b in phq["subscales"][0]["bands"]][-1] == "Severe"
    assert phq["administrations"][0]["style"] is None
    assert phq["administrations"][0]["band"] == "Moderately severe"
    change = phq["change_since_baseline"][0]
    assert change["label"] == "reliable change not available"
    assert "no cited standard deviation" in change["reason"]
    assert phq["plane"] is None


def test_a_period_keeps_the_baseline_before_it(bob, erin_path):
    data = api(bob).get(url(erin_path), {"start": "2025-02-01", "end": "2025-02-28"}).json()
    ecr_r = data["instruments"][0]
    assert [(a["date"], a["in_period"]) for a in ecr_r["administrations"]] == [
        ("2025-01-06", False),
        ("2025-02-03", True),
    ]
    assert ecr_r["change_since_baseline"][0]["before"] == 6


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start": "2025-02-30"}, "start", "Date has wrong format"),
        ({"end": "soon"}, "end", "Date has wrong format"),
        ({"start": "2025-03-01", "end": "2025-01-01"}, "start", "must not be after its end"),
        ({"start": "1066-10-14"}, "start", "between 1900 and 2100"),
    ],
)
def test_bad_dates_are_400_with_the_field(bob, erin_path, params, field, message):
    response = api(bob).get(url(erin_path), params)
    assert response.status_code == 400
    assert message in response.json()[field][0]


def test_scope_and_audit(bob, dana, charlie, erin_path):
    assert api(dana).get(url(erin_path)).status_code == 404
    assert api(charlie).get(url(erin_path)).status_code == 404
    assert APIClient().get(url(erin_path)).status_code in (401, 403)
    api(bob).get(url(erin_path))
    event = AuditEvent.objects.get(client_id=erin_path.pk, action="view")
    assert (event.via, event.actor_email) == ("api", "bob@example.com")


@pytest.mark.parametrize("administrations", [5, 200])
def test_queries_do_not_grow_with_administrations(
    bob, erin, administrations, django_assert_max_num_queries
):
    cite_ecr(erin.practice)
    for week in range(administrations):
        at = day(2021, 1, 4) + datetime.timedelta(weeks=week)
        respond(erin, "ecr-r", ecr(6 - week % 5, 5 - week % 4), at)
        if week % 2:
            respond(erin, "phq-9", phq9(week % 24), at)
    client = api(bob)
    with django_assert_max_num_queries(11):  # 10, and the client's episodes of care
        response = client.get(url(erin))
    assert len(response.json()["instruments"][0]["administrations"]) == administrations


def test_the_schema_documents_it(bob):
    response = api(bob).get(reverse("api_schema"), HTTP_ACCEPT="application/json")
    operation = response.json()["paths"]["/api/v1/clients/{id}/trajectory/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"id", "start", "end"}
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/ClientTrajectory")
