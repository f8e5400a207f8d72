"""Importing past administrations from CSV: rows checked against the instrument, invalid ones
listed (never guessed), valid ones scored exactly as an online submission and on the trajectory.

Bob's client Erin has the record number E-1; Frank (E-2) is Dana's, so Bob cannot import for him.
"""

import datetime
import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from assessments import services
from assessments.models import Response
from clients.imports import administrations
from practice.models import AuditEvent
from tests.assessments.assign_helpers import answer_everything, cleared, send_now
from tests.practice.test_progress_notes import assert_current

URL = reverse("clients:import_administrations")
ITEMS = ",".join(f"item_{n}" for n in range(1, 11))
ANSWERS = "2,1,3,0,1,2,1,0,0,1"  # PHQ-9 total 10, functional item 1


@pytest.fixture(autouse=True)
def _records(erin, frank, monkeypatch):
    erin.external_reference, frank.external_reference = "E-1", "E-2"
    erin.save()
    frank.save()
    cleared(erin.practice, "phq-9")
    monkeypatch.setattr(services.responses, "notify_clinician", lambda ids: None)


def csv(*lines) -> SimpleUploadedFile:
    content = "\n".join([f"client,date,{ITEMS}", *lines]).encode()
    return SimpleUploadedFile("phq9.csv", content, content_type="text/csv")


def post(web, *lines, action="import", instrument="phq-9"):
    return web.post(URL, {"instrument": instrument, "file": csv(*lines), "action": action})


def test_the_template_has_a_column_per_item_and_reads_back(as_bob, bob):
    response = as_bob.get(reverse("clients:import_administrations_template", args=["phq-9"]))
    assert response["Content-Type"].startswith("text/csv")
    header, _example = response.content.decode().splitlines()
    assert header == f"client,date,{ITEMS}"
    instrument = cleared(bob.memberships.get().practice, "phq-9")[0]
    table = administrations.parse(instrument, response.content)
    (row,) = administrations.check_rows(table, bob, instrument)
    assert row.errors == [administrations.NO_CLIENT]  # the example's reference is nobody's


@pytest.mark.parametrize(
    "line, message",
    [
        ("E-1,2025-01-15,2,1,7,0,1,2,1,0,0,1", "Item 3: 7 is outside the scale 0 to 3"),
        ("E-1,2025-01-15,2,1,,0,1,2,1,0,0,1", "Question 3 is not answered."),
        (f"E-1,15/01/2025,{ANSWERS}", "Date: write the date as YYYY-MM-DD"),
        (f"E-1,2999-01-15,{ANSWERS}", "Date: the day is in the future."),
        (f"E-9,2025-01-15,{ANSWERS}", administrations.NO_CLIENT),
        (f"E-2,2025-01-15,{ANSWERS}", administrations.NO_CLIENT),  # Dana's client
        (f",2025-01-15,{ANSWERS}", "Client: enter the client's reference."),
        (f"E-1,2025-01-15,{ANSWERS}", "Duplicate: the same answers on the same day as row 2."),
    ],
)
def test_invalid_rows_are_listed_with_what_is_wrong_and_not_imported(as_bob, erin, line, message):
    response = post(as_bob, f"E-1,2025-01-15,{ANSWERS}", line)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Rows not imported" in page and message in page
    assert Response.objects.filter(client=erin).count() == 1


def test_checking_saves_nothing(as_bob, erin):
    response = post(as_bob, f"E-1,2025-01-15,{ANSWERS}", action="check")
    page = response.content.decode()
    assert "checked, nothing saved" in page and "1 row can be imported" in page
    assert "10 (Moderate)" in page  # what the row becomes
    assert not Response.objects.filter(client=erin).exists()


def online_submission(client, answers: dict):
    """``answers`` submitted through the client's questionnaire, as the service stores them."""
    _, packet = send_now(client, "phq-9")
    answer_everything(packet, overrides={("phq-9", n): v for n, v in answers.items()})
    (response,) = services.submit_packet(packet)
    return response


def test_a_past_administration_is_scored_as_online_and_starts_the_trajectory(
    as_bob, bob, erin, frank
):
    answers = dict(zip(range(1, 11), map(int, ANSWERS.split(",")), strict=True))
    online = online_submission(frank, answers)

    response = post(as_bob, f"E-1,2025-01-15,{ANSWERS}", f"{erin.pk},2025-03-01,{ANSWERS}")
    assert response.status_code == 200
    assert "2 administrations imported" in response.content.decode()

    first, _second = Response.objects.filter(client=erin).order_by("submitted_at")
    assert first.source == Response.Source.CSV
    assert first.answers == online.answers
    assert first.result == online.result
    assert (first.total, first.band, first.scores) == (online.total, online.band, online.scores)
    assert first.submitted_at == datetime.datetime(2025, 1, 15, 12, tzinfo=datetime.UTC)  # London
    assert AuditEvent.objects.filter(
        action="create", object_type="response", object_id=str(first.pk), actor=bob
    ).exists()

    api = APIClient()
    api.force_authenticate(bob)
    trajectory = api.get(reverse("client-trajectory", args=[erin.pk])).json()
    dates = str(trajectory)
    assert "2025-01-15" in dates and "2025-03-01" in dates

    row = assert_current(erin)  # the page refreshed the dashboard row as a rebuild would
    assert row["responses"] == 2

    # Importing the same file again adds nothing.
    page = post(as_bob, f"E-1,2025-01-15,{ANSWERS}").content.decode()
    assert "Already imported" in page
    assert Response.objects.filter(client=erin).count() == 2


def test_an_instrument_not_cleared_for_the_practice_is_refused(as_bob, erin):
    response = post(as_bob, "E-1,2025-01-15,1,1,1,1,1,1,1", instrument="gad-7")
    assert response.status_code == 400
    assert "acknowledge its licence note" in response.content.decode()


def test_a_file_that_is_not_the_instruments_is_refused(as_bob, erin):
    bad = SimpleUploadedFile("x.csv", b"client,date,item_11\nE-1,2025-01-15,1\n")
    response = as_bob.post(URL, {"instrument": "phq-9", "file": bad, "action": "import"})
    assert response.status_code == 400
    assert "Unknown column: item_11" in response.content.decode()


def test_another_practices_instrument_template_is_404(as_charlie, charlie, bob):
    from tests.assessments.helpers import custom_instrument_for

    custom = custom_instrument_for(bob.memberships.get().practice, bob)
    url = reverse("clients:import_administrations_template", args=[custom.code])
    assert as_charlie.get(url).status_code == 404
