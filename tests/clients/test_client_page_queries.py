"""The client page gathers its data in the view, in a fixed number of queries however long the
client's history (issue 17): many administrations of several instruments, alerts, notes,
reports and worksheets cost no more than a few."""

import datetime

import pytest
import time_machine

from clients.models import ClientShare, Episode, NoteAddendum, NoteTag, Report, SessionNote
from clients.reports import services as report_services
from practice.dashboard import timeline
from tests.assessments.test_assign_pages import _no_broker, detail, submit  # noqa: F401
from tests.factories import ClientFactory
from tests.practice.progress_helpers import ecr, phq9, respond

NOW = datetime.datetime(2025, 3, 3, 10, tzinfo=datetime.UTC)


def long_history(client, months: int) -> None:
    """``months`` months of a client's care: PHQ-9, ECR-R and a worksheet each month, a signed
    note a fortnight, a report every other month, and a PHQ-9 link answered with item 9 (an alert) in
    every third month, alternately left open and acknowledged."""
    start = NOW - datetime.timedelta(days=30 * months + 5)
    for month in range(months):
        at = start + datetime.timedelta(days=30 * month)
        respond(client, "phq-9", phq9(20 - month % 15), at)
        respond(client, "ecr-r", ecr(6 - month % 5, 5 - month % 4), at)
        respond(
            client,
            "support-figures",
            {1: "My gran", 2: "She listens", 4: "A call", 5: "Not wanting to bother her"},
            at,
        )
        for week in (0, 2):
            moment = at + datetime.timedelta(days=7 * week)
            SessionNote.objects.create(
                practice=client.practice,
                client=client,
                author=client.primary_clinician,
                started_at=moment,
                time_zone="Europe/London",
                session_date=moment.date(),
                duration_minutes=50,
                content={"text": "We talked about the week."},
                status=SessionNote.Status.SIGNED,
                signed_at=moment,
                signed_by=client.primary_clinician,
            )
        if month % 2 == 0:
            with time_machine.travel(at, tick=False):
                Report.objects.create(
                    practice=client.practice,
                    client=client,
                    requested_by=client.primary_clinician,
                    period_start=at.date(),
                    period_end=(at + datetime.timedelta(days=30)).date(),
                )
        if month % 3 == 0:
            with time_machine.travel(at, tick=False):
                submit(client, item9=2, now=at)
            if month % 2:
                alert = client.alerts.order_by("-raised_at").first()
                alert.acknowledged_by = client.primary_clinician
                alert.acknowledged_at = at + datetime.timedelta(hours=1)
                alert.save()


def shared_and_tagged(client, colleague) -> None:
    """What the client's own query reads besides the client: a share, tags (out of name order)
    and addenda on the newest note, an episode of care, and finished reports for the header."""
    ClientShare.objects.create(client=client, clinician=colleague)
    note = client.session_notes.order_by("-started_at").first()
    for name in ("sleep", "Grief", "anxiety"):
        note.tags.add(NoteTag.objects.get_or_create(practice=client.practice, name=name)[0])
    for text in ("Called back.", "Letter sent."):
        NoteAddendum.objects.create(note=note, author=note.author, text=text)
    Episode.objects.create(
        practice=client.practice, client=client, started_at=NOW - datetime.timedelta(days=500)
    )
    for report in Report.objects.filter(client=client).order_by("requested_at")[:3]:
        report.status = Report.Status.READY
        report.save(update_fields=["status"])


# Statements the database runs for the page: the session, the user and their membership, the
# client with their dashboard row and everything the page lists about them (shares, episodes,
# the newest reports and notes, alerts, links, responses, schedules with their newest occasions,
# results, the header's unseen-reports count), the audit event and the session's save. The
# test's own transaction adds SAVEPOINT and RELEASE around the view and around the session's
# save; the bench does not count those, nor does production send them.
STATEMENTS = 6
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def page_statements(as_bob, client, django_assert_max_num_queries) -> tuple[str, int]:
    with (
        time_machine.travel(NOW, tick=False),
        django_assert_max_num_queries(STATEMENTS + 4) as queries,
    ):
        response = as_bob.get(detail(client))
    assert response.status_code == 200
    statements = [
        q["sql"] for q in queries.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)
    ]
    return response.content.decode(), len(statements)


@pytest.mark.django_db
def test_the_client_page_costs_the_same_few_queries_however_long_the_history(
    as_bob, bob, dana, erin, django_assert_max_num_queries
):
    long_history(erin, 2)
    shared_and_tagged(erin, dana)
    page, short = page_statements(as_bob, erin, django_assert_max_num_queries)
    assert page.count("<li>") >= 2 and "Needs your attention" in page
    longer = ClientFactory(practice=erin.practice, primary_clinician=erin.primary_clinician)
    long_history(longer, 12)
    shared_and_tagged(longer, dana)
    page, long = page_statements(as_bob, longer, django_assert_max_num_queries)
    assert long == short <= STATEMENTS
    # The content the queries fed: open alerts first, both instruments' latest results, the
    # acknowledged alerts, links, the timeline's newest entries and the newest reports.
    assert page.index("Needs your attention") < page.index('id="details-heading"')
    results = page[page.index('id="results"') :]
    assert "Patient Health Questionnaire-9" in results
    assert "Experiences in Close Relationships" in results
    assert "Acknowledged alerts (" in results
    # The timeline's newest entries, merged as the timeline page merges them.
    entries, more = timeline.newest_entries(bob, longer, 5)
    assert more and "See the whole timeline" in page
    shown = page[page.index('id="timeline-heading"') : page.index('id="reports-heading"')]
    assert [url for url in (entry.url for entry in entries) if url in shown] == [
        entry.url for entry in entries
    ]
    assert shown.count('class="timeline-entry') == 5
    # Read with the client: the tags in name order, the addenda, the share, the episode and
    # the header's count.
    tagged = next(entry for entry in entries if entry.tags)
    assert set(tagged.tags) == {"Grief", "anxiety", "sleep"}  # ordered as the timeline page
    assert "".join(f'<li class="note-tag">{tag}</li>' for tag in tagged.tags) in shown
    assert "2 addenda" in shown
    assert "Shared with</dt><dd>Dana Clinician</dd>" in page
    assert page.count('class="current-episode"') == 1
    unseen = report_services.unseen(bob).count()
    assert unseen == 4 and f"{unseen} new" in page  # one of erin's reports, three of these
    reports = page[page.index('id="reports-heading"') :]
    assert reports.count("Clinical record") == 5
