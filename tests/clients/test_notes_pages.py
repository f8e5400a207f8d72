"""Session note pages: write, sign, amend, versions, lists, timeline, search and tags; bad input
answers 400 with its message, a signed note 409; reads are audited; query counts stay fixed."""

import datetime
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import NoteAddendum, NoteTag, SessionNote
from practice.models import AuditEvent
from tests.clients.test_notes_models import TEXT, make_note, tag

NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)
SECRET = "Spoke about her father's drinking for the first time."


def note_form(**overrides):
    data = {
        "session_date": "2026-03-09",
        "start_time": "15:30",
        "duration_minutes": "50",
        "session_type": "individual",
        "modality": "video",
        "note_format": "free",
        "shown_format": "free",
        "section_text": SECRET,
    }
    data.update(overrides)
    return data


def detail_url(note):
    return reverse("clients:note_detail", args=[note.client_id, note.pk])


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
class TestWriting:
    def test_form_starts_from_now_in_the_clients_zone(self, as_bob, erin):
        erin.time_zone = "Australia/Sydney"  # 23:00 there
        erin.save()
        response = as_bob.get(reverse("clients:note_create", args=[erin.pk]))
        assert response.status_code == 200
        form = response.context["form"]
        assert form.initial["session_date"] == datetime.date(2026, 3, 10)
        assert form.initial["start_time"] == datetime.time(23, 0)
        assert "Australia/Sydney" in page_text(response)
        assert NoteTag.objects.filter(practice=erin.practice, name="Crisis").exists()

    def test_save_draft_then_sign(self, as_bob, bob, erin):
        crisis = tag(erin.practice, "Crisis")
        response = as_bob.post(
            reverse("clients:note_create", args=[erin.pk]), note_form(themes=[crisis.pk])
        )
        note = SessionNote.objects.get()
        assert response.status_code == 302 and response["Location"] == detail_url(note)
        assert (note.author, note.status, list(note.tags.all())) == (bob, "draft", [crisis])
        assert note.started_at == datetime.datetime(2026, 3, 9, 15, 30, tzinfo=datetime.UTC)
        response = as_bob.post(reverse("clients:note_sign", args=[erin.pk, note.pk]), follow=True)
        assert response.redirect_chain == [(detail_url(note), 302)]
        assert "The note is signed and locked" in page_text(response)
        assert SessionNote.objects.get().is_signed

    def test_save_and_sign_in_one_step(self, as_bob, erin):
        response = as_bob.post(
            reverse("clients:note_create", args=[erin.pk]),
            {**note_form(), "sign": "1"},
            follow=True,
        )
        assert SessionNote.objects.get().is_signed
        assert "The note is signed and locked" in page_text(response)

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"session_date": "2026-03-11"}, "session_date", "cannot be after today"),
            ({"session_date": "11/03/2026x"}, "session_date", "Enter a valid date"),
            ({"duration_minutes": "-50"}, "duration_minutes", "at least 1 minute"),
            ({"duration_minutes": "0"}, "duration_minutes", "at least 1 minute"),
            ({"duration_minutes": "9000"}, "duration_minutes", "more than 480 minutes"),
            ({"duration_minutes": "fifty"}, "duration_minutes", "Enter a whole number"),
            ({"start_time": "25:00"}, "start_time", "Enter a valid time"),
            ({"session_type": "solo"}, "session_type", "Select a valid choice"),
            ({"section_text": ""}, "__all__", "Write something"),
        ],
    )
    def test_bad_input_is_400_with_a_clear_message(self, as_bob, erin, overrides, field, message):
        response = as_bob.post(
            reverse("clients:note_create", args=[erin.pk]), note_form(**overrides)
        )
        assert response.status_code == 400
        assert message in str(response.context["form"].errors[field])
        assert not SessionNote.objects.exists()

    def test_a_tag_of_another_practice_is_refused(self, as_bob, erin, practice_b):
        foreign = tag(practice_b, "Crisis")
        response = as_bob.post(
            reverse("clients:note_create", args=[erin.pk]), note_form(themes=[foreign.pk])
        )
        assert response.status_code == 400
        assert "Select a valid choice" in str(response.context["form"].errors["themes"])
        assert not SessionNote.objects.exists()

    def test_switching_format_loses_no_text(self, as_bob, erin):
        soap = note_form(
            note_format="dap",
            shown_format="soap",
            section_subjective="Felt unseen at work.",
            section_objective="Tearful, then settled.",
            section_plan="Notice the critic.",
        )
        del soap["section_text"]
        response = as_bob.post(reverse("clients:note_create", args=[erin.pk]), soap)
        assert response.status_code == 200
        assert not SessionNote.objects.exists()  # a changed format redraws, it does not save
        form = response.context["form"]
        assert form.note_format == "dap"
        assert [field.name for field in form.sections] == [
            "section_data",
            "section_assessment",
            "section_plan",
        ]
        assert form.initial["section_data"] == (
            "Subjective:\nFelt unseen at work.\n\nObjective:\nTearful, then settled."
        )
        assert form.initial["section_plan"] == "Notice the critic."

    def test_no_text_in_logs(self, as_bob, erin, caplog):
        caplog.set_level(logging.DEBUG)
        as_bob.post(reverse("clients:note_create", args=[erin.pk]), {**note_form(), "sign": "1"})
        note = SessionNote.objects.get()
        as_bob.get(detail_url(note))
        as_bob.post(
            reverse("clients:note_addendum", args=[erin.pk, note.pk]), {"text": "Father again."}
        )
        assert "drinking" not in caplog.text and "Father again" not in caplog.text


