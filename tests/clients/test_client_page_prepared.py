"""The client page's query is compiled once per role (``practice.prepared``) and
planned once per connection: PostgreSQL runs it as a prepared statement
(``practice.statements``, issue 17), with the same page and query count."""

import contextlib
import logging
import re
import uuid

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practice import statements
from practice.acting import act_as
from practice.dashboard import client_page
from practice.models import Membership, Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's prepared statements"
)


def test_placeholders_are_numbered_and_percent_signs_kept():
    assert statements._numbered("SELECT %s, '100%%' || %s") == "SELECT $1, '100%' || $2"


def test_each_value_is_declared_with_its_type_or_the_query_runs_as_it_is():
    assert statements._types((True, 3, "a", ["style", "rule"])) == (
        "boolean",
        "bigint",
        "text",
        "text[]",
    )
    assert statements._types((3, None)) is None
    assert statements._types(()) == ()


def page(browser, url) -> str:
    response = browser.get(url)
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", response.content.decode())


def new_connection():
    """As a new connection: nothing prepared on it (a test's connection stays open)."""
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    statements._prepared.clear()


def prepared_client_queries() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE name LIKE 'attune_%%' AND statement LIKE '%%clients_client%%'"
        )
        return cursor.fetchall()


@postgres_only
def test_the_client_query_is_prepared_and_planned_once(as_bob, erin, monkeypatch):
    url = reverse("clients:detail", args=[erin.pk])
    new_connection()  # earlier tests' statements stay prepared on the test's connection
    monkeypatch.setattr(statements, "prepared", contextlib.nullcontext)
    unprepared = page(as_bob, url)
    assert prepared_client_queries() == []
    monkeypatch.undo()

    with CaptureQueriesContext(connection) as queries:
        assert page(as_bob, url) == unprepared
    # Still the page's six queries, the client's sent as EXECUTE; the PREPARE is not one.
    logged = [q["sql"] for q in queries if not q["sql"].startswith(TRANSACTION_CONTROL)]
    assert len(logged) == 6
    assert [sql.split("(")[0][:15] for sql in logged if sql.startswith("EXECUTE")] == [
        "EXECUTE attune_"
    ]
    assert not [sql for sql in logged if sql.startswith("PREPARE")]
    for _ in range(6):
        assert page(as_bob, url) == unprepared
    [(generic, custom)] = prepared_client_queries()
    assert generic >= 1  # PostgreSQL stopped planning it
    assert custom + generic == 7

    new_connection()  # prepares it again
    assert page(as_bob, url) == unprepared
    assert len(prepared_client_queries()) == 1


@postgres_only
def test_a_statement_the_database_refuses_runs_unprepared(as_bob, erin, monkeypatch, caplog):
    url = reverse("clients:detail", args=[erin.pk])
    expected = page(as_bob, url)
    new_connection()
    monkeypatch.setattr(statements, "_types", lambda params: ("point",) * len(params or ()))
    with caplog.at_level(logging.WARNING, logger="practice.statements"):
        assert page(as_bob, url) == expected  # the request's transaction kept
    assert "could not be prepared" in caplog.text
    assert prepared_client_queries() == []


def orm_client(user, pk):
    """What the ORM reads for ``user`` (unbound: the queryset built and compiled each time)."""
    from clients.models import Client

    try:
        return client_page._client_query(user).get_visible(user, pk=pk)
    except Client.DoesNotExist:
        return None


def compiled_client(user, membership, pk):
    act_as(user, membership)
    try:
        return client_page.visible_client(user, pk)
    except Http404:
        return None


def read(client) -> dict | None:
    """Every field, annotation and related row the page reads of ``client``."""
    if client is None:
        return None
    fields = {k: v for k, v in vars(client).items() if not k.startswith("_")}
    related = {
        "practice": client.practice.pk,
        "clinician": client.primary_clinician.pk,
        "progress": getattr(getattr(client, "progress", None), "pk", None),
    }
    return fields | related


@postgres_only
def test_the_compiled_client_query_reads_what_the_orm_reads(
    alice, bob, dana, charlie, erin, frank, gina, practice_b
):
    from clients.models import ClientShare, Report

    Report.objects.create(
        practice=erin.practice,
        client=erin,
        requested_by=bob,
        status=Report.Status.READY,
        period_start="2026-01-01",
        period_end="2026-06-30",
    )
    ClientShare.objects.create(client=frank, clinician=bob)
    MembershipFactory(user=alice, practice=practice_b, role=Role.OWNER)
    seen = 0
    for user in (alice, bob, dana, charlie):
        for membership in Membership.objects.filter(user=user):
            for client in (erin, frank, gina):
                unbound = type(user).objects.get(pk=user.pk)
                act_as(unbound, membership)
                expected = read(orm_client(unbound, client.pk))
                assert read(compiled_client(user, membership, client.pk)) == expected
                seen += expected is not None
    # Alice in A: Erin and Frank; in B: Gina; Bob: Erin and shared Frank; Dana: Frank;
    # Charlie: Gina.
    assert seen == 7


@postgres_only
def test_the_client_query_is_built_once_per_role(as_bob, erin, monkeypatch):
    url = reverse("clients:detail", args=[erin.pk])
    expected = page(as_bob, url)
    monkeypatch.setattr(client_page, "_client_query", lambda user: pytest.fail("built again"))
    assert page(as_bob, url) == expected
    assert as_bob.get(reverse("clients:detail", args=[uuid.uuid4()])).status_code == 404


def test_prepared_inside_prepared_prepares_each_query_once():
    """``Prepared`` queries prepare themselves, and the client page's also runs inside
    ``statements.prepared()``: the inner one adds no second wrapper, which would try to
    prepare the outer's ``EXECUTE``."""
    wrappers = 1 if connection.vendor == "postgresql" else 0
    with statements.prepared():
        with statements.prepared():
            assert len(connection.execute_wrappers) == wrappers
        assert len(connection.execute_wrappers) == wrappers
    assert connection.execute_wrappers == []
