"""Session notes written through the pages and the API bring the dashboard's row up to date.

The notes' services sit below the dashboard and leave its rows alone; the note pages and the
notes API refresh the client's row after a note is created or a draft saved. These tests fail
when a caller forgets to.
"""

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from clients.models import SessionNote
from practice.dashboard import progress
from tests.clients.test_notes_models import make_note
from tests.clients.test_notes_pages import note_form
from tests.practice.test_progress import row_of

NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def assert_current(client) -> dict:
    """The client's row as the caller left it, which a rebuild from scratch leaves unchanged."""
    incremental = row_of(client)
    progress.rebuild_progress(client_ids=[client.pk])
    assert row_of(client) == incremental
    return incremental


def test_the_note_pages_refresh_the_row(as_bob, erin):
    response = as_bob.post(
        reverse("clients:note_create", args=[erin.pk]), note_form(session_date="2026-03-02")
    )
    assert response.status_code == 302
    note = SessionNote.objects.get(client=erin)
    assert assert_current(erin)["last_session_at"] == note.started_at
    response = as_bob.post(
        reverse("clients:note_edit", args=[erin.pk, note.pk]),
        note_form(session_date="2026-03-09", version="1"),
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.session_date == datetime.date(2026, 3, 9)
    assert assert_current(erin)["last_session_at"] == note.started_at


def test_the_notes_api_refreshes_the_row(bob, erin):
    api = APIClient()
    api.force_authenticate(bob)
    payload = {
        "client": str(erin.pk),
        "session_date": "2026-03-02",
        "start_time": "09:30",
        "duration_minutes": 50,
        "session_type": "individual",
        "modality": "video",
        "note_format": "free",
        "content": {"text": "Talked about the week."},
    }
    response = api.post("/api/v1/notes/", payload, format="json")
    assert response.status_code == 201, response.json()
    note = SessionNote.objects.get(client=erin)
    assert assert_current(erin)["last_session_at"] == note.started_at
    response = api.patch(
        f"/api/v1/notes/{note.pk}/", {"session_date": "2026-03-09", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    note.refresh_from_db()
    assert note.session_date == datetime.date(2026, 3, 9)
    assert assert_current(erin)["last_session_at"] == note.started_at


def test_a_draft_saved_unchanged_does_not_refresh_the_row(as_bob, erin, monkeypatch):
    note = make_note(erin, session_date=datetime.date(2026, 3, 2))
    refreshed = []
    monkeypatch.setattr("practice.dashboard.progress.refresh_client_progress", refreshed.append)
    unchanged = note_form(
        session_date="2026-03-02",
        start_time="10:00",
        modality="in_person",
        section_text=note.content["text"],
    )
    response = as_bob.post(
        reverse("clients:note_edit", args=[erin.pk, note.pk]), {**unchanged, "version": "1"}
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.version, refreshed) == (1, [])
