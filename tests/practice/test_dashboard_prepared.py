"""The dashboard's who-needs-attention page read through SQL compiled once per process
(``practice.prepared``, issue 17): the same clients, in the same order, with the same
columns as the ORM's query, for every scope and filter, page after page; the queryset is built
and compiled once, not on every request; and a value that would change the SQL is refused."""

import datetime

import pytest
from django.db import connection
from django.db.models import Func, IntegerField, Subquery
from django.db.models.functions import Coalesce
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Alert
from assessments.services.overview import open_alerts
from clients.models import Client, ClientShare
from practice import prepared
from practice.dashboard import caseload as dashboard
from practice.dashboard import outcomes, overview_counts
from practice.dashboard.attention import store_attention
from practice.dashboard.progress import rebuild_progress
from practice.models import ClientProgress, Membership, ProgressChange
from practice.views import dashboard as dashboard_view
from tests.conftest import logged_in
from tests.practice.test_dashboard_alerts_index import alerts_for

pytestmark = pytest.mark.django_db
CHANGES = [
    ProgressChange.DETERIORATED,
    ProgressChange.IMPROVED,
    ProgressChange.NO_CHANGE,
    ProgressChange.NOT_AVAILABLE,
    "",
]


@pytest.fixture
def caseloads(practice_a, practice_b, bob, dana, charlie):
    """60 clients on Bob's and Dana's caseloads (some discharged, some without a row, alerts,
    overdue, earned security), two of Dana's shared with Bob, and a client of practice B."""
    now = timezone.now()
    clients = Client.objects.bulk_create(
        Client(
            practice=practice_a,
            primary_clinician=[bob, dana][n % 2],
            full_name=f"Client{(n * 37) % 60:02d} Example",
            preferred_name="Client",
            status=Client.Status.DISCHARGED if n % 13 == 0 else Client.Status.ACTIVE,
        )
        for n in range(60)
    )
    ClientProgress.objects.bulk_create(
        ClientProgress(
            client=client,
            practice=practice_a,
            change=CHANGES[n % 5],
            open_alerts=n % 3 if n % 7 == 0 else 0,
            missed_since=now - datetime.timedelta(days=2) if n % 3 == 1 else None,
            earned_security="earned" if n % 6 == 0 else "",
            last_completed_at=None if n % 5 == 0 else now - datetime.timedelta(days=n),
        )
        for n, client in enumerate(clients)
        if n % 9 != 0
    )
    store_attention([client.pk for client in clients], now=now)
    for client in clients[1:5:2]:
        ClientShare.objects.create(client=client, clinician=bob)
    Client.objects.create(
        practice=practice_b,
        primary_clinician=charlie,
        full_name="Other Practice",
        preferred_name="O",
    )
    return now


def orm_page(user, membership, query, now, first):
    clients = dashboard._shown(dashboard._scoped(user, membership, query), query.show, now)
    ordered = clients.order_by("attention", "full_name", "pk")
    return list(dashboard._with_rows(ordered)[first : first + dashboard.PAGE_SIZE + 1])


def shown(clients) -> list[tuple]:
    return [
        (
            client.pk,
            client.full_name,
            client.primary_clinician.full_name if client.primary_clinician else None,
            client.style_rule,
            *(
                getattr(getattr(client, "progress", None), name, None)
                for name in ["change", "open_alerts", "missed_since", "earned_security"]
            ),
        )
        for client in clients
    ]


@pytest.mark.parametrize("show", list(dashboard.SHOW))
@pytest.mark.parametrize(
    "who", ["whole practice", "one clinician", "owner's own", "clinician", "clinician unshared"]
)
def test_prepared_pages_equal_the_orms(
    alice, bob, dana, practice_a, caseloads, who, show, django_assert_num_queries
):
    now = caseloads
    alerts_for(practice_a, bob, dana, 90)  # 9 clients with an alert, two acknowledged
    Client.objects.filter(full_name="Client00020 Example").update(primary_clinician=dana)
    # Their dashboard rows, as every service that raises or acknowledges an alert refreshes
    # them: one clinician's panel finds their clients with open alerts from those rows' keys.
    rebuild_progress(client_ids=list(Alert.objects.values_list("client_id", flat=True)))
    # Bob holds clients shared with him; Dana and Alice none, so their own caseload is read
    # as their primary clients alone (``_holds_shares``, asked once per request).
    user = {"clinician": bob, "clinician unshared": dana}.get(who, alice)
    membership = Membership.objects.get(user=user, practice=practice_a)
    query = dashboard.CaseloadQuery(
        scope={"whole practice": "practice", "one clinician": "clinician"}.get(who, "mine"),
        clinician=dana if who == "one clinician" else None,
        show=show,
    )
    assert dashboard._holds_shares(user, membership) is (who == "clinician")
    pages = []
    for first in (0, 25, 50):
        expected = orm_page(user, membership, query, now, first)
        # One query, the row's columns loaded, none deferred; for Bob, to whom clients are
        # shared, three: his own clients' ids, the shared ones' and the page's rows.
        with django_assert_num_queries(3 if who == "clinician" else 1):
            found = dashboard._by_attention(user, membership, query, now, first)
            assert shown(found) == shown(expected)
        pages += found
    # The open-alerts panel of the same scope, as assessments reads it.
    expected = open_alerts(user, membership, 6, dashboard.scoped_clients(user, membership, query))
    with django_assert_num_queries(1):
        alerts = dashboard.panel_alerts(user, membership, query, 6)
        assert [(a.pk, a.client.full_name, a.response.instrument.name) for a in alerts] == [
            (a.pk, a.client.full_name, a.response.instrument.name) for a in expected
        ]
    assert alerts or who == "owner's own"
    if who != "owner's own":  # Alice holds no client of her own
        assert pages or show in ("earned", "alerts")


