"""The owners' overview kept as counts per clinician and day (``overview_counts``): after every
kind of event the counts equal a full recount, and the overview sums them to the same numbers
as counting the clients (``outcomes._outcome_counts``) for every period and scope."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from clients.models import Client
from practice import tasks
from practice.dashboard import outcomes, overview_counts, progress
from practice.models import ClientProgress, PracticeOverview
from tests.clients.test_api import api_as
from tests.factories import ClientFactory
from tests.practice.progress_helpers import cite, cite_ecr, day, ecr, phq9, respond
from tests.practice.test_deactivation import deactivate_url

pytestmark = pytest.mark.django_db
NOW = day(2025, 6, 2, 9)


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(tasks.send_outbound_email, "delay", lambda *args: None)
    with time_machine.travel(NOW, tick=False):
        yield


def stored(practice) -> dict:
    return {
        (row.pop("clinician_id"), row.pop("day")): row
        for row in PracticeOverview.objects.filter(practice=practice).values(
            "clinician_id", "day", *overview_counts.COLUMNS
        )
        if any(row[name] for name in overview_counts.COLUMNS)
    }


def recounted(practice, since, clinician=None) -> dict:
    clients = Client.objects.filter(practice=practice).active()
    if clinician is not None:
        clients = clients.filter(primary_clinician=clinician)
    return clients.aggregate(**outcomes._outcome_counts(since))


def assert_current(practice, *clinicians) -> dict:
    """The counts kept event by event give the recount's numbers for every period and scope,
    and equal the counts rebuilt from scratch."""
    for period in outcomes.PERIODS:
        since = outcomes._since(period, NOW)
        for clinician in (None, *clinicians):
            expected = recounted(practice, since, clinician)
            assert overview_counts.practice_counts(practice.pk, since, clinician) == expected
    incremental = stored(practice)
    overview_counts.recount_overview(practice.pk)
    assert stored(practice) == incremental
    return incremental


@pytest.fixture
def caseload_a(practice_a, bob, erin):
    """Erin (Bob's) moved to earned security in March; Hana (Bob's) assessed once, 90 days and
    a few hours before NOW, on the period's first day; Ivan (Bob's) worse on the PHQ-9 in May."""
    cite_ecr(practice_a)
    cite(practice_a, "phq-9", "total", reliability=0.84, sd=5.0)
    respond(erin, "ecr-r", ecr(6, 5), day(2025, 1, 6))
    respond(erin, "ecr-r", ecr(2, 2), day(2025, 3, 3))
    hana = ClientFactory(practice=practice_a, primary_clinician=bob)
    respond(
        hana, "phq-9", phq9(10), NOW - datetime.timedelta(days=90) + datetime.timedelta(hours=2)
    )
    ivan = ClientFactory(practice=practice_a, primary_clinician=bob)
    respond(ivan, "phq-9", phq9(5), day(2025, 2, 3))
    respond(ivan, "phq-9", phq9(20), day(2025, 5, 5))
    for client in (erin, hana, ivan):
        progress.refresh_client_progress(client)
    return {"erin": erin, "hana": hana, "ivan": ivan}


def test_submissions_count_each_client_once_where_they_belong(practice_a, bob, caseload_a):
    counts = assert_current(practice_a, bob)
    assert counts[(bob.pk, datetime.date(2025, 3, 3))]["improved"] == 1  # Erin
    assert sum(row["earned"] for row in counts.values()) == 1
    assert sum(row["deteriorated"] for row in counts.values()) == 1  # Ivan
    # A later answer moves Ivan from May to June, and nothing else.
    respond(caseload_a["ivan"], "phq-9", phq9(4), day(2025, 6, 1))
    progress.refresh_client_progress(caseload_a["ivan"])
    counts = assert_current(practice_a, bob)
    assert counts[(bob.pk, datetime.date(2025, 6, 1))]["no_change"] == 1
    assert (bob.pk, datetime.date(2025, 5, 5)) not in counts
    # The period's first day is read from the rows: Hana, two hours inside 90 days, counts;
    # Erin, assessed on the day before, does not.
    ninety = overview_counts.practice_counts(practice_a.pk, outcomes._since("90", NOW))
    assert ninety["assessed"] == 2 and ninety["not_compared"] == 1


def test_a_new_primary_clinician_through_the_page_and_the_api(
    as_alice, alice, practice_a, bob, dana, caseload_a
):
    erin = caseload_a["erin"]
    form = {
        "preferred_name": erin.preferred_name,
        "full_name": erin.full_name,
        "email": erin.email,
        "primary_clinician": dana.pk,
    }
    assert as_alice.post(reverse("clients:edit", args=[erin.pk]), form).status_code == 302
    counts = assert_current(practice_a, bob, dana)
    assert counts[(dana.pk, datetime.date(2025, 3, 3))]["earned"] == 1
    ivan = caseload_a["ivan"]
    response = api_as(alice).patch(
        f"/api/v1/clients/{ivan.pk}/", {"primary_clinician": dana.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    counts = assert_current(practice_a, bob, dana)
    assert counts[(dana.pk, datetime.date(2025, 5, 5))]["deteriorated"] == 1


def test_discharge_and_reactivation_take_the_client_out_and_back(
    as_alice, practice_a, bob, caseload_a
):
    erin = caseload_a["erin"]
    before = assert_current(practice_a, bob)
    # Nothing open to close, so the discharge does not refresh the row.
    assert as_alice.post(reverse("clients:discharge", args=[erin.pk])).status_code == 302
    assert ClientProgress.objects.get(client=erin).counted == {}
    assert sum(row["earned"] for row in assert_current(practice_a, bob).values()) == 0
    response = as_alice.post(reverse("clients:reactivate", args=[erin.pk]), {"episode": "resume"})
    assert response.status_code == 302
    assert assert_current(practice_a, bob) == before


def test_a_leaving_members_clients_are_counted_under_their_successor(
    as_alice, practice_a, bob, dana, caseload_a
):
    response = as_alice.post(deactivate_url(bob, practice_a), {"successor": dana.pk})
    assert response.status_code == 302
    counts = assert_current(practice_a, bob, dana)
    assert {clinician for clinician, _ in counts} == {dana.pk}
    by_clinician = outcomes.outcomes_by_clinician(
        dana, dana.memberships.get(practice=practice_a), "all", now=NOW
    )
    assert by_clinician == []  # Dana is no owner


def test_the_comparison_by_clinician_is_the_recount_grouped(
    alice, practice_a, bob, dana, caseload_a
):
    ClientFactory(practice=practice_a, primary_clinician=dana)  # active, never assessed
    owner = alice.memberships.get(practice=practice_a)
    for period in outcomes.PERIODS:
        since = outcomes._since(period, NOW)
        rows = outcomes.outcomes_by_clinician(alice, owner, period, now=NOW)
        assert [(row.clinician_id, row.name) for row in rows] == [
            (user.pk, str(user))
            for user in sorted((bob, dana), key=lambda u: (u.full_name, u.email))
        ]
        for row in rows:
            expected = recounted(practice_a, since, row.clinician_id)
            assert row.assessed == expected["assessed"]
            assert row.rows == outcomes._rows(expected)


def test_the_rebuild_and_the_migration_count_rows_written_before(practice_a, bob, caseload_a):
    PracticeOverview.objects.all().delete()
    ClientProgress.objects.update(counted={})
    progress.rebuild_progress(practice_a.pk)
    assert_current(practice_a, bob)
    assert sum(row["earned"] for row in stored(practice_a).values()) == 1
