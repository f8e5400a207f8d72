"""The dashboard's "who needs attention" order comes from a stored key (issue 17):
``Client.attention``, written with each progress row, equal to a rebuild's, read from an index
(the first page needs no sort and no count of the caseload)."""

import contextlib
import os
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Alert
from clients.models import Client, ClientShare
from practice import statements
from practice.dashboard import attention, progress
from practice.dashboard import caseload as dashboard
from practice.models import ClientProgress, Membership
from tests.factories import ClientFactory
from tests.practice.progress_helpers import cite_ecr, day, ecr, phq9, respond

pytestmark = pytest.mark.django_db


def keys() -> dict:
    return dict(Client.objects.values_list("pk", "attention"))


def test_refreshed_keys_equal_rebuilt_ones_and_order_the_page(practice_a, bob, alice):
    cite_ecr(practice_a)
    names = ["Ann", "Ben", "Cas", "Dee", "Eve", "Fay"]
    clients = [
        ClientFactory(practice=practice_a, primary_clinician=bob, full_name=f"{n} Example")
        for n in names
    ]
    fay, eve, dee, cas, ben, ann = clients[::-1]
    respond(dee, "ecr-r", ecr(2, 2), day(2025, 1, 6))
    respond(dee, "ecr-r", ecr(6, 6), day(2025, 3, 3))  # deteriorated
    respond(cas, "ecr-r", ecr(6, 5), day(2025, 1, 6))
    respond(cas, "ecr-r", ecr(2, 2), day(2025, 3, 3))  # improved
    alerted = respond(eve, "phq-9", phq9(20), day(2025, 3, 3))
    Alert.objects.create(
        practice=practice_a, client=eve, response=alerted, rule_key="k", rule_label="Fictional"
    )
    respond(ben, "ecr-r", ecr(4, 4), day(2025, 1, 6))  # one assessment
    for client in (ann, ben, cas, dee, eve):  # Fay never gets a progress row
        progress.refresh_client_progress(client)
    refreshed = keys()
    assert refreshed[fay.pk] == attention.NO_ROW
    assert refreshed[eve.pk] < refreshed[dee.pk] < refreshed[cas.pk] < refreshed[ann.pk]
    membership = Membership.objects.get(user=alice, practice=practice_a)
    page = dashboard.caseload(alice, membership, dashboard.CaseloadQuery(scope="practice"))
    # Open alert, deteriorated, improved, then the rest by name; no row last.
    assert [c.full_name.split()[0] for c in page] == ["Eve", "Dee", "Cas", "Ann", "Ben", "Fay"]

    Client.objects.update(attention=attention.NO_ROW, attention_until=None)
    progress.rebuild_progress(practice_a.pk)
    rebuilt = keys()
    assert {pk: key for pk, key in rebuilt.items() if pk != fay.pk} == {
        pk: key for pk, key in refreshed.items() if pk != fay.pk
    }
    assert rebuilt[fay.pk] == refreshed[ann.pk]  # now a row with nothing in it, like Ann's
    assert not ClientProgress.objects.filter(client=fay, responses__gt=0).exists()


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL's plan"
)
def test_the_first_page_is_read_from_the_index_without_a_sort(practice_a, bob, alice):
    rng = random.Random(17)
    Client.objects.bulk_create(
        Client(
            practice=practice_a,
            primary_clinician=bob,
            full_name=f"Client{n:05d} Example",
            preferred_name="Client",
            attention=rng.choice([9985, 9994, 9995, 9996, 9999, attention.NO_ROW]),
        )
        for n in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_client")
    membership = Membership.objects.get(user=alice, practice=practice_a)
    query = dashboard.CaseloadQuery(scope="practice")
    ordered = dashboard.scoped_clients(alice, membership, query).order_by(
        "attention", "full_name", "pk"
    )
    plan = ordered.values_list("pk", flat=True)[:26].explain()
    assert "client_attention_practice" in plan, plan
    assert "Sort" not in plan, plan


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL's plan"
)
@pytest.mark.parametrize("shared", [False, True])
def test_a_small_caseload_in_a_large_practice_is_read_from_the_clinicians_index(
    practice_a, bob, dana, monkeypatch, shared
):
    """Dana holds 3 of the practice's 3,003 clients (and, in one case, one of Bob's is shared
    with her): her first page reads her own clients from an index on her id, and the shared one
    apart; finding "hers or shared with her" walked the whole practice's attention order
    instead (20 ms at 20,000 clients)."""
    clients = Client.objects.bulk_create(
        Client(
            practice=practice_a,
            primary_clinician=dana if n < 3 else bob,
            full_name=f"Client{n:05d} Example",
            preferred_name="Client",
        )
        for n in range(3003)
    )
    expected = [f"Client{n:05d} Example" for n in range(3)]
    if shared:
        ClientShare.objects.create(client=clients[2000], clinician=dana)
        expected.insert(2, "Client02000 Example")  # by name, as all share one attention key
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_client")
    monkeypatch.setattr(statements, "prepared", contextlib.nullcontext)  # the SQL, as text
    membership = Membership.objects.get(user=dana, practice=practice_a)
    with CaptureQueriesContext(connection) as queries:
        page = dashboard.caseload(dana, membership, dashboard.CaseloadQuery())
    assert [c.full_name for c in page] == sorted(expected)
    plans = []
    for sql in [q["sql"] for q in queries.captured_queries if "clients_client" in q["sql"]]:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    # Her clients found by her id in an index (which one is the planner's choice), not the
    # practice's clients walked in order to find hers.
    conditions = [line for plan in plans for line in plan.splitlines() if "Index Cond" in line]
    assert any("primary_clinician_id = " in line for line in conditions), plans
    assert not any("client_attention_practice" in plan for plan in plans), plans
