"""Session note models: what must hold whichever code saves them. Also ``make_note``, the
helper the other note tests use to write notes through the real service."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients import notes
from clients.models import NoteAddendum, NoteLocked, NoteTag, SessionNote, SessionNoteVersion

TEXT = "Talked about the week; sleep better since the new routine."


def tag(practice, name, kind=NoteTag.Kind.THEME, **extra) -> NoteTag:
    """The practice's tag called ``name``, created if the default list does not have it."""
    notes.ensure_default_tags(practice)
    found, _ = NoteTag.objects.get_or_create(
        practice=practice, name=name, defaults={"kind": kind, **extra}
    )
    return found


def make_note(
    client,
    author=None,
    *,
    days_ago: int = 1,
    text: str = TEXT,
    tags=(),
    signed: bool = False,
    **fields,
) -> SessionNote:
    """A note about ``client`` written through ``notes.create_note`` (so it has its version and
    audit row), by the client's primary clinician unless ``author`` is given."""
    author = author or client.primary_clinician
    local_today = notes.local_today(client.effective_time_zone)
    data = notes.NoteInput(
        session_date=fields.pop("session_date", local_today - datetime.timedelta(days=days_ago)),
        start_time=fields.pop("start_time", datetime.time(10, 0)),
        duration_minutes=fields.pop("duration_minutes", 50),
        content=fields.pop("content", {"text": text}),
        tag_ids=[t.pk for t in tags],
        **fields,
    )
    note = notes.create_note(author, client, data)
    if signed:
        note = notes.sign_note(author, note)
    return note


@pytest.mark.django_db
class TestSignedNotesAreLocked:
    def test_a_signed_note_refuses_save(self, erin):
        note = make_note(erin, signed=True)
        loaded = SessionNote.objects.get(pk=note.pk)
        loaded.content = {"text": "rewritten"}
        with pytest.raises(NoteLocked):
            loaded.save()
        assert SessionNote.objects.get(pk=note.pk).content == {"text": TEXT}

    def test_the_instance_that_was_signed_is_locked_too(self, erin):
        note = make_note(erin, signed=True)
        note.duration_minutes = 20
        with pytest.raises(NoteLocked):
            note.save()

    def test_notes_are_never_deleted(self, erin):
        note = make_note(erin)
        with pytest.raises(NoteLocked):
            note.delete()
        assert SessionNote.objects.filter(pk=note.pk).exists()


@pytest.mark.django_db
class TestAppendOnlyRecords:
    def test_versions_cannot_be_changed_or_deleted(self, erin):
        version = make_note(erin).versions.get()
        version.content = {"text": "rewritten"}
        with pytest.raises(PermissionError):
            version.save()
        with pytest.raises(PermissionError):
            SessionNoteVersion.objects.filter(pk=version.pk).update(content={})
        with pytest.raises(PermissionError):
            SessionNoteVersion.objects.all().delete()
        with pytest.raises(PermissionError):
            version.delete()

    def test_addenda_cannot_be_changed_or_deleted(self, erin, bob):
        note = make_note(erin, signed=True)
        addendum = notes.add_addendum(bob, note, "Client called to say the date was wrong.")
        addendum.text = "rewritten"
        with pytest.raises(PermissionError):
            addendum.save()
        with pytest.raises(PermissionError):
            NoteAddendum.objects.filter(pk=addendum.pk).update(text="x")
        with pytest.raises(PermissionError):
            addendum.delete()


@pytest.mark.django_db
class TestDatabaseConstraints:
    def test_duration_outside_range_is_refused_by_the_database(self, erin, bob):
        with pytest.raises(IntegrityError), transaction.atomic():
            SessionNote.objects.create(
                practice=erin.practice,
                client=erin,
                author=bob,
                started_at=timezone.now(),
                time_zone="Europe/London",
                session_date=datetime.date.today(),
                duration_minutes=600,
            )

    def test_tag_names_are_unique_per_practice_whatever_the_case(self, practice_a, practice_b):
        tag(practice_a, "Crisis")
        with pytest.raises(IntegrityError), transaction.atomic():
            NoteTag.objects.create(practice=practice_a, name="CRISIS")
        assert NoteTag.objects.create(practice=practice_b, name="crisis")


@pytest.mark.django_db
def test_sections_follow_the_format(erin):
    note = make_note(
        erin,
        note_format=SessionNote.Format.DAP,
        content={"data": "Reported two panic episodes.", "plan": "Grounding practice daily."},
    )
    assert note.sections == [
        ("data", "Data", "Reported two panic episodes."),
        ("assessment", "Assessment", ""),
        ("plan", "Plan", "Grounding practice daily."),
    ]
