"""Session notes linked to the assessments discussed in the session (issue 6): the services, the
page form, the API, the version snapshot, responses of another client or practice refused with
a field error, signed notes locked, and a note page whose query count does not grow with links."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from assessments import services as assessment_services
from assessments.models import Response
from clients import notes
from clients.models import NoteLocked, SessionNote
from practice.models import AuditEvent
from tests.assessments.assign_helpers import answer_everything, send_now
from tests.clients.test_notes_models import make_note

NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)
NOTES = "/api/v1/notes/"


@pytest.fixture(autouse=True)
def _frozen_and_no_broker(time_machine, monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)
    time_machine.move_to(NOW, tick=False)


def submitted(client, *codes, days_ago: int) -> list[Response]:
    """``client`` answers ``codes`` (every question 1) through the real services."""
    when = NOW - datetime.timedelta(days=days_ago)
    _, packet = send_now(client, *(codes or ("phq-9",)), now=when)
    answer_everything(packet, now=when)
    return assessment_services.submit_packet(packet, now=when + datetime.timedelta(hours=1))


def note_input(**overrides) -> notes.NoteInput:
    values = {
        "session_date": datetime.date(2026, 3, 9),
        "start_time": datetime.time(14, 0),
        "duration_minutes": 50,
        "content": {"text": "Went through the questionnaire together."},
    }
    values.update(overrides)
    return notes.NoteInput(**values)


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def linked_ids(note) -> list[int]:
    return sorted(SessionNote.objects.get(pk=note.pk).assessments.values_list("pk", flat=True))


def api_as(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def note_form(**overrides):
    data = {
        "session_date": "2026-03-09",
        "start_time": "15:30",
        "duration_minutes": "50",
        "session_type": "individual",
        "modality": "video",
        "note_format": "free",
        "shown_format": "free",
        "section_text": "Went through the questionnaire together.",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestServices:
    def test_create_links_the_responses_keeps_their_ids_and_audits_the_field(self, bob, erin):
        answered = submitted(erin, "phq-9", "gad-7", days_ago=2)
        ids = [r.pk for r in answered]
        note = notes.create_note(bob, erin, note_input(assessment_ids=list(reversed(ids))))
        assert linked_ids(note) == sorted(ids)
        assert note.versions.get().assessment_ids == sorted(ids)
        event = AuditEvent.objects.get(object_type="sessionnote", action="create")
        assert "assessments" in event.fields
        stored = " ".join(str(value) for value in AuditEvent.objects.values_list())
        assert "Patient Health" not in stored
        assert all(r.band not in stored for r in answered if r.band)

    def test_a_note_without_links_does_not_name_the_field(self, bob, erin):
        notes.create_note(bob, erin, note_input())
        event = AuditEvent.objects.get(object_type="sessionnote", action="create")
        assert "assessments" not in event.fields

    def test_changing_the_links_keeps_a_version_and_names_only_that_field(self, bob, erin):
        (first,) = submitted(erin, days_ago=9)
        (second,) = submitted(erin, days_ago=2)
        note = notes.create_note(bob, erin, note_input(assessment_ids=[first.pk]))
        data = notes.NoteInput.from_note(note)
        assert data.assessment_ids == [first.pk]
        data.assessment_ids = [second.pk]
        note = notes.update_draft(bob, note, data)
        assert (note.version, linked_ids(note)) == (2, [second.pk])
        assert [v.assessment_ids for v in note.versions.order_by("number")] == [
            [first.pk],
            [second.pk],
        ]
        event = AuditEvent.objects.filter(object_type="sessionnote", action="update").get()
        assert event.fields == ["assessments"]
        unchanged = notes.update_draft(bob, note, notes.NoteInput.from_note(note))
        assert unchanged.version == 2 and note.versions.count() == 2

    def test_responses_of_another_client_or_practice_are_refused(self, bob, erin, frank, gina):
        (own,) = submitted(erin, days_ago=3)
        (franks,) = submitted(frank, days_ago=3)
        (ginas,) = submitted(gina, days_ago=3)
        for foreign in (franks, ginas):
            errors = errors_of(
                lambda ids=[own.pk, foreign.pk]: notes.create_note(
                    bob, erin, note_input(assessment_ids=ids)
                )
            )
            assert "this client has submitted" in errors["assessments"][0]
        errors = errors_of(lambda: notes.create_note(bob, erin, note_input(assessment_ids=["x"])))
        assert errors["assessments"] == ["Assessments are given by their numbers."]
        assert not SessionNote.objects.exists()

    def test_a_signed_notes_links_cannot_change(self, bob, erin):
        (first,) = submitted(erin, days_ago=9)
        (second,) = submitted(erin, days_ago=2)
        note = make_note(erin, assessment_ids=[first.pk], signed=True)
        data = notes.NoteInput.from_note(note)
        data.assessment_ids = [first.pk, second.pk]
        with pytest.raises(NoteLocked):
            notes.update_draft(bob, note, data)
        assert linked_ids(note) == [first.pk]

    def test_the_offer_is_the_clients_newest_and_whatever_the_note_links(
        self, erin, frank, monkeypatch
    ):
        monkeypatch.setattr("clients.notes.workflow.ASSESSMENT_CHOICES", 2)
        (oldest,) = submitted(erin, days_ago=30)
        (middle,) = submitted(erin, days_ago=20)
        (newest,) = submitted(erin, days_ago=10)
        submitted(frank, days_ago=1)
        assert list(notes.assessment_choices(erin)) == [newest, middle]
        note = make_note(erin, assessment_ids=[oldest.pk])
        assert list(notes.assessment_choices(erin, note)) == [newest, middle, oldest]


@pytest.mark.django_db
class TestPages:
    def test_the_form_offers_the_clients_responses_and_saves_the_chosen(self, as_bob, erin, frank):
        (older,) = submitted(erin, days_ago=9)
        (newer,) = submitted(erin, days_ago=2)
        (franks,) = submitted(frank, days_ago=1)
        page = as_bob.get(reverse("clients:note_create", args=[erin.pk]))
        offered = list(page.context["form"].fields["assessments"].queryset)
        assert offered == [newer, older]
        html = page.content.decode()
        assert "<legend>Questionnaires discussed</legend>" in html
        assert f'name="assessments" value="{newer.pk}"' in html
        assert f'name="assessments" value="{franks.pk}"' not in html
        assert f"{newer.instrument.name}, 8 Mar 2026" in html

        response = as_bob.post(
            reverse("clients:note_create", args=[erin.pk]), note_form(assessments=[older.pk])
        )
        assert response.status_code == 302
        assert linked_ids(SessionNote.objects.get()) == [older.pk]

    def test_a_response_of_another_client_is_a_field_error(self, as_bob, erin, frank, gina):
        (franks,) = submitted(frank, days_ago=1)
        (ginas,) = submitted(gina, days_ago=1)
        for foreign in (franks, ginas):
            response = as_bob.post(
                reverse("clients:note_create", args=[erin.pk]),
                note_form(assessments=[foreign.pk]),
            )
            assert response.status_code == 400
            assert response.context["form"].errors["assessments"] == [
                "Link only questionnaires this client has submitted."
            ]
        assert not SessionNote.objects.exists()

    def test_the_note_page_shows_each_linked_response_with_its_score_and_link(self, as_bob, erin):
        (phq,) = submitted(erin, days_ago=2)
        note = make_note(erin, assessment_ids=[phq.pk])
        html = as_bob.get(reverse("clients:note_detail", args=[erin.pk, note.pk])).content.decode()
        headline = notes.headline_score(phq)
        assert headline.startswith(f"{phq.total:g}")
        link = reverse("assessments:response_detail", args=[phq.pk])
        assert f'<a href="{link}">{phq.instrument.name}, 8 Mar 2026</a>: {headline}' in html

    def test_editing_keeps_the_links_ticked_and_changes_them(self, as_bob, erin):
        (first,) = submitted(erin, days_ago=9)
        (second,) = submitted(erin, days_ago=2)
        note = make_note(erin, assessment_ids=[first.pk])
        edit = reverse("clients:note_edit", args=[erin.pk, note.pk])
        assert as_bob.get(edit).context["form"].initial["assessments"] == [first.pk]
        response = as_bob.post(edit, note_form(assessments=[first.pk, second.pk], version="1"))
        assert response.status_code == 302
        assert linked_ids(note) == sorted([first.pk, second.pk])
        versions = as_bob.get(reverse("clients:note_versions", args=[erin.pk, note.pk]))
        by_number = {v.number: [a.id for a in v.linked] for v in versions.context["versions"]}
        assert by_number == {1: [first.pk], 2: [first.pk, second.pk]}

    def test_a_signed_notes_links_cannot_change_from_the_page(self, as_bob, erin):
        (first,) = submitted(erin, days_ago=9)
        (second,) = submitted(erin, days_ago=2)
        note = make_note(erin, assessment_ids=[first.pk], signed=True)
        response = as_bob.post(
            reverse("clients:note_edit", args=[erin.pk, note.pk]),
            note_form(assessments=[second.pk], version="1"),
        )
        assert response.status_code == 409
        assert linked_ids(note) == [first.pk]

    def test_the_note_page_query_count_does_not_grow_with_links(
        self, as_bob, erin, django_assert_max_num_queries
    ):
        one = make_note(erin, assessment_ids=[r.pk for r in submitted(erin, days_ago=9)])
        with CaptureQueriesContext(connection) as with_one:
            page = as_bob.get(reverse("clients:note_detail", args=[erin.pk, one.pk]))
        assert page.status_code == 200
        many = [
            *submitted(erin, "phq-9", "gad-7", days_ago=6),
            *submitted(erin, "phq-9", "gad-7", days_ago=3),
        ]
        four = make_note(erin, assessment_ids=[r.pk for r in many])
        with django_assert_max_num_queries(len(with_one)):
            response = as_bob.get(reverse("clients:note_detail", args=[erin.pk, four.pk]))
        assert len(response.context["assessments"]) == 4


@pytest.mark.django_db
class TestApi:
    def payload(self, client, **overrides):
        data = {
            "client": str(client.pk),
            "session_date": "2026-03-09",
            "start_time": "09:30",
            "duration_minutes": 50,
            "session_type": "individual",
            "modality": "video",
            "note_format": "free",
            "content": {"text": "Went through the questionnaire together."},
        }
        return {**data, **overrides}

    def test_create_links_and_the_note_shows_code_and_date(self, bob, erin):
        answered = submitted(erin, "phq-9", "gad-7", days_ago=2)
        ids = [r.pk for r in answered]
        created = api_as(bob).post(NOTES, self.payload(erin, assessments=ids), format="json")
        assert created.status_code == 201, created.json()
        linked = created.json()["assessments"]
        assert sorted((a["id"], a["instrument"]) for a in linked) == sorted(
            (r.pk, r.instrument.code) for r in answered
        )
        assert {a["instrument"] for a in linked} == {"phq-9", "gad-7"}
        assert all(a["submitted_at"].startswith("2026-03-08T") for a in linked)
        assert set(linked[0]) == {"id", "instrument", "submitted_at"}
        note_id = created.json()["id"]
        assert api_as(bob).get(f"{NOTES}{note_id}/").json()["assessments"] == linked
        versions = api_as(bob).get(f"{NOTES}{note_id}/versions/").json()
        assert versions[0]["assessment_ids"] == sorted(ids)
        listed = api_as(bob).get(NOTES, {"client": str(erin.pk)}).json()["results"]
        assert "assessments" not in listed[0]  # summaries: read the note for its links

    def test_a_partial_change_keeps_or_replaces_the_links(self, bob, erin):
        (first,) = submitted(erin, days_ago=9)
        (second,) = submitted(erin, days_ago=2)
        note = make_note(erin, assessment_ids=[first.pk])
        api = api_as(bob)
        kept = api.patch(f"{NOTES}{note.pk}/", {"duration_minutes": 45}, format="json")
        assert [a["id"] for a in kept.json()["assessments"]] == [first.pk]
        replaced = api.patch(f"{NOTES}{note.pk}/", {"assessments": [second.pk]}, format="json")
        assert [a["id"] for a in replaced.json()["assessments"]] == [second.pk]
        cleared = api.patch(f"{NOTES}{note.pk}/", {"assessments": []}, format="json")
        assert cleared.json()["assessments"] == [] and linked_ids(note) == []

    def test_foreign_responses_are_400_on_the_field(self, bob, erin, frank, gina):
        (franks,) = submitted(frank, days_ago=1)
        (ginas,) = submitted(gina, days_ago=1)
        api = api_as(bob)
        for foreign in (franks, ginas):
            response = api.post(NOTES, self.payload(erin, assessments=[foreign.pk]), format="json")
            assert response.status_code == 400
            assert "this client has submitted" in response.json()["assessments"][0]
        bad = api.post(NOTES, self.payload(erin, assessments=["one"]), format="json")
        assert bad.status_code == 400 and "assessments" in bad.json()
        assert not SessionNote.objects.exists()

    def test_a_signed_notes_links_are_409(self, bob, erin):
        (first,) = submitted(erin, days_ago=9)
        (second,) = submitted(erin, days_ago=2)
        note = make_note(erin, assessment_ids=[first.pk], signed=True)
        response = api_as(bob).patch(
            f"{NOTES}{note.pk}/", {"assessments": [second.pk]}, format="json"
        )
        assert response.status_code == 409
        assert linked_ids(note) == [first.pk]
