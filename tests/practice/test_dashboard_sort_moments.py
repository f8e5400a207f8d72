"""The whole practice sorted by next due, last completed or last session (issue 17): the clients
with that moment are read from the progress rows' index (practice, moment) in order with LIMIT,
then those without it by name, in the order the sort always had (the moment, nulls last, then
the name and the id), page after page; never a sort of every client of the practice. One
clinician's caseload is still sorted (the index does not lead with the clinician), in the same
order."""

import datetime
import os
import re

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from clients.models import Client
from practice.dashboard import caseload as dashboard
from practice.models import ClientProgress, Membership
from tests.practice.progress_helpers import day

pytestmark = pytest.mark.django_db
MOMENTS = {"due": "next_due_at", "completed": "last_completed_at", "session": "last_session_at"}


def make_clients(practice, clinicians, count: int) -> None:
    """``count`` clients; most with a progress row whose moments repeat (ties broken by name),
    some rows without a moment, some clients without a row, a few discharged. Moments shared
    by many clients are sorted by name together: the plan tests keep such groups small."""
    clients = Client.objects.bulk_create(
        Client(
            practice=practice,
            primary_clinician=clinicians[n % len(clinicians)],
            full_name=f"Client{(n * 7919) % count:05d} Example",
            preferred_name="Client",
            status=Client.Status.DISCHARGED if n % 23 == 0 else Client.Status.ACTIVE,
        )
        for n in range(count)
    )
    start = day(2025, 1, 6)
    ClientProgress.objects.bulk_create(
        ClientProgress(
            client=client,
            practice=practice,
            next_due_at=None if n % 5 == 0 else start + datetime.timedelta(days=n % 9),
            last_completed_at=None if n % 4 == 0 else start - datetime.timedelta(hours=n % 13),
            last_session_at=None if n % 3 == 0 else start - datetime.timedelta(hours=n % 997),
        )
        for n, client in enumerate(clients)
        if n % 11 != 0
    )


def every_page(user, practice, query) -> list:
    membership = Membership.objects.get(user=user, practice=practice)
    names, number = [], 1
    while True:
        page = dashboard.caseload(user, membership, query, number)
        names += [client.full_name for client in page]
        if not page.has_next:
            return names
        number += 1


@pytest.mark.parametrize("sort", [*MOMENTS, *(f"-{key}" for key in MOMENTS)])
def test_every_page_is_in_the_sorts_order(alice, bob, dana, practice_a, sort):
    make_clients(practice_a, [bob, dana], 90)
    moment = F(f"progress__{MOMENTS[sort.lstrip('-')]}")
    order = moment.desc(nulls_last=True) if sort.startswith("-") else moment.asc(nulls_last=True)
    shown = Client.objects.filter(practice=practice_a, status=Client.Status.ACTIVE)
    expected = list(shown.order_by(order, "full_name", "pk").values_list("full_name", flat=True))
    query = dashboard.CaseloadQuery(scope="practice", sort=sort)
    assert every_page(alice, practice_a, query) == expected
    # One clinician's clients, and a page wholly past the clients with the moment.
    query = dashboard.CaseloadQuery(scope="clinician", clinician=dana, sort=sort)
    assert every_page(alice, practice_a, query) == list(
        shown.filter(primary_clinician=dana)
        .order_by(order, "full_name", "pk")
        .values_list("full_name", flat=True)
    )


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL's plan"
)
@pytest.mark.parametrize("sort", ["-completed", "due", "-session"])
def test_the_first_page_is_read_from_the_progress_rows_index(alice, bob, dana, practice_a, sort):
    make_clients(practice_a, [bob, dana], 3000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_client")
        cursor.execute("ANALYZE practice_clientprogress")
    (index,) = [
        index.name
        for index in ClientProgress._meta.indexes
        if index.fields == ["practice", MOMENTS[sort.lstrip("-")]]
    ]
    membership = Membership.objects.get(user=alice, practice=practice_a)
    with CaptureQueriesContext(connection) as queries:
        dashboard.caseload(alice, membership, dashboard.CaseloadQuery(scope="practice", sort=sort))
    (ordered,) = [q["sql"] for q in queries.captured_queries if "LIMIT 26" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {ordered}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan and "Limit" in plan, plan
    # At most the clients sharing a moment are sorted by name: never the whole caseload.
    assert not re.search(r"(^|->  )Sort  \(", plan, re.MULTILINE), plan
    assert "Seq Scan" not in plan, plan


def test_the_first_page_counts_nobody(alice, bob, dana, practice_a):
    """Even when no client shown has the moment (no improved client here): only a page wholly
    past the clients with the moment counts them."""
    make_clients(practice_a, [bob, dana], 80)
    membership = Membership.objects.get(user=alice, practice=practice_a)
    query = dashboard.CaseloadQuery(scope="practice", show="improved", sort="-completed")
    with CaptureQueriesContext(connection) as queries:
        page = dashboard.caseload(alice, membership, query)
    assert list(page) == []
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"]]
    query = dashboard.CaseloadQuery(scope="practice", sort="-completed")
    with CaptureQueriesContext(connection) as queries:
        page = dashboard.caseload(alice, membership, query, 2)
    assert len(page) == 25 and page.has_next
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"]]
