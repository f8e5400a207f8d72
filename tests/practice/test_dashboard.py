"""The caseload dashboard: columns from the precomputed rows, who needs attention first, filters,
sorting, search, pagination, scope, the owners' overview, and a fixed query count."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from assessments.models import Instrument
from clients.models import Client, ClientShare
from practice.dashboard import attention, overview_counts, progress
from practice.dashboard import caseload as dashboard
from practice.models import AuditEvent, ClientProgress, Membership
from tests.factories import ClientFactory
from tests.practice.progress_helpers import cite_ecr, day, ecr, respond

pytestmark = pytest.mark.django_db
NOW = day(2025, 6, 2, 9)
DASHBOARD = reverse("dashboard")
LATER = day(2025, 6, 7, 9)  # after Jon's open link expired


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def row(client, **fields) -> ClientProgress:
    fields.setdefault("responses", 1 if fields.get("last_completed_at") else 0)
    progress_row, _ = ClientProgress.objects.update_or_create(
        client=client, defaults={"practice": client.practice, **fields}
    )
    attention.store_attention([client.pk])  # as refresh_client_progress keeps them
    overview_counts.sync_overview([client.pk])
    return progress_row


def names(response) -> list[str]:
    html = response.content.decode()
    if '<table class="caseload-table">' not in html:
        return []
    table = html.split('<table class="caseload-table">')[1].split("</table>")[0]
    return re.findall(r'<td><a href="/clients/[^"]+/">([^<]+)</a>', table)


def client_of(practice, clinician, name) -> Client:
    first = name.split()[0]
    return ClientFactory(
        practice=practice, primary_clinician=clinician, full_name=name, preferred_name=first
    )


@pytest.fixture
def caseload(practice_a, bob, erin):
    """Bob's caseload: Erin earned security, Hana deteriorated with an open alert, Ivan overdue,
    Jon improved, Kim with nothing yet."""
    cite_ecr(practice_a)
    respond(erin, "ecr-r", ecr(6, 5), day(2025, 1, 6))
    respond(erin, "ecr-r", ecr(2, 2), day(2025, 3, 3))
    progress.refresh_client_progress(erin)
    hana = client_of(practice_a, bob, "Hana Fictional")
    respond(hana, "ecr-r", ecr(2, 2), day(2025, 1, 6))
    respond(hana, "ecr-r", ecr(6, 6), day(2025, 5, 5))
    progress.refresh_client_progress(hana)
    ClientProgress.objects.filter(client=hana).update(
        open_alerts=2, oldest_open_alert_at=day(2025, 5, 5)
    )
    attention.store_attention([hana.pk])
    ivan = client_of(practice_a, bob, "Ivan Fictional")
    row(
        ivan,
        missed_since=day(2025, 5, 20),
        next_due_at=day(2025, 6, 9, 9),
        last_completed_at=day(2025, 4, 1),
    )
    jon = client_of(practice_a, bob, "Jon Fictional")
    row(
        jon,
        change="improved",
        last_completed_at=day(2025, 5, 30),
        last_session_at=day(2025, 5, 31),
        link_expires_at=day(2025, 6, 6),
        awaiting_since=day(2025, 5, 30),
    )
    kim = client_of(practice_a, bob, "Kim Fictional")
    return {"erin": erin, "hana": hana, "ivan": ivan, "jon": jon, "kim": kim}


class TestWhatItShows:
    def test_who_needs_attention_comes_first(self, as_bob, caseload):
        response = as_bob.get(DASHBOARD)
        assert response.status_code == 200
        # Open alerts, then overdue, then deterioration, then by name.
        assert names(response) == [
            "Hana Fictional",
            "Ivan Fictional",
            "Erin Fictional",
            "Jon Fictional",
            "Kim Fictional",
        ]

    def test_each_column(self, as_bob, caseload):
        html = as_bob.get(DASHBOARD).content.decode()
        erin = html.split("Erin Fictional</a>")[1].split("</tr>")[0]
        assert "<strong>Secure</strong>" in erin
        # The numbers behind it, one click away: the instrument's abbreviation and date, its
        # full name in the title.
        assert (
            'anxiety 2, avoidance 2 (<abbr title="Experiences in Close Relationships - Revised '
            '(ECR-R)">ECR-R, 3 Mar 2025</abbr>)' in erin
        )
        assert '<span class="change-badge change-improved">Improved</span>' in erin
        assert "ECR-R: anxiety improved, avoidance improved" in erin
        assert '<span class="change-badge earned-badge-earned">Earned security</span>' in erin
        assert f'href="{reverse("clients:progress", args=[caseload["erin"].pk])}"' in erin
        hana = html.split("Hana Fictional</a>")[1].split("</tr>")[0]
        assert "<strong>Fearful-avoidant</strong>" in hana
        assert "change-deteriorated" in hana and ">2<span" in hana
        ivan = html.split("Ivan Fictional</a>")[1].split("</tr>")[0]
        assert 'Overdue</span> <span class="muted">since 20 May 2025' in ivan
        assert "9 Jun 2025" in ivan  # the next one due
        jon = html.split("Jon Fictional</a>")[1].split("</tr>")[0]
        assert "Sent 30 May" in jon and "open until 6 Jun 2025" in jon
        assert "31 May 2025" in jon  # last session
        kim = html.split("Kim Fictional</a>")[1].split("</tr>")[0]
        assert "No assessment yet" in kim

    def test_a_link_past_its_expiry_is_overdue_before_the_sweep_runs(self, as_bob, caseload):
        ClientProgress.objects.filter(client=caseload["jon"]).update(
            link_expires_at=day(2025, 6, 1)
        )
        attention.store_attention([caseload["jon"].pk])
        response = as_bob.get(DASHBOARD, {"show": "overdue"})
        assert names(response) == ["Jon Fictional", "Ivan Fictional"]  # Jon improved
        assert "since 1 Jun 2025" in response.content.decode()

    def test_who_needs_attention_moves_a_client_up_when_their_link_expires(
        self, bob, practice_a, caseload
    ):
        # Jon's open link expires on 6 Jun; the next day, before the expiry sweep refreshes his
        # row, he is overdue in the order too (his stored key caught up), ahead of Erin.
        membership = Membership.objects.get(user=bob, practice=practice_a)
        page = dashboard.caseload(bob, membership, dashboard.CaseloadQuery(), now=LATER)
        assert [client.full_name for client in page] == [
            "Hana Fictional",
            "Jon Fictional",  # overdue and improved
            "Ivan Fictional",  # overdue, nothing to compare
            "Erin Fictional",
            "Kim Fictional",
        ]
        jon = Client.objects.get(pk=caseload["jon"].pk)
        later = attention.attention_key(jon.progress, LATER)
        assert (jon.attention, jon.attention_until) == later
        assert later[0] == attention.attention_key(jon.progress, NOW)[0] - 5  # only "overdue" moved

    def test_open_alerts_panel_stays(self, as_bob, caseload, bob):
        from assessments.models import Alert, Response

        Alert.objects.create(
            practice=caseload["hana"].practice,
            client=caseload["hana"],
            response=Response.objects.filter(client=caseload["hana"]).first(),
            rule_key="item-9-safety",
            rule_label="Item 9 answered above 0",
        )
        assert 'id="open-alerts"' in as_bob.get(DASHBOARD).content.decode()

    def test_open_alerts_panel_shows_the_newest_five_and_links_to_the_rest(
        self, as_bob, caseload, bob
    ):
        from assessments.models import Alert, Response
        from assessments.templatetags.questionnaires import PANEL_ALERTS

        response = Response.objects.filter(client=caseload["hana"]).first()
        for n in range(PANEL_ALERTS + 1):
            Alert.objects.create(
                practice=caseload["hana"].practice,
                client=caseload["hana"],
                response=response,
                rule_key=f"rule-{n}",
                rule_label=f"Fictional rule {n}",
            )
        html = as_bob.get(DASHBOARD).content.decode()
        panel = html.split('id="open-alerts"')[1].split("</section>")[0]
        assert panel.count("<li>") == PANEL_ALERTS
        assert f"Fictional rule {PANEL_ALERTS}" in panel  # the newest
        assert "Fictional rule 0<" not in panel
        assert 'href="?show=alerts"' in panel
        Alert.objects.filter(rule_key="rule-0").delete()
        panel = as_bob.get(DASHBOARD).content.decode().split('id="open-alerts"')[1]
        assert 'href="?show=alerts"' not in panel.split("</section>")[0]

    def test_discharged_clients_are_not_listed(self, as_bob, caseload):
        Client.objects.filter(pk=caseload["kim"].pk).update(status=Client.Status.DISCHARGED)
        assert "Kim Fictional" not in names(as_bob.get(DASHBOARD))

    def test_listing_is_audited(self, as_bob, caseload):
        as_bob.get(DASHBOARD)
        assert AuditEvent.objects.filter(action="list", object_type="client").exists()


class TestFilters:
    @pytest.mark.parametrize(
        ("show", "expected"),
        [
            ("alerts", ["Hana Fictional"]),
            ("overdue", ["Ivan Fictional"]),
            ("deteriorated", ["Hana Fictional"]),
            ("improved", ["Erin Fictional", "Jon Fictional"]),
            ("earned", ["Erin Fictional"]),
            ("none", ["Kim Fictional"]),
        ],
    )
    def test_show(self, as_bob, caseload, show, expected):
        assert names(as_bob.get(DASHBOARD, {"show": show})) == expected

    def test_search_by_name(self, as_bob, caseload):
        assert names(as_bob.get(DASHBOARD, {"q": "ivan"})) == ["Ivan Fictional"]
        empty = as_bob.get(DASHBOARD, {"q": "nobody"}).content.decode()
        assert "No active clients match these filters." in empty

    def test_a_bad_filter_gets_a_message_and_400(self, as_bob, caseload):
        response = as_bob.get(DASHBOARD, {"show": "everything", "sort": "shoe size"})
        assert response.status_code == 400
        html = response.content.decode()
        assert "Select a valid choice. everything is not one of the available choices." in html
        # Under the Sort field, which now sits among the filters (every column sorts from it).
        assert '<ul class="errorlist" id="id_sort-errors"><li>Select a valid choice.' in html
        assert len(names(response)) == 5  # the default list is still shown


class TestSorting:
    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            ("name", ["Erin", "Hana", "Ivan", "Jon", "Kim"]),
            ("-name", ["Kim", "Jon", "Ivan", "Hana", "Erin"]),
            ("style", ["Hana", "Erin", "Ivan", "Jon", "Kim"]),
            ("change", ["Hana", "Erin", "Jon", "Ivan", "Kim"]),
            ("earned", ["Erin", "Hana", "Ivan", "Jon", "Kim"]),
            ("-alerts", ["Hana", "Erin", "Ivan", "Jon", "Kim"]),
            ("due", ["Ivan", "Erin", "Hana", "Jon", "Kim"]),
            ("-completed", ["Jon", "Hana", "Ivan", "Erin", "Kim"]),
            ("completed", ["Erin", "Ivan", "Hana", "Jon", "Kim"]),
            ("-session", ["Jon", "Erin", "Hana", "Ivan", "Kim"]),
        ],
    )
    def test_every_column_sorts_with_empty_values_last(self, as_bob, caseload, sort, expected):
        assert [n.split()[0] for n in names(as_bob.get(DASHBOARD, {"sort": sort}))] == expected

    def test_headings_link_to_the_other_direction(self, as_bob, caseload):
        html = as_bob.get(DASHBOARD, {"sort": "name", "show": "improved"}).content.decode()
        assert (
            '<th scope="col" aria-sort="ascending"><a href="?show=improved&amp;sort=-name">' in html
        )
        assert 'href="?show=improved&amp;sort=-alerts">Open alerts' in html
        # Columns the compact row folds into its details sort from the Sort field.
        assert '<option value="-completed">Last completed, reversed</option>' in html
        assert '<option value="name" selected>Client</option>' in html


class TestScope:
    def test_a_clinician_sees_own_and_shared_clients_only(self, as_dana, caseload, frank, dana):
        ClientShare.objects.create(client=caseload["jon"], clinician=dana)
        assert names(as_dana.get(DASHBOARD)) == ["Jon Fictional", "Frank Fictional"]
        # Asking for the whole practice changes nothing for a clinician.
        response = as_dana.get(DASHBOARD, {"scope": "practice"})
        assert response.status_code == 200
        assert names(response) == ["Jon Fictional", "Frank Fictional"]

    def test_owners_choose_the_practice_or_one_clinician(self, as_alice, caseload, frank, dana):
        assert names(as_alice.get(DASHBOARD)) == []  # Alice holds no caseload herself
        practice = as_alice.get(DASHBOARD, {"scope": "practice"})
        assert len(names(practice)) == 6
        assert '<th scope="col"><a href="?scope=practice&amp;sort=clinician">Clinician' in (
            practice.content.decode()
        )
        one = as_alice.get(DASHBOARD, {"scope": "clinician", "clinician": dana.pk})
        assert names(one) == ["Frank Fictional"]
        assert "Clients of Dana Clinician" in one.content.decode()

    def test_a_clinician_of_another_practice_cannot_be_chosen(self, as_alice, caseload, charlie):
        response = as_alice.get(DASHBOARD, {"scope": "clinician", "clinician": charlie.pk})
        assert response.status_code == 400
        assert "Choose a clinician of this practice." in response.content.decode()
        missing = as_alice.get(DASHBOARD, {"scope": "clinician"})
        assert "Choose the clinician whose clients to show." in missing.content.decode()

    def test_another_practice_sees_nothing(self, as_charlie, caseload, gina):
        assert names(as_charlie.get(DASHBOARD, {"scope": "practice"})) == ["Gina Fictional"]


class TestOverview:
    def test_owners_see_counts_for_the_period(self, as_alice, caseload):
        html = as_alice.get(DASHBOARD, {"scope": "practice", "period": "90"}).content.decode()
        assert "Practice overview: 90 days" in html
        assert "Active clients assessed since 4 Mar 2025: <strong>3</strong>" in html
        counts = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', html))
        assert counts == {
            "Improved": "1",
            "Stayed (no reliable change)": "0",
            "Deteriorated": "1",
            "Reliable change not available": "0",
            "One assessment only": "1",
            "Reached earned security": "0",  # Erin earned it on 3 Mar, before the period
        }
        everything = as_alice.get(
            DASHBOARD, {"scope": "practice", "period": "all"}
        ).content.decode()
        assert "Active clients assessed at any time: <strong>4</strong>" in everything
        assert re.search(r"Reached earned security</th><td class=\"num\">1<", everything)

    def test_clinicians_have_no_overview(self, as_bob, caseload):
        html = as_bob.get(DASHBOARD, {"period": "30"}).content.decode()
        assert "Practice overview" not in html


class TestSpeed:
    @pytest.mark.parametrize("clients", [5, 200])
    def test_queries_do_not_grow_with_clients(
        self, as_alice, practice_a, bob, clients, django_assert_max_num_queries
    ):
        phq = Instrument.objects.shipped().get(code="phq-9")
        for n in range(clients):
            client = client_of(practice_a, bob, f"Client{n:03d} Example")
            row(
                client,
                attachment_instrument=phq,
                change=["improved", "deteriorated", ""][n % 3],
                changes=[{"code": "phq-9", "name": "PHQ-9", "labels": []}],
                open_alerts=n % 4,
                last_completed_at=day(2025, 5, 1) + datetime.timedelta(hours=n),
            )
        # An established practice's owner: the first-run guide (one query while it shows,
        # tests/practice/test_dashboard_glance.py) was closed. The chips, sparklines and plane
        # are read from the progress rows the page reads anyway.
        Membership.objects.filter(practice=practice_a).update(guide_dismissed_at=NOW)
        # The whole practice's page: 20 with the overview summed from the counts kept per day
        # (two: the days after the period's first, and its first day), the clinicians'
        # comparison (the same two, and who holds active clients) and the practice's
        # reliable-change numbers the overview names (one).
        with django_assert_max_num_queries(20):
            response = as_alice.get(DASHBOARD, {"scope": "practice", "sort": "-completed"})
        assert response.status_code == 200
        assert len(names(response)) == min(clients, 25)

    def test_pagination_keeps_the_filters(self, as_alice, practice_a, bob):
        for n in range(30):
            row(client_of(practice_a, bob, f"Client{n:02d} Example"), change="improved")
        first = as_alice.get(DASHBOARD, {"scope": "practice", "show": "improved"})
        assert len(names(first)) == 25
        assert 'href="?scope=practice&amp;show=improved&amp;page=2">Next' in first.content.decode()
        second = as_alice.get(DASHBOARD, {"scope": "practice", "show": "improved", "page": 2})
        assert len(names(second)) == 5
        # Past the end or not a number: the last or the first page, as Django's paginator does.
        past = as_alice.get(DASHBOARD, {"scope": "practice", "show": "improved", "page": 9})
        assert names(past) == names(second) and "<span>Page 2</span>" in past.content.decode()
        odd = as_alice.get(DASHBOARD, {"scope": "practice", "show": "improved", "page": "x"})
        assert names(odd) == names(first)