@pytest.mark.django_db
class TestReadingAndChanging:
    def test_detail_shows_the_note_and_audits_the_read(self, as_alice, alice, erin):
        note = make_note(erin, text=SECRET)
        response = as_alice.get(detail_url(note))
        assert response.status_code == 200
        assert "father&#x27;s drinking" in page_text(response)
        event = AuditEvent.objects.get(action="view", object_type="sessionnote")
        assert (event.actor, event.client_id, event.object_id) == (alice, erin.pk, str(note.pk))

    def test_edit_saves_a_new_version(self, as_bob, erin):
        note = make_note(erin)
        response = as_bob.get(reverse("clients:note_edit", args=[erin.pk, note.pk]))
        assert response.status_code == 200
        form = note_form(section_text="Second draft.", version="1", session_date="2026-01-05")
        response = as_bob.post(reverse("clients:note_edit", args=[erin.pk, note.pk]), form)
        assert response.status_code == 302
        note.refresh_from_db()
        assert (note.version, note.content) == (2, {"text": "Second draft."})
        assert note.versions.count() == 2

    def test_a_stale_edit_is_refused_with_a_message(self, as_bob, erin):
        note = make_note(erin)
        url = reverse("clients:note_edit", args=[erin.pk, note.pk])
        as_bob.post(url, note_form(section_text="Tab one.", version="1", session_date="2026-01-05"))
        response = as_bob.post(
            url, note_form(section_text="Tab two.", version="1", session_date="2026-01-05")
        )
        assert response.status_code == 400
        assert "saved somewhere else" in page_text(response)
        assert SessionNote.objects.get().content == {"text": "Tab one."}

    def test_only_the_author_may_edit_a_draft(self, as_alice, erin):
        note = make_note(erin)
        url = reverse("clients:note_edit", args=[erin.pk, note.pk])
        assert as_alice.get(url).status_code == 403
        assert as_alice.post(url, note_form(version="1")).status_code == 403
        assert SessionNote.objects.get().content == {"text": TEXT}

    def test_a_signed_note_cannot_be_edited_or_signed_again(self, as_bob, erin):
        note = make_note(erin, signed=True)
        edit = reverse("clients:note_edit", args=[erin.pk, note.pk])
        for response in (
            as_bob.get(edit),
            as_bob.post(edit, note_form(section_text="Rewritten.", version="1")),
            as_bob.post(reverse("clients:note_sign", args=[erin.pk, note.pk])),
        ):
            assert response.status_code == 409
            assert "add an addendum" in page_text(response)
        assert SessionNote.objects.get().content == {"text": TEXT}

    def test_addendum_on_a_signed_note(self, as_alice, alice, erin):
        note = make_note(erin, signed=True)
        url = reverse("clients:note_addendum", args=[erin.pk, note.pk])
        assert as_alice.post(url, {"text": "Supervision: agreed plan."}).status_code == 302
        assert NoteAddendum.objects.get().author == alice
        response = as_alice.get(detail_url(note))
        assert "Supervision: agreed plan." in page_text(response)
        assert "Alice Owner" in page_text(response)

    def test_bad_addenda_are_400(self, as_bob, erin):
        signed, draft = make_note(erin, signed=True), make_note(erin, days_ago=2)
        empty = as_bob.post(reverse("clients:note_addendum", args=[erin.pk, signed.pk]), {})
        assert empty.status_code == 400
        on_draft = as_bob.post(
            reverse("clients:note_addendum", args=[erin.pk, draft.pk]), {"text": "More."}
        )
        assert on_draft.status_code == 400
        assert "edit the draft instead" in page_text(on_draft)
        assert not NoteAddendum.objects.exists()

    def test_versions_page_lists_every_save_and_is_audited(self, as_bob, bob, erin):
        from clients import notes
        from tests.clients.test_notes_services import note_input

        note = make_note(erin)
        notes.update_draft(bob, note, note_input(content={"text": "Second."}))
        response = as_bob.get(reverse("clients:note_versions", args=[erin.pk, note.pk]))
        assert [v.number for v in response.context["versions"]] == [2, 1]
        assert TEXT in page_text(response) and "Second." in page_text(response)
        assert AuditEvent.objects.filter(action="view", fields=["versions"]).exists()

    def test_a_note_of_another_client_is_404_through_this_client(self, as_alice, erin, frank):
        note = make_note(frank)
        url = reverse("clients:note_detail", args=[erin.pk, note.pk])
        assert as_alice.get(url).status_code == 404


