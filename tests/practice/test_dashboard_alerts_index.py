"""The dashboard's open-alerts panel reads the practice's open alerts newest first from the
partial index ``alert_open_newest`` with LIMIT (issue 17), and checks only those alerts'
clients against the caseload shown: never a read of every client of the scope (which grew with
the practice: 34 ms at 20,000 clients) nor a sort of every open alert."""

import contextlib
import datetime
import os
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from assessments.models import Alert, Response
from assessments.services import overview
from clients.models import Client
from practice import statements
from practice.dashboard import caseload as dashboard
from practice.dashboard.progress import rebuild_progress
from practice.models import Membership, Role
from tests.assessments.test_crisis_page import submit_phq9
from tests.factories import MembershipFactory, UserFactory
from tests.practice.progress_helpers import cleared, day, phq9, respond
from tests.practice.test_dashboard_scope import panel

DASHBOARD = reverse("dashboard")

pytestmark = pytest.mark.django_db
postgres_plan = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL's plan"
)


@pytest.fixture
def many_alerts(practice_a, bob, dana):
    """3,000 clients on Bob's and Dana's caseloads; one in ten has an open alert, raised an hour
    apart, and one in four of those was acknowledged."""
    alerts_for(practice_a, bob, dana, 3000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_client")
        cursor.execute("ANALYZE assessments_alert")


def alerts_for(practice_a, bob, dana, count: int) -> None:
    cleared(practice_a, "phq-9")
    clients = Client.objects.bulk_create(
        Client(
            practice=practice_a,
            primary_clinician=(bob, dana)[n % 2],
            full_name=f"Client{n:05d} Example",
            preferred_name="Client",
        )
        for n in range(count)
    )
    template = respond(clients[0], "phq-9", phq9(20), day(2025, 5, 1))
    alerted = clients[::10]
    responses = Response.objects.bulk_create(
        Response(
            practice=practice_a,
            client=client,
            instrument=template.instrument,
            instrument_version=template.instrument_version,
            answers=template.answers,
            result=template.result,
            submitted_at=template.submitted_at,
        )
        for client in alerted
    )
    start = day(2025, 5, 1)
    Alert.objects.bulk_create(
        Alert(
            practice=practice_a,
            client=response.client,
            response=response,
            rule_key="item-9-safety",
            rule_label="Fictional rule",
            raised_at=start + datetime.timedelta(hours=n),
            acknowledged_at=start if n % 4 == 3 else None,
            acknowledged_by=bob if n % 4 == 3 else None,
        )
        for n, response in enumerate(responses)
    )


def panel_plan(user, practice, query) -> tuple[str, list]:
    """The plan of the panel's statement, and the alerts it shows."""
    membership = Membership.objects.get(user=user, practice=practice)
    clients = dashboard.scoped_clients(user, membership, query)
    with CaptureQueriesContext(connection) as queries:
        alerts = overview.open_alerts(user, membership, 6, clients)
    (statement,) = [q["sql"] for q in queries.captured_queries if "assessments_alert" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {statement}")
        return "\n".join(row[0] for row in cursor.fetchall()), alerts


def newest_open(**client_filter) -> list:
    return list(
        Alert.objects.filter(acknowledged_at__isnull=True, **client_filter)
        .order_by("-raised_at", "-pk")
        .values_list("pk", flat=True)[:6]
    )


@postgres_plan
@pytest.mark.parametrize(
    "scope", ["practice", "clinician"], ids=["whole practice", "one clinician"]
)
def test_the_owners_panel_reads_the_open_alerts_index(many_alerts, alice, practice_a, dana, scope):
    query = dashboard.CaseloadQuery(scope=scope, clinician=dana if scope == "clinician" else None)
    plan, alerts = panel_plan(alice, practice_a, query)
    assert "alert_open_newest" in plan and "Limit" in plan, plan
    assert "Sort" not in plan and "Hash" not in plan, plan
    expected = newest_open() if scope == "practice" else newest_open(client__primary_clinician=dana)
    assert [alert.pk for alert in alerts] == expected


@postgres_plan
def test_a_clinicians_panel_reads_the_open_alerts_index(many_alerts, bob, practice_a):
    plan, alerts = panel_plan(bob, practice_a, dashboard.CaseloadQuery())
    assert "alert_open_newest" in plan and "Limit" in plan, plan
    assert "Sort" not in plan and "Hash" not in plan, plan
    assert [alert.pk for alert in alerts] == newest_open(client__primary_clinician=bob)


def test_the_panel_reads_what_it_shows_in_one_query(as_alice, practice_a, bob, dana):
    """Six alerts or one: the panel's one query loads every field it shows (only those,
    ``overview.PANEL_FIELDS``), so no alert loads a field of its own afterwards."""
    alerts_for(practice_a, bob, dana, 10)  # one open alert
    as_alice.get(DASHBOARD, {"scope": "practice"})
    with CaptureQueriesContext(connection) as one:
        html = as_alice.get(DASHBOARD, {"scope": "practice"}).content.decode()
    assert html.count("See the answers") == 1
    alerts_for(practice_a, bob, dana, 60)
    with CaptureQueriesContext(connection) as many:
        html = as_alice.get(DASHBOARD, {"scope": "practice"}).content.decode()
    assert html.count("See the answers") == 5  # the panel's five newest
    assert "Fictional rule" in html and "Patient Health Questionnaire" in html
    assert len(many.captured_queries) == len(one.captured_queries)


def _executed(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("EXECUTE")]


def _prepared_plans(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE name LIKE 'attune_%%' AND statement LIKE %s",
            [f'% AS SELECT "{table}"."id"% LIMIT % OFFSET 0'],
        )
        return cursor.fetchall()


@postgres_plan
@pytest.mark.parametrize("who", ["alice", "bob"], ids=["owner", "clinician"])
def test_the_panel_and_the_first_page_are_planned_once_per_connection(
    many_alerts, request, who, monkeypatch
):
    """PostgreSQL took longer to plan the panel's query (2 ms for an owner, 5 for a clinician at
    20,000 clients) and the first page's than to run them (issue 17): both are prepared
    statements, their LIMIT written into the SQL so the generic plan knows it. A later page,
    whose offset would make a statement of its own per page, is planned per request."""
    from practice import statements

    browser = request.getfixturevalue(f"as_{who}")
    params = {"scope": "practice"} if who == "alice" else {}
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # as a new connection
    statements._prepared.clear()
    monkeypatch.setattr(statements, "prepared", contextlib.nullcontext)
    unprepared = page_html(browser, params)
    monkeypatch.undo()
    with CaptureQueriesContext(connection) as queries:
        assert page_html(browser, params) == unprepared
    executed = _executed(queries)
    assert len(executed) >= 2 and not [
        q for q in queries.captured_queries if "LIMIT %s" in q["sql"]
    ]
    for _ in range(6):
        assert page_html(browser, params) == unprepared
    for table in ("assessments_alert", "clients_client"):
        [(generic, custom)] = _prepared_plans(table)
        assert generic >= 1, table  # PostgreSQL stopped planning it
        assert generic + custom == 7
    with CaptureQueriesContext(connection) as later:
        second = browser.get(DASHBOARD, {**params, "page": 2})
    assert second.status_code == 200 and "Clients 26" in second.content.decode()
    assert len(_executed(later)) == len(executed) - 1  # the panel's only, of the two


def page_html(browser, params) -> str:
    response = browser.get(DASHBOARD, params)
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", response.content.decode())


def generic_plan(sql: str, params) -> str:
    """PostgreSQL's generic plan of ``sql``: the one a prepared statement keeps once it stops
    planning for each request's values (``statements.prepared``)."""
    types = statements._types(params)
    with connection.cursor() as cursor:
        cursor.execute(f"PREPARE panel_plan({', '.join(types)}) AS {statements._numbered(sql)}")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        try:
            cursor.execute(f"EXPLAIN EXECUTE panel_plan({', '.join(['%s'] * len(params))})", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE panel_plan")
            cursor.execute("RESET plan_cache_mode")


@postgres_plan
@pytest.mark.parametrize("who", ["small", "bob"], ids=["3 clients", "1,500 clients"])
def test_one_caseloads_panel_reads_its_clients_with_alerts_from_the_clinicians_index(
    many_alerts, practice_a, bob, who, monkeypatch
):
    """A clinician's own panel (no client shared with them) reads their clients with open
    alerts from the start of their attention index, then those clients' open alerts: walking
    the practice's open alerts newest first until the page was full read every open alert of
    the practice for a clinician who holds few of them (2.5 ms at 20,000 clients, issue 17).
    The plan checked is the generic one the prepared statement keeps."""
    small = UserFactory(email="small@example.com", full_name="Small Caseload")
    MembershipFactory(user=small, practice=practice_a, role=Role.CLINICIAN)
    theirs = Client.objects.filter(practice=practice_a).order_by("pk")[:3]
    Client.objects.filter(pk__in=[client.pk for client in theirs]).update(primary_clinician=small)
    user = small if who == "small" else bob
    alerted = list(Alert.objects.values_list("client_id", flat=True))
    rebuild_progress(client_ids=alerted)  # as the services raising them refresh the rows
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_client")
        cursor.execute("ANALYZE assessments_alert")
    membership = Membership.objects.get(user=user, practice=practice_a)
    ran = []

    def capture(execute, sql, params, many, context):
        ran.append((sql, params))
        return execute(sql, params, many, context)

    monkeypatch.setattr(statements, "prepared", contextlib.nullcontext)  # the SQL as it is
    with connection.execute_wrapper(capture):
        alerts = dashboard.panel_alerts(user, membership, dashboard.CaseloadQuery(), 6)
    assert [alert.pk for alert in alerts] == newest_open(client__primary_clinician=user)
    assert alerts or who == "small"
    [(sql, params)] = [(sql, params) for sql, params in ran if "assessments_alert" in sql]
    plan = generic_plan(sql, params)
    assert "client_attention_clinician" in plan, plan
    assert "alert_open_newest" not in plan, plan


@pytest.mark.parametrize("acknowledged_on", ["page", "api"])
def test_an_alert_raised_through_the_clients_link_shows_on_their_clinicians_panel_until_acknowledged(
    as_bob, bob, erin, acknowledged_on
):
    """The whole path, as the client's phone and the clinician's pages take it: the clinician's
    own panel (nothing shared with Bob) finds the alert from the dashboard row that the
    submission refreshed, and loses it once it is acknowledged on the alert page or the API."""
    submit_phq9(erin, item9=1)
    alert = Alert.objects.get(client=erin)
    membership = Membership.objects.get(user=bob)
    assert not dashboard._holds_shares(bob, membership)  # the clinician's own index is read
    assert "Erin Fictional" in panel(as_bob.get(DASHBOARD))
    if acknowledged_on == "page":
        url = reverse("assessments:alert_acknowledge", args=[alert.pk])
        assert as_bob.post(url, {"action": "contacted_client"}).status_code == 302
    else:
        api = APIClient()
        api.force_authenticate(bob)
        url = reverse("alert-acknowledge", args=[alert.pk])
        assert api.post(url, {"action": "contacted_client"}, format="json").status_code == 200
    assert "Erin Fictional" not in panel(as_bob.get(DASHBOARD))
