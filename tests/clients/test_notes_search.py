"""Finding notes across one's caseload by text and tag, on both search paths."""

import pytest
from django.db import connection

from clients import notes
from tests.clients.test_notes_models import make_note, tag


@pytest.fixture(params=["native", "fallback"])
def search_path(request, monkeypatch):
    """Run each test on the database's own path (full-text search on PostgreSQL) and on the
    word-by-word fallback, which works on every database."""
    if request.param == "fallback":
        monkeypatch.setattr("clients.notes.search.uses_full_text_search", lambda: False)
    return request.param


@pytest.fixture
def caseload(erin, frank, bob, dana):
    """Erin (Bob's) has two notes, Frank (Dana's) one."""
    crisis = tag(erin.practice, "Crisis")
    support = tag(erin.practice, "Alternative support figure")
    return {
        "panic": make_note(
            erin,
            days_ago=10,
            text="Panic at the station; used grounding and slow breathing.",
            tags=[crisis],
            signed=True,
        ),
        "aunt": make_note(
            erin,
            days_ago=3,
            text="Spoke warmly of her aunt as someone steady.",
            tags=[support],
        ),
        "frank": make_note(
            frank, days_ago=2, text="Panic before the interview; breathing helped.", tags=[crisis]
        ),
        "crisis": crisis,
        "support": support,
    }


def found(user, practice, query="", tags=(), client=None) -> set:
    return {note.pk for note in notes.search_notes(user, practice, query, tags=tags, client=client)}


@pytest.mark.django_db
@pytest.mark.usefixtures("search_path")
class TestSearch:
    def test_plain_words_find_notes_case_insensitively(self, caseload, bob, practice_a):
        assert found(bob, practice_a, "panic") == {caseload["panic"].pk}
        assert found(bob, practice_a, "AUNT") == {caseload["aunt"].pk}

    def test_every_word_must_appear(self, caseload, bob, practice_a):
        assert found(bob, practice_a, "panic breathing") == {caseload["panic"].pk}
        assert found(bob, practice_a, "panic aunt") == set()

    def test_only_the_callers_caseload_is_searched(self, caseload, bob, dana, alice, practice_a):
        assert found(dana, practice_a, "panic") == {caseload["frank"].pk}
        assert found(alice, practice_a, "panic") == {caseload["panic"].pk, caseload["frank"].pk}

    def test_another_practice_finds_nothing(self, caseload, charlie, practice_a, practice_b):
        assert found(charlie, practice_b, "panic") == set()
        assert found(charlie, practice_a, "panic") == set()

    def test_addenda_are_searched_too(self, caseload, bob, practice_a):
        notes.add_addendum(bob, caseload["panic"], "Client later mentioned nightmares.")
        assert found(bob, practice_a, "nightmares") == {caseload["panic"].pk}

    def test_tags_alone_or_with_words(self, caseload, alice, practice_a):
        crisis, support = caseload["crisis"], caseload["support"]
        assert found(alice, practice_a, tags=[crisis]) == {
            caseload["panic"].pk,
            caseload["frank"].pk,
        }
        assert found(alice, practice_a, "station", tags=[crisis]) == {caseload["panic"].pk}
        assert found(alice, practice_a, tags=[crisis, support]) == set()

    def test_one_client_only(self, caseload, alice, practice_a, frank):
        assert found(alice, practice_a, "panic", client=frank) == {caseload["frank"].pk}

    def test_a_note_matches_once_however_many_addenda_match(self, caseload, bob, practice_a):
        for _ in range(3):
            notes.add_addendum(bob, caseload["panic"], "Panic again.")
        results = list(notes.search_notes(bob, practice_a, "panic"))
        assert [note.pk for note in results] == [caseload["panic"].pk]


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="stemming is what full-text search adds"
)
def test_full_text_search_matches_word_forms(caseload, bob, practice_a):
    assert found(bob, practice_a, "grounded stations") == {caseload["panic"].pk}