def test_the_dashboard_builds_its_page_query_once(alice, practice_a, caseloads, monkeypatch):
    dashboard._BY_ATTENTION.clear()
    built = []
    with_rows = dashboard._with_rows
    monkeypatch.setattr(
        dashboard, "_with_rows", lambda clients: built.append(1) or with_rows(clients)
    )
    membership = Membership.objects.get(user=alice, practice=practice_a)
    query = dashboard.CaseloadQuery(scope="practice")
    first = dashboard.caseload(alice, membership, query, 1, now=caseloads)
    compiled = len(built)
    second = dashboard.caseload(alice, membership, query, 2, now=caseloads)
    assert compiled and len(built) == compiled  # the second request built nothing
    assert [c.pk for c in first] + [c.pk for c in second] == [
        c.pk for c in orm_page(alice, membership, query, caseloads, 0)[:25]
    ] + [c.pk for c in orm_page(alice, membership, query, caseloads, 25)[:25]]


def test_a_search_keeps_the_orm(alice, practice_a, caseloads):
    membership = Membership.objects.get(user=alice, practice=practice_a)
    page = dashboard.caseload(alice, membership, dashboard.CaseloadQuery(scope="practice", q="07"))
    assert [client.full_name for client in page] == ["Client07 Example"]


def test_a_value_that_changes_the_sql_is_refused(practice_a):
    with pytest.raises(ValueError, match="changes the SQL"):
        prepared.Prepared(lambda n: Client.objects.all()[:n], n=5).compiled()
    with pytest.raises(ValueError, match="is not in the SQL"):
        prepared.Prepared(lambda n: Client.objects.filter(practice_id=1), n=5).compiled()


def test_an_expression_is_pasted_into_another_query_with_its_values(
    practice_a, bob, dana, caseloads
):
    """An expression (here a count per clinician, correlated with the parent row) is compiled
    once and annotates another query as SQL with each call's values in the samples' places."""
    count = prepared.Prepared(
        lambda clinician, since: Coalesce(
            Subquery(
                ClientProgress.objects.filter(
                    client__primary_clinician_id=clinician, last_completed_at__gte=since
                )
                .order_by()
                .values(n=Func("pk", function="COUNT", output_field=IntegerField()))
            ),
            0,
        ),
        clinician=918273642,
        since=datetime.datetime(2001, 2, 3, tzinfo=datetime.UTC),
    )
    since = caseloads - datetime.timedelta(days=30)
    counts = []
    for user in (bob, dana):
        expected = ClientProgress.objects.filter(
            client__primary_clinician=user, last_completed_at__gte=since
        ).count()
        counted = Client.objects.filter(pk=Client.objects.first().pk).annotate(
            n=count.expression(clinician=user.pk, since=since)
        )
        assert counted.get().n == expected
        counts.append(expected)
    assert counts[0] != counts[1]  # each call's own values, not the first's
    with pytest.raises(TypeError, match="expression"):
        count.rows(clinician=bob.pk, since=since)
    with pytest.raises(TypeError, match="rows"):
        prepared.Prepared(lambda: Client.objects.all()).expression()


def test_values_lists_come_back_as_the_orm_gives_them(practice_a, caseloads):
    names = prepared.Prepared(
        lambda practice: (
            Client.objects.filter(practice_id=practice)
            .order_by("full_name")
            .values_list("full_name", flat=True)
        ),
        practice=918273641,
    )
    expected = Client.objects.filter(practice=practice_a).order_by("full_name")
    assert names.rows(practice=practice_a.pk) == list(expected.values_list("full_name", flat=True))
    since = prepared.Prepared(
        lambda moment: (
            ClientProgress.objects.filter(last_completed_at__gte=moment)
            .order_by("client_id")
            .values_list("client_id", "last_completed_at")
        ),
        moment=datetime.datetime(2001, 2, 3, tzinfo=datetime.UTC),
    )
    moment = caseloads - datetime.timedelta(days=20)
    rows = ClientProgress.objects.filter(last_completed_at__gte=moment).order_by("client_id")
    assert since.rows(moment=moment) == list(rows.values_list("client_id", "last_completed_at"))


