"""The dashboard's sorts by attachment style, change, earned security, open alerts and clinician
do not sort the whole practice (issue 17): the first four read a key kept on the client
(``attention.sort_keys``) from an index that leads with the practice, the clinician sort walks
the clinicians' own indexes. The order is the same on every path: a column's first click reads
forwards, the other reverses the list, clients without a value come last either way."""

import datetime
import importlib
import os
import random

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Client
from practice.dashboard import attention
from practice.dashboard import caseload as dashboard
from practice.models import ClientProgress, Membership, ProgressChange
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
KEYED = {"style": "sort_style", "change": "sort_change", "earned": "sort_earned"}
KEYED_ALERTS = {"alerts": "sort_alerts"}
STYLES = ["", "secure", "anxious-preoccupied", "dismissive-avoidant", "fearful-avoidant"]


def _row(rng: random.Random, **fields) -> ClientProgress:
    style = rng.choice(STYLES)
    return ClientProgress(
        style=style,
        anxiety=round(rng.uniform(1, 7), 4) if style and rng.random() > 0.1 else None,
        avoidance=round(rng.uniform(1, 7), 4) if style and rng.random() > 0.1 else None,
        change=rng.choice(list(ProgressChange.values)),
        earned_security=rng.choice(["", "earned", "quadrant_move_only", "not_earned"]),
        open_alerts=rng.choice([0, 0, 0, 1, 2, 5]),
        **fields,
    )


def _last(value):
    """For the old ORDER BY ... NULLS LAST: a missing value after every present one."""
    return (value is None, value)


# The orders the dashboard gave before the keys, as ORDER BY clauses in Python (first clicks).
BEFORE = {
    "style": lambda r: (_last(r.style or None), _last(r.anxiety), _last(r.avoidance)),
    "change": lambda r: {"deteriorated": 0, "improved": 1, "no_change": 2, "not_available": 3}.get(
        r.change, 4
    ),
    "earned": lambda r: {"earned": 0, "quadrant_move_only": 1, "not_earned": 2}.get(
        r.earned_security, 3
    ),
    "alerts": lambda r: -r.open_alerts,
}


@pytest.mark.parametrize("column", list(BEFORE))
def test_each_key_orders_the_rows_as_the_columns_did(column):
    rng = random.Random(column)
    rows = [_row(rng, pk=n) for n in range(400)]
    field = {**KEYED, **KEYED_ALERTS}[column]
    keyed = sorted(rows, key=lambda r: (attention.sort_keys(r)[field], r.pk))
    before = sorted(rows, key=lambda r: (BEFORE[column](r), r.pk))
    # What was ranked last (no change compared, nothing earned, no style) is SORT_LAST.
    assert [r.pk for r in keyed] == [r.pk for r in before]


def test_a_close_score_is_not_rounded_into_the_next():
    # Means of up to 1,000 items differ by at least 0.001: the key keeps them apart, in order.
    low = ClientProgress(style="secure", anxiety=2.001, avoidance=6.0, change="", open_alerts=0)
    high = ClientProgress(style="secure", anxiety=2.002, avoidance=1.0, change="", open_alerts=0)
    assert attention.sort_keys(low)["sort_style"] < attention.sort_keys(high)["sort_style"]


@pytest.fixture
def practice_keys(practice_a, bob, dana):
    """60 clients on three caseloads, keys with many ties, a third of them without any."""
    rng = random.Random(60)
    zed = UserFactory(email="zed@example.com", full_name="Aaron Zed")
    Membership.objects.create(user=zed, practice=practice_a, role="clinician")
    clinicians = [bob, dana, zed]
    clients = []
    for n in range(60):
        keys = attention.sort_keys(_row(rng))
        if n % 3 == 0:
            keys = dict.fromkeys(keys, Client.SORT_LAST)
        clients.append(
            Client(
                practice=practice_a,
                primary_clinician=clinicians[n % 3] if n < 57 else bob,
                full_name=f"{rng.choice('ABC')}{n:02d} Example",
                preferred_name="Client",
                **keys,
            )
        )
    Client.objects.bulk_create(clients)
    return clinicians