@pytest.mark.django_db
class TestListsAndTimeline:
    def test_client_page_shows_the_newest_sessions_without_text(self, as_bob, erin):
        crisis = tag(erin.practice, "Crisis")
        for days_ago in range(1, 8):
            make_note(erin, days_ago=days_ago, text=SECRET, tags=[crisis])
        response = as_bob.get(reverse("clients:detail", args=[erin.pk]))
        html = page_text(response)
        assert "Sessions and timeline" in html
        assert html.count('class="timeline-entry') == 5
        assert "Crisis" in html and "drinking" not in html
        assert "See the whole timeline" in html

    def test_client_page_offers_the_whole_timeline_only_when_there_is_more(self, as_bob, erin):
        for days_ago in range(1, 6):
            make_note(erin, days_ago=days_ago, text=SECRET)
        html = page_text(as_bob.get(reverse("clients:detail", args=[erin.pk])))
        assert html.count('class="timeline-entry') == 5
        assert "See the whole timeline" not in html

    @pytest.mark.parametrize("route", ["clients:detail", "clients:notes", "clients:timeline"])
    def test_queries_do_not_grow_with_notes(
        self, as_bob, erin, route, django_assert_max_num_queries
    ):
        crisis, repair = tag(erin.practice, "Crisis"), tag(erin.practice, "Rupture and repair")

        def add_notes(days):
            for days_ago in days:
                note = make_note(erin, days_ago=days_ago, tags=[crisis, repair], signed=True)
                NoteAddendum.objects.create(note=note, author=erin.primary_clinician, text="More.")

        url = reverse(route, args=[erin.pk])
        add_notes([1])
        with CaptureQueriesContext(connection) as one_note:
            as_bob.get(url)
        add_notes(range(2, 42))
        # The client page also shows reports and questionnaires: a fixed budget, whatever the
        # number of notes.
        with django_assert_max_num_queries(min(len(one_note), 32)):
            response = as_bob.get(url)
        assert response.status_code == 200
        if route != "clients:detail":
            expected_rows = 20 if route == "clients:timeline" else 25
            assert len(response.context["page_obj"].object_list) == expected_rows

    def test_notes_list_filters_by_tag_and_is_audited(self, as_bob, bob, erin):
        crisis = tag(erin.practice, "Crisis")
        tagged = make_note(erin, tags=[crisis])
        make_note(erin, days_ago=2)
        response = as_bob.get(reverse("clients:notes", args=[erin.pk]), {"tag": crisis.pk})
        assert [note.pk for note in response.context["page_obj"]] == [tagged.pk]
        event = AuditEvent.objects.get(action="list")
        assert (event.actor, event.client_id, event.fields) == (bob, erin.pk, ["session_notes"])

    def test_timeline_page_paginates(self, as_bob, erin):
        for days_ago in range(1, 23):
            make_note(erin, days_ago=days_ago)
        response = as_bob.get(reverse("clients:timeline", args=[erin.pk]), {"page": 2})
        assert response.context["page_obj"].number == 2
        assert len(response.context["page_obj"].object_list) == 2


