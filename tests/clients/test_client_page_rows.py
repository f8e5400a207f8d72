"""The client page reads its lists as JSON inside the client's own query and turns them back
into model instances (``practice.dashboard.client_page``, issue 17). Every such instance must
carry the values the ORM reads for the same row: times with their time zone, dates, JSON
columns as JSON rather than text, related rows filled in, on SQLite as on PostgreSQL."""

import datetime

import pytest
import time_machine

from assessments import services
from assessments.models import Assignment
from practice.dashboard import client_page
from practice.models import OutboundEmail
from tests.assessments.assign_helpers import cleared, send_now
from tests.assessments.test_assign_pages import _no_broker  # noqa: F401
from tests.clients.test_client_page_queries import NOW, long_history, shared_and_tagged


def same_as_stored(row, path: str) -> int:
    """Assert each field ``row`` was read with equals the stored row's, and so for the related
    rows it carries; returns how many fields were compared."""
    stored = type(row)._base_manager.get(pk=row.pk)
    loaded = [f for f in type(row)._meta.concrete_fields if f.attname in row.__dict__]
    assert len(loaded) > 1, f"{path}: only its key was read"
    for field in loaded:
        value, expected = getattr(row, field.attname), getattr(stored, field.attname)
        assert value == expected and type(value) is type(expected), f"{path}.{field.name}"
    compared = len(loaded)
    for name, related in row._state.fields_cache.items():
        if related is not None:
            compared += same_as_stored(related, f"{path}.{name}")
    return compared


@pytest.mark.django_db
def test_rows_read_with_the_client_equal_what_the_orm_reads(bob, dana, erin, _no_broker):  # noqa: F811
    long_history(erin, 4)
    shared_and_tagged(erin, dana)
    # A schedule still running (its next occasion), a paused one, a link whose e-mail failed.
    phq = cleared(erin.practice, "phq-9")
    with time_machine.travel(NOW, tick=False):
        plan = services.Plan(
            schedule=Assignment.Schedule.EVERY_N_WEEKS,
            start_date=NOW.date() + datetime.timedelta(days=3),
            send_time=datetime.time(9, 30),
            interval_weeks=2,
            max_occasions=4,
        )
        services.assign(bob, erin, phq, plan, now=NOW)
        paused = services.assign(bob, erin, phq, plan, now=NOW)
        paused.status = Assignment.Status.PAUSED
        paused.save(update_fields=["status"])
        _, link = send_now(erin, "phq-9", now=NOW)
    email = link.last_email
    email.status, email.last_error = OutboundEmail.Status.FAILED, "550 mailbox unavailable"
    email.save(update_fields=["status", "last_error"])

    with time_machine.travel(NOW, tick=False):
        client = client_page.visible_client(bob, erin.pk)
        page = client_page.gather(bob, client)
    data = page.questionnaires
    lists = {
        "shares": page.shares,
        "episodes": page.episodes,
        "reports": page.reports,
        "open alerts": data.open_alerts,
        "acknowledged alerts": data.acknowledged_alerts,
        "links": data.packets,
        "schedules": data.assignments,
        "occasions": [o for a in data.assignments for o in a.recent_occasions],
        "results": data.summaries,
        "responses": data.responses,
    }
    for name, rows in lists.items():
        assert rows, f"no {name} to compare"
        for index, row in enumerate(rows):
            same_as_stored(row, f"{name}[{index}]")
    # What the rows' own methods read from what came with them.
    assert [s.clinician.full_name for s in page.shares] == ["Dana Clinician"]
    assert {p.clinician_status.label for p in data.packets} >= {"Not delivered"}
    assert any(a.next_occasion for a in data.assignments)
    assert all(isinstance(r.scores, dict) for r in data.responses)
    latest = [s.latest for s in data.summaries]
    assert all(r.submitted_at.tzinfo for r in latest)
    assert any("Patient Health Questionnaire-9" in s.instrument.name for s in data.summaries)


@pytest.mark.django_db
def test_only_the_timeline_entries_shown_are_built(bob, erin, monkeypatch, _no_broker):  # noqa: F811
    """However long the history, the page builds the entries it shows (and the one that says
    there are more), not one per row read: each row's entry is made as the merge takes it."""
    long_history(erin, 12)
    built = []
    for provider, name in [
        (client_page.notes.SessionTimeline, "_entry"),
        (client_page.ReportTimeline, "_entry"),
        (client_page.AssessmentTimeline, "_sent"),
        (client_page.AssessmentTimeline, "_completed"),
        (client_page.AssessmentTimeline, "_alert"),
        (client_page.AssessmentTimeline, "_acknowledgement"),
    ]:
        make = getattr(provider, name)
        monkeypatch.setattr(
            provider, name, staticmethod(lambda *row, make=make: built.append(1) or make(*row))
        )
    with time_machine.travel(NOW, tick=False):
        page = client_page.gather(bob, client_page.visible_client(bob, erin.pk))
    assert len(page.timeline) == client_page.TIMELINE_ENTRIES and page.more_timeline
    # Six kinds of row, each kind's newest one taken first to compare them, then one a step.
    assert len(built) <= client_page.TIMELINE_ENTRIES + 1 + 6