def _expected(clients, sort: str) -> list:
    """The order ``sort`` promises, worked out here."""
    column = sort.lstrip("-")
    by_name = sorted(clients, key=lambda c: (c.full_name, c.pk))
    if column == "clinician":
        people = sorted(
            {c.primary_clinician for c in clients}, key=lambda u: (u.full_name, u.email)
        )
        if sort.startswith("-"):
            people.reverse()
        return [c for person in people for c in by_name if c.primary_clinician == person]
    field = {**KEYED, **KEYED_ALERTS}[column]
    with_key = sorted(
        (c for c in clients if getattr(c, field) != Client.SORT_LAST),
        key=lambda c: (getattr(c, field), c.full_name, c.pk),
    )
    without = [c for c in by_name if getattr(c, field) == Client.SORT_LAST]
    forwards = sort.startswith("-") == (column == "alerts")
    if forwards:
        return with_key + without
    return with_key[::-1] + without[::-1]


SORTS = [
    "style",
    "-style",
    "change",
    "-change",
    "earned",
    "-earned",
    "-alerts",
    "alerts",
    "clinician",
    "-clinician",
]


def _all_pages(user, membership, query) -> list:
    names, number = [], 1
    while True:
        page = dashboard.caseload(user, membership, query, number)
        names += [c.pk for c in page]
        if not page.has_next:
            return names
        number += 1


@pytest.mark.parametrize("sort", SORTS)
def test_every_page_of_the_whole_practice_and_of_one_caseload_follows_the_order(
    practice_keys, practice_a, alice, bob, sort
):
    membership = Membership.objects.get(user=alice, practice=practice_a)
    clients = list(Client.objects.select_related("primary_clinician"))
    whole = _all_pages(alice, membership, dashboard.CaseloadQuery(scope="practice", sort=sort))
    assert whole == [c.pk for c in _expected(clients, sort)]
    # One clinician's caseload (sorted, not walked) in the same order.
    one = dashboard.CaseloadQuery(scope="clinician", clinician=bob, sort=sort)
    bobs = [c for c in clients if c.primary_clinician == bob]
    assert _all_pages(alice, membership, one) == [c.pk for c in _expected(bobs, sort)]


def test_a_page_past_the_values_counts_them_once(practice_keys, practice_a, alice):
    """Backwards, the third page starts past the clients with a value: one count, then those
    without; forwards, the index holds the whole order (no count)."""
    membership = Membership.objects.get(user=alice, practice=practice_a)
    query = dashboard.CaseloadQuery(scope="practice", sort="change")
    with CaptureQueriesContext(connection) as queries:
        dashboard.caseload(alice, membership, query, 3)
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    query = dashboard.CaseloadQuery(scope="practice", sort="-change")
    with CaptureQueriesContext(connection) as queries:
        dashboard.caseload(alice, membership, query, 3)
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1, counts