@pytest.mark.django_db
class TestSearchPage:
    def test_search_by_post_finds_within_the_caseload(self, as_dana, erin, frank):
        make_note(erin, text="Nightmares most nights.")
        mine = make_note(frank, text="Nightmares eased.")
        url = reverse("clients:note_search")
        assert as_dana.get(url).status_code == 200
        response = as_dana.post(url, {"q": "nightmares"})
        assert response.status_code == 200
        assert [note.pk for note in response.context["page_obj"]] == [mine.pk]
        assert AuditEvent.objects.filter(action="list", object_type="sessionnote").exists()

    def test_search_by_tag(self, as_bob, erin):
        crisis = tag(erin.practice, "Crisis")
        tagged = make_note(erin, tags=[crisis])
        make_note(erin, days_ago=2)
        response = as_bob.post(reverse("clients:note_search"), {"tags": [crisis.pk]})
        assert [note.pk for note in response.context["page_obj"]] == [tagged.pk]

    def test_an_empty_search_is_400_with_a_message(self, as_bob):
        response = as_bob.post(reverse("clients:note_search"), {"q": "  "})
        assert response.status_code == 400
        assert "Enter words to look for" in page_text(response)


@pytest.mark.django_db
class TestTagPages:
    def test_owner_adds_and_archives_a_tag(self, as_alice, practice_a):
        url = reverse("clients:note_tags")
        response = as_alice.post(url, {"name": "Inner critic", "kind": "theme"})
        assert response.status_code == 302
        added = NoteTag.objects.get(practice=practice_a, name="Inner critic")
        edit = reverse("clients:note_tag_edit", args=[added.pk])
        response = as_alice.post(edit, {"name": "Inner critic", "kind": "theme"})
        assert response.status_code == 302
        added.refresh_from_db()
        assert not added.is_active
        assert "Archived" in page_text(as_alice.get(url))

    def test_duplicate_name_is_400(self, as_alice, practice_a):
        tag(practice_a, "Crisis")
        response = as_alice.post(reverse("clients:note_tags"), {"name": "crisis", "kind": "theme"})
        assert response.status_code == 400
        assert "already has a tag" in page_text(response)

    def test_clinicians_cannot_manage_tags(self, as_bob):
        assert as_bob.get(reverse("clients:note_tags")).status_code == 403
