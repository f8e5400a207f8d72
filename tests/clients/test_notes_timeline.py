"""The client timeline (providers merged newest first, paginated) and the note markers the
trajectory charts draw: scoped, text-free, and a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients import notes
from practice.dashboard import timeline
from tests.clients.test_notes_models import make_note, tag

SECRET = "Disclosed the affair to the group."


class FakeAssessments:
    """A provider of "questionnaire sent" entries at the times a test sets."""

    sent_at = []

    def count(self, user, client):
        return len(self.sent_at)

    def newest(self, user, client, limit):
        return [
            notes.TimelineEntry(at=at, kind="assessment_sent", title="Questionnaire sent")
            for at in sorted(self.sent_at, reverse=True)[:limit]
        ]


def queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


@pytest.mark.django_db
class TestMarkers:
    def test_markers_carry_date_type_and_tags_never_text(self, erin, bob):
        crisis = tag(erin.practice, "Crisis")
        repair = tag(erin.practice, "Rupture and repair")
        note = make_note(
            erin,
            session_date=datetime.date(2026, 3, 3),
            text=SECRET,
            tags=[repair, crisis],
            session_type="group",
        )
        (marker,) = notes.note_markers(bob, erin)
        assert marker.note_id == note.pk
        assert marker.date == datetime.date(2026, 3, 3)
        assert marker.tags == ("Crisis", "Rupture and repair")
        assert marker.label == "Group session · Crisis, Rupture and repair"
        assert marker.url.endswith(f"/notes/{note.pk}/")
        assert "affair" not in repr(marker)

    def test_date_range_is_inclusive_and_oldest_first(self, erin, bob):
        for day in (1, 5, 9, 13):
            make_note(erin, session_date=datetime.date(2026, 2, day))
        markers = notes.note_markers(
            bob, erin, start=datetime.date(2026, 2, 5), end=datetime.date(2026, 2, 13)
        )
        assert [m.date.day for m in markers] == [5, 9, 13]

    def test_markers_are_scoped_like_the_notes(self, erin, dana, charlie):
        make_note(erin)
        assert notes.note_markers(dana, erin) == []
        assert notes.note_markers(charlie, erin) == []

    def test_query_count_does_not_grow_with_notes(self, erin, bob):
        crisis = tag(erin.practice, "Crisis")
        make_note(erin, tags=[crisis])
        few = queries(lambda: notes.note_markers(bob, erin))
        for days_ago in range(2, 22):
            make_note(erin, days_ago=days_ago, tags=[crisis])
        assert queries(lambda: notes.note_markers(bob, erin)) == few <= 2


@pytest.mark.django_db
class TestTimeline:
    def test_newest_first_and_paginated(self, erin, bob):
        made = [make_note(erin, days_ago=days_ago) for days_ago in range(1, 8)]
        first = timeline.timeline(bob, erin, 1, per_page=3)
        assert first.paginator.count == 7 and first.paginator.num_pages == 3
        assert [e.url for e in first] == [
            f"/clients/{erin.pk}/notes/{note.pk}/" for note in made[:3]
        ]
        last = timeline.timeline(bob, erin, "3", per_page=3)
        assert [e.url for e in last] == [f"/clients/{erin.pk}/notes/{made[6].pk}/"]
        assert timeline.timeline(bob, erin, "99", per_page=3).number == 3
        assert timeline.timeline(bob, erin, "nonsense", per_page=3).number == 1

    def test_entries_show_kind_and_tags_but_no_text(self, erin, bob):
        crisis = tag(erin.practice, "Crisis")
        note = make_note(erin, text=SECRET, tags=[crisis], modality="video", signed=True)
        notes.add_addendum(bob, note, "Follow-up call booked.")
        (entry,) = timeline.timeline(bob, erin)
        assert (entry.kind, entry.title, entry.status, entry.tags) == (
            "session",
            "Individual session",
            "Signed",
            ("Crisis",),
        )
        assert entry.detail == "Video · 50 min · Bob Clinician · 1 addendum"
        assert "affair" not in repr(entry) and "Follow-up" not in repr(entry)

    def test_providers_interleave_newest_first(self, erin, bob, monkeypatch):
        monkeypatch.setattr(
            "practice.dashboard.timeline.PROVIDERS",
            (*timeline.PROVIDERS, FakeAssessments),
        )
        older = make_note(erin, session_date=datetime.date(2026, 1, 5))
        newer = make_note(erin, session_date=datetime.date(2026, 1, 19))
        monkeypatch.setattr(
            FakeAssessments,
            "sent_at",
            [
                datetime.datetime(2026, 1, 12, 9, tzinfo=datetime.UTC),
                datetime.datetime(2026, 1, 26, 9, tzinfo=datetime.UTC),
            ],
        )
        page = timeline.timeline(bob, erin, 1, per_page=3)
        assert page.paginator.count == 4
        assert [(e.kind, e.at.date().isoformat()) for e in page] == [
            ("assessment_sent", "2026-01-26"),
            ("session", "2026-01-19"),
            ("assessment_sent", "2026-01-12"),
        ]
        assert page[1].url.endswith(f"{newer.pk}/")
        (last,) = timeline.timeline(bob, erin, 2, per_page=3)
        assert last.url.endswith(f"{older.pk}/")

    def test_scoped_to_what_the_user_may_see(self, erin, dana):
        make_note(erin)
        assert timeline.timeline(dana, erin).paginator.count == 0

    def test_query_count_does_not_grow_with_notes(self, erin, bob):
        crisis = tag(erin.practice, "Crisis")
        make_note(erin, tags=[crisis])
        few = queries(lambda: list(timeline.timeline(bob, erin, 1, per_page=20)))
        for days_ago in range(2, 42):
            make_note(erin, days_ago=days_ago, tags=[crisis])
        # A few queries per provider (sessions, reports, questionnaires), however many notes.
        budget = 4 * len(timeline.PROVIDERS)
        assert queries(lambda: list(timeline.timeline(bob, erin, 2, per_page=20))) == few <= budget


@pytest.mark.django_db
def test_markers_feed_the_trajectory_chart_without_text(erin, bob):
    from assessments import charts

    crisis = tag(erin.practice, "Crisis")
    make_note(erin, session_date=datetime.date(2026, 3, 3), text=SECRET, tags=[crisis])
    markers = notes.note_markers(bob, erin)
    svg = charts.trajectory_svg(
        charts.TrajectoryChart(
            title="PHQ-9",
            y=charts.YScale(0, 27, "PHQ-9 total score"),
            start=datetime.date(2026, 2, 1),
            end=datetime.date(2026, 4, 1),
            notes=[charts.NoteMarker(date=m.date, label=m.label) for m in markers],
        )
    )
    assert "Individual session · Crisis" in svg
    assert "affair" not in svg