def test_the_overviews_readings_compile_nothing_after_the_first(
    alice, dana, practice_a, caseloads, monkeypatch
):
    """The counts per day, the period's first day and who holds a caseload: compiled by the
    first owner's page, then only run (the recount equality is test_progress_overview's)."""
    membership = Membership.objects.get(user=alice, practice=practice_a)
    query = dashboard.CaseloadQuery(scope="practice")
    one = dashboard.CaseloadQuery(scope="clinician", clinician=dana)
    first = [
        outcomes.overviews(alice, membership, period, scope, now=caseloads)
        for period in ("90", "all")
        for scope in (query, one)
    ]
    compiled = []
    as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(
        SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(self) or as_sql(self, *a, **k)
    )
    again = [
        outcomes.overviews(alice, membership, period, scope, now=caseloads)
        for period in ("90", "all")
        for scope in (query, one)
    ]
    # practice_numbers_changes (assessments) still compiles its own query.
    assert {c.query.model._meta.model_name for c in compiled} <= {"instrument"}
    assert again == first
    holders = overview_counts.caseload_holders(practice_a.pk)
    assert [user.full_name for user in holders] == sorted(
        user.full_name
        for user in {
            c.primary_clinician for c in Client.objects.active().filter(practice=practice_a)
        }
    )


def test_a_second_dashboard_request_compiles_only_the_chrome(
    alice, practice_a, caseloads, monkeypatch
):
    """The owner's whole practice: the page's rows, the open-alerts panel, the overview's
    readings, the numbers in use, the filter's clinicians and the attention keys' catch-up run
    SQL compiled by the first request; what the second still compiles is the session, user and
    membership look-ups every page makes (issue 17)."""
    Membership.objects.filter(user=alice).update(guide_dismissed_at=timezone.now())
    browser = logged_in(alice)
    assert browser.get("/dashboard/?scope=practice").status_code == 200
    compiled = []
    as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(
        SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(self) or as_sql(self, *a, **k)
    )
    response = browser.get("/dashboard/?scope=practice")
    assert response.status_code == 200
    assert "Client" in response.content.decode()
    assert sorted(c.query.model._meta.label for c in compiled) == [
        "practice.Membership",  # the request's membership
        "practice.User",  # the signed-in user
        "sessions.Session",
    ]


def test_the_clinician_filter_builds_its_queryset_only_for_a_choice(
    alice, bob, charlie, practice_a, caseloads, monkeypatch
):
    """The filter lists its clinicians from the prepared query; the field's queryset, which
    checks a choice, is built only when a clinician is asked for, and still refuses one who
    is no member here."""
    browser = logged_in(alice)
    browser.get("/dashboard/?scope=practice")  # compiles the prepared list of clinicians
    built = []
    holders = dashboard_view.caseload_holders
    monkeypatch.setattr(
        dashboard_view, "caseload_holders", lambda practice: built.append(1) or holders(practice)
    )
    page = browser.get("/dashboard/?scope=practice").content.decode()
    assert not built
    assert f'<option value="{bob.pk}">{bob}</option>' in page
    chosen = browser.get(f"/dashboard/?scope=clinician&clinician={bob.pk}")
    assert chosen.status_code == 200 and built
    assert f"Clients of {bob}" in chosen.content.decode()
    refused = browser.get(f"/dashboard/?scope=clinician&clinician={charlie.pk}")
    assert refused.status_code == 400
    assert "Choose a clinician of this practice." in refused.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_the_overview_and_filter_queries_are_planned_once_per_connection(
    alice, practice_a, caseloads
):
    """The overview's and the filter's queries run as prepared statements (``statements``),
    and so do the attention keys' catch-up, the first page's rows and the alerts panel, their LIMIT written into the SQL so
    that the generic plan knows it (``test_dashboard_alerts_index``)."""
    browser = logged_in(alice)
    first = browser.get("/dashboard/?scope=practice").content
    with CaptureQueriesContext(connection) as queries:
        again = browser.get("/dashboard/?scope=practice").content
    executed = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("EXECUTE ")]
    # counts per day, first day, numbers, holders, the filter's; the attention keys' catch-up,
    # the page's rows, the panel
    assert len(executed) == 8
    limited = [q["sql"] for q in queries.captured_queries if " LIMIT " in q["sql"]]
    assert not [sql for sql in limited if "assessments_alert" in sql or "attention" in sql]
    assert first.count(b"<tr>") == again.count(b"<tr>")
