"""``seed_demo`` gives every demo client a plausible, fictional history of sessions."""

import pytest
from django.core.management import call_command

from clients.models import Client, NoteAddendum, SessionNote, SessionNoteVersion
from clients.notes import local_today


@pytest.mark.django_db
def test_seed_demo_writes_a_session_history_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    notes = SessionNote.objects.all()
    assert Client.objects.exclude(session_notes__isnull=False).count() == 0
    assert notes.count() == SessionNoteVersion.objects.count()  # each written once, as a draft
    assert notes.filter(status="draft").exists() and notes.filter(status="signed").exists()
    crisis = notes.filter(tags__name="Crisis")
    assert crisis.exists()
    assert NoteAddendum.objects.filter(note__in=crisis).count() == crisis.count()
    for note in notes.select_related("client__practice"):
        assert note.session_date < local_today(note.client.effective_time_zone)
        assert note.search_text  # every note has text
    for client in Client.objects.filter(status=Client.Status.DISCHARGED):
        latest = client.session_notes.first()
        assert (local_today(client.effective_time_zone) - latest.session_date).days >= 90
    before = notes.count()
    call_command("seed_demo", stdout=None)
    assert SessionNote.objects.count() == before
