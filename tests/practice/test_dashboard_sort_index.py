"""The dashboard sorted by name reads its page from an index in order with LIMIT, both ways
(issue 17): ``client_name_practice`` for the whole practice, ``client_name_clinician`` for one
clinician's clients, never a sort of every client that matches."""

import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Client
from practice.dashboard import caseload as dashboard
from practice.models import Membership

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL's plan"
    ),
]


@pytest.fixture
def many_clients(practice_a, bob, dana):
    Client.objects.bulk_create(
        Client(
            practice=practice_a,
            primary_clinician=(bob, dana)[n % 2],
            full_name=f"Client{n:05d} Example",
            preferred_name="Client",
        )
        for n in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_client")


def page_plan(alice, practice_a, query) -> tuple[str, list]:
    """The plan of the statement that picks the page's clients in order, and the page."""
    membership = Membership.objects.get(user=alice, practice=practice_a)
    with CaptureQueriesContext(connection) as queries:
        page = dashboard.caseload(alice, membership, query)
    (ordered,) = [q["sql"] for q in queries.captured_queries if "LIMIT 26" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {ordered}")
        return "\n".join(row[0] for row in cursor.fetchall()), [c.full_name for c in page]


@pytest.mark.parametrize("sort", ["name", "-name"])
def test_the_whole_practice_by_name_is_read_from_the_index(many_clients, alice, practice_a, sort):
    plan, names = page_plan(alice, practice_a, dashboard.CaseloadQuery(scope="practice", sort=sort))
    assert "client_name_practice" in plan and "Limit" in plan, plan
    assert "Sort" not in plan, plan
    expected = sorted(Client.objects.values_list("full_name", flat=True))
    assert names == (expected[:25] if sort == "name" else expected[::-1][:25])


@pytest.mark.parametrize("sort", ["name", "-name"])
def test_one_clinicians_clients_by_name_are_read_from_the_index(
    many_clients, alice, practice_a, bob, sort
):
    query = dashboard.CaseloadQuery(scope="clinician", clinician=bob, sort=sort)
    plan, names = page_plan(alice, practice_a, query)
    assert "client_name_clinician" in plan and "Limit" in plan, plan
    assert "Sort" not in plan, plan
    expected = sorted(
        Client.objects.filter(primary_clinician=bob).values_list("full_name", flat=True)
    )
    assert names == (expected[:25] if sort == "name" else expected[::-1][:25])
