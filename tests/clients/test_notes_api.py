"""``/api/v1/notes/`` and ``/api/v1/note-tags/``: scoped and audited like the pages; bad input
is 400 with a message per field, a signed note asked to change is 409; never a 500."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from clients.models import NoteAddendum, SessionNote
from practice.models import AuditEvent
from tests.clients.test_notes_models import TEXT, make_note, tag

NOTES = "/api/v1/notes/"


def api_as(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def payload(client, **overrides):
    data = {
        "client": str(client.pk),
        "session_date": "2026-02-02",
        "start_time": "09:30",
        "duration_minutes": 50,
        "session_type": "couple",
        "modality": "in_person",
        "note_format": "birp",
        "content": {"behaviour": "Arrived late, guarded.", "plan": "Repair attempt next week."},
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestCreateAndRead:
    def test_create_returns_the_note_in_the_clients_local_time(self, bob, erin):
        erin.time_zone = "Europe/Berlin"
        erin.save()
        crisis = tag(erin.practice, "Crisis")
        response = api_as(bob).post(NOTES, payload(erin, tags=[crisis.pk]), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["start_time"], body["time_zone"], body["session_date"]) == (
            "09:30",
            "Europe/Berlin",
            "2026-02-02",
        )
        assert body["started_at"].startswith("2026-02-02T08:30")
        assert (body["status"], body["version"], body["tag_names"]) == ("draft", 1, ["Crisis"])
        assert body["content"]["intervention"] == ""
        assert AuditEvent.objects.filter(action="create", via="api").exists()

    def test_retrieve_is_audited_as_a_read(self, alice, erin):
        note = make_note(erin)
        response = api_as(alice).get(f"{NOTES}{note.pk}/")
        assert response.status_code == 200
        assert response.json()["content"] == {"text": TEXT}
        event = AuditEvent.objects.get(action="view", object_type="sessionnote")
        assert (event.actor, event.via) == (alice, "api")

    def test_list_is_scoped_filtered_and_audited(self, bob, dana, alice, erin, frank):
        crisis = tag(erin.practice, "Crisis")
        erins = make_note(erin, tags=[crisis])
        make_note(erin, days_ago=30)
        franks = make_note(frank)

        def ids(user, **params):
            return {row["id"] for row in api_as(user).get(NOTES, params).json()["results"]}

        assert len(ids(bob)) == 2 and str(franks.pk) not in ids(bob)
        assert ids(dana) == {str(franks.pk)}
        assert ids(alice, client=str(frank.pk)) == {str(franks.pk)}
        assert ids(bob, tag=crisis.pk) == {str(erins.pk)}
        since = (erins.session_date - datetime.timedelta(days=1)).isoformat()
        assert ids(bob, date_from=since) == {str(erins.pk)}
        assert ids(bob, client=str(frank.pk)) == set()  # a filter never widens the scope
        assert AuditEvent.objects.filter(action="list", object_type="sessionnote").count() == 7

    def test_lists_and_search_carry_no_text(self, bob, erin):
        make_note(erin, text="Dreamt of the old house again.")
        listed = api_as(bob).get(NOTES).json()["results"]
        searched = api_as(bob).post(f"{NOTES}search/", {"q": "dreamt"}, format="json").json()
        for rows in (listed, searched["results"]):
            assert len(rows) == 1 and "content" not in rows[0]
            assert "Dreamt" not in str(rows)
        assert not AuditEvent.objects.filter(action="view").exists()

    def test_list_queries_do_not_grow_with_notes(self, bob, erin):
        crisis = tag(erin.practice, "Crisis")
        make_note(erin, tags=[crisis])
        api = api_as(bob)
        with CaptureQueriesContext(connection) as one:
            api.get(NOTES)
        for days_ago in range(2, 32):
            make_note(erin, days_ago=days_ago, tags=[crisis])
        with CaptureQueriesContext(connection) as many:
            response = api.get(NOTES)
        assert response.json()["count"] == 31
        assert len(many) == len(one)

    def test_out_of_scope_is_404(self, dana, charlie, erin):
        note = make_note(erin)
        for user in (dana, charlie):
            assert api_as(user).get(f"{NOTES}{note.pk}/").status_code == 404
            assert api_as(user).post(f"{NOTES}{note.pk}/sign/").status_code == 404

    def test_cannot_create_for_a_client_out_of_scope(self, dana, erin):
        response = api_as(dana).post(NOTES, payload(erin), format="json")
        assert response.status_code == 400
        assert "client" in response.json()
        assert not SessionNote.objects.exists()


@pytest.mark.django_db
class TestBadInput:
    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"session_date": "2999-01-01"}, "session_date"),
            ({"session_date": "yesterday"}, "session_date"),
            ({"duration_minutes": -5}, "duration_minutes"),
            ({"duration_minutes": 0}, "duration_minutes"),
            ({"duration_minutes": 100_000}, "duration_minutes"),
            ({"duration_minutes": "long"}, "duration_minutes"),
            ({"modality": "carrier pigeon"}, "modality"),
            ({"content": {"text": "free text in a BIRP note"}}, "content"),
            ({"content": {"behaviour": " "}}, "content"),
            ({"content": "not a dict"}, "content"),
            ({"tags": ["x"]}, "tags"),
            ({"tags": [999_999]}, "tags"),
        ],
    )
    def test_each_is_400_with_its_field(self, bob, erin, overrides, field):
        response = api_as(bob).post(NOTES, payload(erin, **overrides), format="json")
        assert response.status_code == 400
        assert field in response.json(), response.json()
        assert not SessionNote.objects.exists()

    def test_tags_of_another_practice_are_refused(self, bob, erin, practice_b):
        foreign = tag(practice_b, "Crisis")
        response = api_as(bob).post(NOTES, payload(erin, tags=[foreign.pk]), format="json")
        assert response.status_code == 400
        assert response.json()["tags"] == ["Choose tags from your practice's tag list."]


@pytest.mark.django_db
class TestDraftsSigningAddenda:
    def test_patch_a_draft_keeps_a_version(self, bob, erin):
        note = make_note(erin)
        response = api_as(bob).patch(
            f"{NOTES}{note.pk}/",
            {"content": {"text": "Revised."}, "duration_minutes": 60, "version": 1},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert (response.json()["version"], response.json()["duration_minutes"]) == (2, 60)
        versions = api_as(bob).get(f"{NOTES}{note.pk}/versions/").json()
        assert [v["number"] for v in versions] == [2, 1]
        assert versions[1]["content"] == {"text": TEXT}

    def test_patch_keeps_tags_unless_sent(self, bob, erin):
        crisis = tag(erin.practice, "Crisis")
        note = make_note(erin, tags=[crisis])
        api_as(bob).patch(f"{NOTES}{note.pk}/", {"duration_minutes": 45}, format="json")
        assert list(SessionNote.objects.get().tags.all()) == [crisis]

    def test_stale_version_is_400(self, bob, erin):
        note = make_note(erin)
        api = api_as(bob)
        api.patch(f"{NOTES}{note.pk}/", {"duration_minutes": 55}, format="json")
        response = api.patch(
            f"{NOTES}{note.pk}/", {"duration_minutes": 45, "version": 1}, format="json"
        )
        assert response.status_code == 400
        assert "saved somewhere else" in str(response.json())

    def test_sign_then_changes_are_409_and_addenda_201(self, bob, alice, erin):
        note = make_note(erin)
        api = api_as(bob)
        signed = api.post(f"{NOTES}{note.pk}/sign/")
        assert signed.status_code == 200 and signed.json()["status"] == "signed"
        assert api.post(f"{NOTES}{note.pk}/sign/").status_code == 409
        changed = api.patch(f"{NOTES}{note.pk}/", {"duration_minutes": 10}, format="json")
        assert changed.status_code == 409
        assert "addendum" in changed.json()["detail"]
        added = api_as(alice).post(
            f"{NOTES}{note.pk}/addenda/", {"text": "Reviewed in supervision."}, format="json"
        )
        assert added.status_code == 201
        assert added.json()["author_name"] == "Alice Owner"
        listed = api.get(f"{NOTES}{note.pk}/addenda/").json()
        assert [a["text"] for a in listed] == ["Reviewed in supervision."]
        assert SessionNote.objects.get().content == {"text": TEXT}
        assert AuditEvent.objects.filter(action="view", fields=["addenda"]).exists()

    def test_only_the_author_edits_or_signs(self, alice, erin):
        note = make_note(erin)
        api = api_as(alice)
        assert api.post(f"{NOTES}{note.pk}/sign/").status_code == 403
        assert (
            api.patch(f"{NOTES}{note.pk}/", {"duration_minutes": 10}, format="json").status_code
            == 403
        )

    @pytest.mark.parametrize("text", ["", "   "])
    def test_empty_addendum_is_400(self, bob, erin, text):
        note = make_note(erin, signed=True)
        response = api_as(bob).post(f"{NOTES}{note.pk}/addenda/", {"text": text}, format="json")
        assert response.status_code == 400
        assert not NoteAddendum.objects.exists()

    def test_addendum_to_a_draft_is_400(self, bob, erin):
        note = make_note(erin)
        response = api_as(bob).post(f"{NOTES}{note.pk}/addenda/", {"text": "x"}, format="json")
        assert response.status_code == 400
        assert "edit the draft instead" in response.json()["text"][0]


@pytest.mark.django_db
class TestSearchAndTags:
    def test_search_is_a_post_and_scoped(self, bob, dana, erin, frank):
        mine = make_note(erin, text="Dreamt of the old house again.")
        make_note(frank, text="Dreamt of flying.")
        response = api_as(bob).post(f"{NOTES}search/", {"q": "dreamt"}, format="json")
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [str(mine.pk)]
        assert api_as(bob).get(f"{NOTES}search/").status_code == 405

    def test_search_needs_words_or_tags(self, bob):
        assert api_as(bob).post(f"{NOTES}search/", {}, format="json").status_code == 400

    def test_search_for_an_unseen_client_is_400(self, bob, frank):
        response = api_as(bob).post(
            f"{NOTES}search/", {"q": "x", "client": str(frank.pk)}, format="json"
        )
        assert response.status_code == 400

    def test_tags_list_is_the_callers_practice(self, bob, charlie, practice_b):
        tag(practice_b, "Only in B")
        names = {row["name"] for row in api_as(bob).get("/api/v1/note-tags/").json()}
        assert "Limiting belief challenged" in names and "Only in B" not in names
        names_b = {row["name"] for row in api_as(charlie).get("/api/v1/note-tags/").json()}
        assert "Only in B" in names_b
