"""Worksheets (issue 14): the support-figures worksheet ships, unscored and assignable; the
limiting-beliefs worksheet holds up to five beliefs each with its challenge; and the clinician's
progress page shows a client's worksheets side by side over time, latest first, to the
clinician only."""

import datetime

import pytest
from django.urls import reverse

from assessments.models import Instrument, InstrumentVersion, Response
from assessments.scoring import score
from assessments.trajectory import worksheets
from tests.assessments.test_loader import shipped
from tests.practice.progress_helpers import day, respond

pytestmark = pytest.mark.django_db


def progress_page(as_user, client, **params) -> str:
    return as_user.get(reverse("clients:progress", args=[client.pk]), params).content.decode()


class TestSupportFigures:
    def test_free_text_never_scored_and_in_our_own_words(self):
        definition = shipped("support-figures")
        assert "scoring" not in definition
        assert {item["type"] for item in definition["items"]} == {"text"}
        assert "in its own words" in definition["licence"]["note"]
        texts = " ".join(item["text"] for item in definition["items"])
        for topic in ("grandparent", "reach", "ask of them", "gets in the way"):
            assert topic in texts

    def test_complete_without_the_optional_contact_details(self):
        result = score(
            shipped("support-figures"),
            {1: "My gran", 2: "She listens", 4: "A call", 5: "Not wanting to bother her"},
        )
        assert result["status"] == "complete"
        assert (result["subscales"], result["total"], result["style"]) == ({}, None, None)

    def test_assignable_like_any_instrument(self, practice_a):
        worksheet = Instrument.objects.available_to(practice_a).get(code="support-figures")
        assert worksheet.is_active and worksheet.current_version is not None


class TestLimitingBeliefs:
    def test_up_to_five_beliefs_each_with_its_challenge(self):
        definition = shipped("limiting-beliefs")
        texts = {item["number"]: item["text"] for item in definition["items"]}
        assert len(texts) == 11
        assert texts[10].startswith("Belief 5") and texts[11].startswith("Challenge to belief 5")
        optional = [item for item in definition["items"] if not item.get("required", True)]
        assert [item["number"] for item in optional] == list(range(4, 12))

    def test_one_belief_is_still_a_complete_sheet(self):
        definition = shipped("limiting-beliefs")
        assert (
            score(definition, ["I am too much.", "Friends stayed.", "Some find me a lot."])[
                "status"
            ]
            == "complete"
        )
        two = score(definition, {1: "a", 2: "b", 3: "c", 4: "d", 5: "e"})
        assert two["status"] == "complete"


@pytest.fixture
def homework(erin):
    respond(
        erin,
        "limiting-beliefs",
        {1: "I am too much.", 2: "Friends stayed.", 3: "Some find me a lot."},
        day(2025, 1, 6),
    )
    respond(
        erin,
        "limiting-beliefs",
        {
            1: "I am a burden.",
            2: "Mo asked me to call.",
            3: "People choose to help.",
            4: "I must cope alone.",
            5: "I asked once and it went well.",
        },
        day(2025, 3, 3),
    )
    respond(
        erin,
        "support-figures",
        {1: "My gran", 2: "She listens", 4: "Can I call you?", 5: "Feeling a burden"},
        day(2025, 2, 10),
    )
    return erin


class TestSideBySide:
    def test_each_question_across_the_dates_latest_first(self, bob, homework):
        found = worksheets.client_worksheets(bob, homework)
        assert [sheet.code for sheet in found] == ["limiting-beliefs", "support-figures"]
        beliefs = found[0]
        assert beliefs.dates == [datetime.date(2025, 3, 3), datetime.date(2025, 1, 6)]
        rows = {q.number: q.answers for q in beliefs.questions}
        assert rows[1] == ["I am a burden.", "I am too much."]
        assert rows[4] == ["I must cope alone.", ""]
        assert 6 not in rows  # a belief nobody wrote is left out

    def test_a_period(self, bob, homework):
        found = worksheets.client_worksheets(
            bob, homework, datetime.date(2025, 2, 1), datetime.date(2025, 2, 28)
        )
        assert [sheet.code for sheet in found] == ["support-figures"]

    def test_on_the_progress_page_beside_the_trajectory(self, as_bob, homework):
        html = progress_page(as_bob, homework)
        assert '<h2 id="worksheets-heading">Worksheets</h2>' in html
        assert "Limiting beliefs worksheet: 2 submissions, latest 3 Mar 2025" in html
        assert "Support figures worksheet: 1 submission, latest 10 Feb 2025" in html
        assert "I am a burden." in html and "Can I call you?" in html
        assert html.index("I am a burden.") < html.index("I am too much.")  # latest first

    def test_no_one_else_reads_them(self, as_charlie, homework):
        response = as_charlie.get(reverse("clients:progress", args=[homework.pk]))
        assert response.status_code == 404
        assert "I am a burden." not in response.content.decode()

    def test_never_in_another_clients_page(self, as_bob, homework, frank):
        assert "I am a burden." not in progress_page(as_bob, frank)


def test_answers_to_the_earlier_version_read_beside_the_new_one(bob, erin):
    """Versions are immutable: 2025.1 (three questions) stays stored with its answers, and its
    items 1-3 line up with 2026.1's unchanged items 1-3."""
    old = respond(
        erin,
        "limiting-beliefs",
        {1: "Old belief", 2: "Old evidence", 3: "Old view"},
        day(2025, 1, 6),
    )
    current = old.instrument_version
    earlier = InstrumentVersion.objects.create(
        instrument=current.instrument,
        number=current.number + 100,
        label="2025.1",
        definition={
            **current.definition,
            "version": "2025.1",
            "items": current.definition["items"][:3],
        },
        content_hash="earlier",
        licence_hash=current.licence_hash,
        source_name="limiting-beliefs.yaml",
    )
    Response.objects.filter(pk=old.pk).update(instrument_version=earlier)
    respond(
        erin,
        "limiting-beliefs",
        {1: "New belief", 2: "b", 3: "c", 4: "Second belief"},
        day(2025, 3, 3),
    )
    (sheet,) = worksheets.client_worksheets(bob, erin)
    rows = {q.number: q.answers for q in sheet.questions}
    assert rows[1] == ["New belief", "Old belief"]
    assert rows[4] == ["Second belief", ""]