def test_progress_rows_write_the_keys_and_the_migration_fills_them_alike(practice_a, bob):
    rng = random.Random(9)
    clients = Client.objects.bulk_create(
        Client(practice=practice_a, primary_clinician=bob, full_name=f"K{n}", preferred_name="K")
        for n in range(40)
    )
    rows = [_row(rng, client=c, practice=practice_a) for c in clients]
    ClientProgress.objects.bulk_create(rows)
    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    attention.store_rows_attention(rows, now)  # as progress.refresh/rebuild do
    attention.store_rows_attention(rows[:1], now)  # and for one row
    fields = ["sort_style", "sort_change", "sort_earned", "sort_alerts"]
    stored = {c["id"]: c for c in Client.objects.values("id", *fields)}
    assert stored == {
        row.client_id: {"id": row.client_id, **attention.sort_keys(row)} for row in rows
    }
    assert any(keys["sort_style"] == Client.SORT_LAST for keys in stored.values())

    Client.objects.update(**dict.fromkeys(fields, 0))
    migration = importlib.import_module("clients.migrations.0015_client_sort_keys")
    migration.fill_sort_keys(apps, None)
    assert {c["id"]: c for c in Client.objects.values("id", *fields)} == stored


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL's plan")
@pytest.mark.parametrize("sort", SORTS)
def test_the_whole_practice_is_read_from_an_index_without_a_sort(practice_a, alice, bob, sort):
    rng = random.Random(5)
    dana = UserFactory(email="dana2@example.com", full_name="Dana Second")
    Membership.objects.create(user=dana, practice=practice_a, role="clinician")
    Client.objects.bulk_create(
        Client(
            practice=practice_a,
            primary_clinician=(bob, dana)[n % 2],
            full_name=f"Client{n:05d} Example",
            preferred_name="Client",
            **attention.sort_keys(_row(rng)),
        )
        for n in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_client")
    membership = Membership.objects.get(user=alice, practice=practice_a)
    query = dashboard.CaseloadQuery(scope="practice", sort=sort)
    with CaptureQueriesContext(connection) as queries:
        page = dashboard.caseload(alice, membership, query)
    # By clinician, one statement per clinician read (Alice, first by name, holds no client).
    ordered = [q["sql"] for q in queries.captured_queries if "LIMIT 26" in q["sql"]]
    assert len(ordered) == (2 if sort == "clinician" else 1)
    column = sort.lstrip("-")
    index = "client_name_clinician" if column == "clinician" else f"client_sort_{column}"
    for statement in ordered:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {statement}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert index in plan and "Limit" in plan, plan
        assert "Sort" not in plan, plan
    clients = list(Client.objects.select_related("primary_clinician"))
    assert [c.pk for c in page] == [c.pk for c in _expected(clients, sort)][:25]


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL's plan")
@pytest.mark.parametrize(
    ("show", "keys"),
    [
        ("improved", {"sort_change": 1}),
        ("deteriorated", {"sort_change": 0}),
        ("earned", {"sort_earned": 0}),
        ("alerts", {"sort_alerts": -2}),
    ],
)
def test_a_filter_few_pass_is_read_from_the_keys_index(practice_a, alice, bob, show, keys):
    """The whole practice filtered by a change, earned security or open alerts, sorted by a
    moment of the progress row: the three clients who pass come from the key's index, not from
    a walk of the practice's rows in that moment's order."""
    clients = Client.objects.bulk_create(
        Client(
            practice=practice_a,
            primary_clinician=bob,
            full_name=f"Client{n:05d} Example",
            preferred_name="Client",
            **(keys if n % 1000 == 7 else {}),
        )
        for n in range(3000)
    )
    moment = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    ClientProgress.objects.bulk_create(
        ClientProgress(
            client=client,
            practice=practice_a,
            last_completed_at=moment + datetime.timedelta(hours=n),
            change="improved" if keys.get("sort_change") == 1 and n % 1000 == 7 else "",
        )
        for n, client in enumerate(clients)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_client")
        cursor.execute("ANALYZE practice_clientprogress")
    membership = Membership.objects.get(user=alice, practice=practice_a)
    query = dashboard.CaseloadQuery(scope="practice", show=show, sort="-completed")
    with CaptureQueriesContext(connection) as queries:
        page = dashboard.caseload(alice, membership, query)
    assert [c.full_name for c in page] == [
        "Client02007 Example",
        "Client01007 Example",
        "Client00007 Example",
    ]
    (first,) = [q["sql"] for q in queries.captured_queries if "LIMIT 26" in q["sql"]][:1]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {first}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"client_{next(iter(keys))}" in plan, plan


def test_the_clinicians_are_read_once_for_the_filter_and_the_sort(
    practice_keys, alice, monkeypatch
):
    from django.test import Client as Browser
    from django.urls import reverse

    from practice.dashboard import orders

    reads = []
    read = orders._CLINICIANS.rows
    monkeypatch.setattr(orders._CLINICIANS, "rows", lambda **v: reads.append(v) or read(**v))
    browser = Browser()
    browser.force_login(alice)
    response = browser.get(reverse("dashboard"), {"scope": "practice", "sort": "clinician"})
    assert response.status_code == 200
    assert "Client" in response.text
    assert len(reads) == 1, reads
