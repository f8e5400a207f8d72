"""Session note operations (clients/notes/workflow.py): writing, versions, signing, addenda,
bad input, visibility and the audit trail."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from clients import notes
from clients.models import NoteAddendum, NoteLocked, NoteTag, SessionNote, SessionNoteVersion
from practice.models import AuditEvent, Membership
from tests.clients.test_notes_models import TEXT, make_note, tag

# 23:30 on 1 March 2026 in UTC is already 2 March in Auckland and still 1 March in London.
LATE_EVENING_UTC = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)


def note_input(**overrides) -> notes.NoteInput:
    values = {
        "session_date": datetime.date(2026, 2, 27),
        "start_time": datetime.time(14, 0),
        "duration_minutes": 50,
        "content": {"text": TEXT},
    }
    values.update(overrides)
    return notes.NoteInput(**values)


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


@pytest.mark.django_db
class TestCreate:
    @time_machine.travel(LATE_EVENING_UTC, tick=False)
    def test_time_is_read_in_the_clients_zone_and_version_1_is_kept(self, erin, bob):
        erin.time_zone = "America/New_York"
        erin.save()
        note = notes.create_note(bob, erin, note_input())
        assert note.started_at == datetime.datetime(2026, 2, 27, 19, 0, tzinfo=datetime.UTC)
        assert (note.time_zone, note.session_date) == (
            "America/New_York",
            datetime.date(2026, 2, 27),
        )
        assert (note.practice, note.author, note.status, note.version) == (
            erin.practice,
            bob,
            SessionNote.Status.DRAFT,
            1,
        )
        version = note.versions.get()
        assert (version.number, version.content, version.saved_by) == (1, {"text": TEXT}, bob)

    def test_audit_names_fields_and_never_holds_text(self, erin, bob):
        crisis = tag(erin.practice, "Crisis")
        note = make_note(erin, tags=[crisis], text="Disclosed self-harm urges last Tuesday.")
        event = AuditEvent.objects.get(object_type="sessionnote", action="create")
        assert (event.actor, event.client_id, event.object_id) == (bob, erin.pk, str(note.pk))
        assert "content" in event.fields and "tags" in event.fields
        stored = " ".join(str(value) for value in AuditEvent.objects.values_list())
        assert "self-harm" not in stored
        assert "Crisis" not in stored

    def test_sections_are_trimmed_and_joined_for_search(self, erin, bob):
        note = notes.create_note(
            bob,
            erin,
            note_input(
                note_format=SessionNote.Format.SOAP,
                content={"subjective": "  Felt low.  ", "plan": "Walk daily."},
            ),
        )
        assert note.content == {
            "subjective": "Felt low.",
            "objective": "",
            "assessment": "",
            "plan": "Walk daily.",
        }
        assert note.search_text == "Felt low.\n\nWalk daily."


@pytest.mark.django_db
class TestBadInput:
    @time_machine.travel(LATE_EVENING_UTC, tick=False)
    @pytest.mark.parametrize(
        ("zone", "date", "allowed"),
        [
            ("Europe/London", datetime.date(2026, 3, 1), True),
            ("Europe/London", datetime.date(2026, 3, 2), False),
            ("Pacific/Auckland", datetime.date(2026, 3, 2), True),
            ("Pacific/Auckland", datetime.date(2026, 3, 3), False),
        ],
    )
    def test_no_session_after_today_in_the_clients_zone(self, erin, bob, zone, date, allowed):
        erin.time_zone = zone
        erin.save()
        if allowed:
            assert notes.create_note(bob, erin, note_input(session_date=date))
        else:
            errors = errors_of(lambda: notes.create_note(bob, erin, note_input(session_date=date)))
            assert "cannot be after today" in errors["session_date"][0]
            assert not SessionNote.objects.exists()

    @pytest.mark.parametrize(
        ("minutes", "message"),
        [
            (0, "at least 1 minute"),
            (-50, "at least 1 minute"),
            (481, "cannot last more than 480 minutes"),
            (50_000, "cannot last more than 480 minutes"),
            ("50", "whole number of minutes"),
        ],
    )
    def test_durations_outside_one_minute_to_eight_hours(self, erin, bob, minutes, message):
        errors = errors_of(
            lambda: notes.create_note(bob, erin, note_input(duration_minutes=minutes))
        )
        assert message in errors["duration_minutes"][0]

    def test_a_time_skipped_by_the_clocks_going_forward_is_refused(self, erin, bob):
        spring_forward = note_input(
            session_date=datetime.date(2026, 3, 29), start_time=datetime.time(1, 30)
        )
        errors = errors_of(lambda: notes.create_note(bob, erin, spring_forward))
        assert "clocks went forward" in errors["start_time"][0]
        autumn = note_input(
            session_date=datetime.date(2025, 10, 26), start_time=datetime.time(1, 30)
        )
        started = notes.create_note(bob, erin, autumn).started_at
        assert started.astimezone(datetime.UTC).hour == 0  # the first 01:30 that day, in BST

    def test_date_before_birth_is_refused(self, erin, bob):
        erin.date_of_birth = datetime.date(1990, 5, 1)
        erin.save()
        errors = errors_of(
            lambda: notes.create_note(bob, erin, note_input(session_date=datetime.date(1989, 5, 1)))
        )
        assert "before the client was born" in errors["session_date"][0]

    def test_tags_from_another_practice_are_refused(self, erin, bob, practice_b):
        foreign = tag(practice_b, "Crisis")
        errors = errors_of(lambda: notes.create_note(bob, erin, note_input(tag_ids=[foreign.pk])))
        assert errors["tags"] == ["Choose tags from your practice's tag list."]
        assert not SessionNote.objects.exists()

    def test_archived_tags_cannot_be_newly_chosen_but_stay_on_a_note(self, erin, bob):
        grief = tag(erin.practice, "Grief and loss")
        note = make_note(erin, tags=[grief])
        NoteTag.objects.filter(pk=grief.pk).update(is_active=False)
        errors = errors_of(lambda: notes.create_note(bob, erin, note_input(tag_ids=[grief.pk])))
        assert "archived: Grief and loss" in errors["tags"][0]
        updated = notes.update_draft(bob, note, note_input(tag_ids=[grief.pk], duration_minutes=45))
        assert list(updated.tags.all()) == [grief]

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"content": {"text": "   "}}, "content"),
            ({"content": {}}, "content"),
            ({"content": {"text": "ok", "subjective": "wrong format"}}, "content"),
            ({"content": {"text": "x" * 20_001}}, "text"),
            ({"session_type": "solo"}, "session_type"),
            ({"modality": "telepathy"}, "modality"),
            ({"note_format": "essay"}, "note_format"),
            ({"tag_ids": ["abc"]}, "tags"),
        ],
    )
    def test_each_bad_field_gets_its_own_message(self, erin, bob, overrides, field):
        errors = errors_of(lambda: notes.create_note(bob, erin, note_input(**overrides)))
        assert field in errors
        assert not SessionNote.objects.exists()


@pytest.mark.django_db
class TestDrafts:
    def test_each_changing_save_keeps_a_version(self, erin, bob):
        note = make_note(erin)
        notes.update_draft(bob, note, note_input(content={"text": "Second go."}))
        note = notes.update_draft(bob, note, note_input(content={"text": "Third go."}))
        assert note.version == 3
        assert [v.content["text"] for v in note.versions.order_by("number")] == [
            TEXT,
            "Second go.",
            "Third go.",
        ]
        event = AuditEvent.objects.filter(action="update").first()
        assert event.fields == ["content"]

    def test_a_save_that_changes_nothing_writes_nothing(self, erin, bob):
        note = make_note(erin)
        again = notes.update_draft(bob, note, notes.NoteInput.from_note(note))
        assert again.version == 1
        assert SessionNoteVersion.objects.count() == 1
        assert not AuditEvent.objects.filter(action="update").exists()

    def test_only_the_author_edits_a_draft(self, erin, alice, bob):
        note = make_note(erin)
        with pytest.raises(PermissionDenied):
            notes.update_draft(alice, note, note_input(content={"text": "Owner's words."}))
        assert SessionNote.objects.get(pk=note.pk).content == {"text": TEXT}

    def test_a_save_from_a_stale_copy_is_refused(self, erin, bob):
        note = make_note(erin)
        notes.update_draft(bob, note, note_input(content={"text": "Saved in tab one."}))
        errors = errors_of(
            lambda: notes.update_draft(
                bob, note, note_input(content={"text": "Tab two."}), expected_version=1
            )
        )
        assert "saved somewhere else" in errors["__all__"][0]
        assert SessionNote.objects.get(pk=note.pk).content == {"text": "Saved in tab one."}


@pytest.mark.django_db
class TestSigning:
    def test_signing_locks_the_note(self, erin, bob):
        note = notes.sign_note(bob, make_note(erin))
        assert note.is_signed and note.signed_by == bob and note.signed_at is not None
        with pytest.raises(NoteLocked):
            notes.update_draft(bob, note, note_input(content={"text": "Changed my mind."}))
        with pytest.raises(NoteLocked, match="already signed"):
            notes.sign_note(bob, note)
        assert SessionNote.objects.get(pk=note.pk).content == {"text": TEXT}
        assert SessionNoteVersion.objects.count() == 1
        assert AuditEvent.objects.get(action="update").fields == ["signed_at", "status"]

    def test_a_stale_draft_copy_cannot_be_saved_over_a_signed_note(self, erin, bob):
        note = make_note(erin)
        stale_copy = SessionNote.objects.get(pk=note.pk)
        notes.sign_note(bob, note)
        with pytest.raises(NoteLocked):
            notes.update_draft(bob, stale_copy, note_input(content={"text": "Sneaky."}))

    def test_only_the_author_signs(self, erin, alice):
        note = make_note(erin)
        with pytest.raises(PermissionDenied):
            notes.sign_note(alice, note)
        assert not SessionNote.objects.get(pk=note.pk).is_signed


@pytest.mark.django_db
class TestAddenda:
    def test_addendum_records_author_and_time_and_leaves_the_note_alone(self, erin, alice):
        note = make_note(erin, signed=True)
        addendum = notes.add_addendum(alice, note, "  Supervision: discussed risk plan.  ")
        assert (addendum.author, addendum.text) == (alice, "Supervision: discussed risk plan.")
        assert addendum.created_at is not None
        assert SessionNote.objects.get(pk=note.pk).content == {"text": TEXT}
        event = AuditEvent.objects.get(object_type="noteaddendum")
        assert (event.action, event.client_id, event.fields) == ("create", erin.pk, ["text"])

    def test_drafts_take_edits_not_addenda(self, erin, bob):
        errors = errors_of(lambda: notes.add_addendum(bob, make_note(erin), "More."))
        assert "edit the draft instead" in errors["text"][0]
        assert not NoteAddendum.objects.exists()

    @pytest.mark.parametrize("text", ["", "   ", "x" * 10_001])
    def test_empty_or_huge_addenda_are_refused(self, erin, bob, text):
        note = make_note(erin, signed=True)
        assert "text" in errors_of(lambda: notes.add_addendum(bob, note, text))


@pytest.mark.django_db
class TestVisibility:
    def test_clients_clinicians_and_owners_see_a_note_others_do_not(
        self, erin, bob, dana, alice, charlie
    ):
        note = make_note(erin)

        def sees(user):
            return SessionNote.objects.visible_to(user).filter(pk=note.pk).exists()

        assert sees(bob) and sees(alice)
        assert not sees(dana) and not sees(charlie)
        erin.shares.create(clinician=dana)
        assert sees(dana)

    def test_the_author_keeps_seeing_a_note_after_the_share_ends(self, erin, dana):
        share = erin.shares.create(clinician=dana)
        note = make_note(erin, author=dana)
        share.delete()
        assert SessionNote.objects.visible_to(dana).filter(pk=note.pk).exists()
        Membership.objects.filter(user=dana).update(is_active=False)
        assert not SessionNote.objects.visible_to(dana).exists()

    def test_anonymous_sees_nothing(self, erin):
        from django.contrib.auth.models import AnonymousUser

        make_note(erin)
        assert not SessionNote.objects.visible_to(AnonymousUser()).exists()


@pytest.mark.django_db
class TestTags:
    def test_defaults_are_seeded_once_per_practice(self, practice_a, practice_b):
        notes.ensure_default_tags(practice_a)
        notes.ensure_default_tags(practice_a)
        names = set(NoteTag.objects.filter(practice=practice_a).values_list("name", flat=True))
        assert {"Limiting belief challenged", "Alternative support figure", "Crisis"} <= names
        assert {"Emotion regulation", "Rupture and repair"} <= names
        assert len(names) == len(notes.DEFAULT_TAGS)
        assert not NoteTag.objects.filter(practice=practice_b).exists()

    def test_owner_adds_renames_and_archives(self, alice, practice_a):
        added = notes.add_tag(alice, practice_a, "  Inner   critic ", NoteTag.Kind.THEME)
        assert added.name == "Inner critic"
        notes.change_tag(
            alice, added, name="Inner critic work", kind=NoteTag.Kind.INTERVENTION, is_active=False
        )
        added.refresh_from_db()
        assert (added.name, added.kind, added.is_active) == (
            "Inner critic work",
            "intervention",
            False,
        )
        assert AuditEvent.objects.filter(object_type="notetag").count() == 2

    def test_clinicians_cannot_change_the_list(self, bob, practice_a):
        with pytest.raises(PermissionDenied):
            notes.add_tag(bob, practice_a, "Mine", NoteTag.Kind.THEME)

    def test_another_practices_owner_cannot_change_it(self, charlie, practice_a):
        crisis = tag(practice_a, "Crisis")
        with pytest.raises(PermissionDenied):
            notes.change_tag(charlie, crisis, name="x", kind="theme", is_active=True)

    def test_duplicate_names_are_refused_whatever_the_case(self, alice, practice_a):
        errors = errors_of(lambda: notes.add_tag(alice, practice_a, "CRISIS", "theme"))
        assert "already has a tag" in errors["name"][0]


@pytest.mark.django_db
def test_client_zone_used_is_the_practice_default_when_client_has_none(erin, bob):
    erin.practice.time_zone = "Asia/Tokyo"
    erin.practice.save()
    note = make_note(erin)
    assert note.time_zone == "Asia/Tokyo"
    local = note.started_at.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert (local.hour, local.minute) == (10, 0)
