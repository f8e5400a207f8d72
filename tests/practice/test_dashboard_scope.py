# ruff: noqa: F811 (the fixtures come from test_dashboard)
"""The dashboard follows the caseload chosen (issue 16): a clinician chosen is never ignored,
the overview and the open-alerts panel count only the clients shown, and owners compare
clinicians' outcomes over one period."""

import re

import pytest

from assessments.models import Alert, Response
from practice.dashboard.progress import refresh_client_progress
from tests.practice.progress_helpers import day, phq9, respond
from tests.practice.test_dashboard import (  # noqa: F401 (fixtures)
    DASHBOARD,
    caseload,
    client_of,
    frozen,
    names,
    row,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def franks_alert(frank):
    """Dana's client Frank has an open alert; Bob's caseload (Hana) has one too."""
    respond(frank, "phq-9", phq9(20), day(2025, 5, 5))
    return raised(frank, "Fictional rule for Frank")


@pytest.fixture
def hanas_alert(caseload):
    return raised(caseload["hana"], "Fictional rule for Hana")


def raised(client, label: str) -> Alert:
    """An open alert on ``client``'s first response, their dashboard row refreshed as every
    service raising one does."""
    alert = Alert.objects.create(
        practice=client.practice,
        client=client,
        response=Response.objects.filter(client=client).first(),
        rule_key="item-9-safety",
        rule_label=label,
    )
    refresh_client_progress(client.pk)
    return alert


def panel(response) -> str:
    """The open-alerts panel of a dashboard page, empty when the page shows none."""
    assert response.status_code == 200
    html = response.content.decode()
    return (
        html.split('id="open-alerts"')[1].split("</section>")[0]
        if 'id="open-alerts"' in html
        else ""
    )


def overview_counts(html) -> dict:
    table = html.split('aria-labelledby="overview-heading"')[1].split("</table>")[0]
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', table))


class TestAClinicianChosen:
    def test_is_shown_even_when_whose_clients_says_my_caseload(
        self, as_alice, caseload, dana, frank
    ):
        response = as_alice.get(DASHBOARD, {"scope": "mine", "clinician": dana.pk})
        assert response.status_code == 200
        assert names(response) == ["Frank Fictional"]
        response = as_alice.get(DASHBOARD, {"clinician": dana.pk})
        assert names(response) == ["Frank Fictional"]

    def test_with_the_whole_practice_is_a_question_not_a_guess(self, as_alice, caseload, dana):
        response = as_alice.get(DASHBOARD, {"scope": "practice", "clinician": dana.pk})
        assert response.status_code == 400
        assert "Whole practice shows every clinician" in response.content.decode()


class TestTheOpenAlertsPanel:
    def test_follows_the_owners_chosen_caseload(
        self, as_alice, caseload, dana, bob, franks_alert, hanas_alert
    ):
        whole = panel(as_alice.get(DASHBOARD, {"scope": "practice"}))
        assert "Frank Fictional" in whole and "Hana Fictional" in whole
        danas = panel(as_alice.get(DASHBOARD, {"scope": "clinician", "clinician": dana.pk}))
        assert "Frank Fictional" in danas and "Hana Fictional" not in danas
        own = panel(as_alice.get(DASHBOARD))  # Alice holds no caseload of her own
        assert "Frank Fictional" not in own and "Hana Fictional" not in own

    def test_a_clinician_sees_only_alerts_of_their_clients(
        self, as_bob, caseload, franks_alert, hanas_alert
    ):
        bobs = panel(as_bob.get(DASHBOARD))
        assert "Hana Fictional" in bobs and "Frank Fictional" not in bobs


class TestTheOverview:
    def test_follows_the_scope(self, as_alice, caseload, dana, frank):
        row(frank, change="deteriorated", last_completed_at=day(2025, 5, 20))
        practice = as_alice.get(DASHBOARD, {"scope": "practice", "period": "90"}).content.decode()
        assert "Practice overview: 90 days" in practice
        assert overview_counts(practice)["Deteriorated"] == "2"  # Hana and Frank
        danas = as_alice.get(
            DASHBOARD, {"scope": "clinician", "clinician": dana.pk, "period": "90"}
        ).content.decode()
        assert "Overview of Dana Clinician's clients: 90 days" in danas
        assert overview_counts(danas) == {
            "Improved": "0",
            "Stayed (no reliable change)": "0",
            "Deteriorated": "1",
            "Reliable change not available": "0",
            "One assessment only": "0",
            "Reached earned security": "0",
        }
        own = as_alice.get(DASHBOARD, {"period": "90"}).content.decode()
        assert "Overview of your caseload: 90 days" in own
        assert "Active clients assessed since 4 Mar 2025: <strong>0</strong>" in own

    def test_owners_compare_clinicians_over_the_period(self, as_alice, caseload, bob, dana, frank):
        row(frank, change="improved", last_completed_at=day(2025, 5, 20))
        html = as_alice.get(DASHBOARD, {"scope": "practice", "period": "90"}).content.decode()
        table = html.split('class="overview-table by-clinician"')[1].split("</table>")[0]
        rows = re.findall(r"<tr><th scope=\"row\"><a [^>]+>([^<]+)</a></th>(.*?)</tr>", table)
        cells = {name: re.findall(r'<td class="num">(\d+)', rest) for name, rest in rows}
        # Assessed, improved, stayed, deteriorated, not available, one assessment, earned.
        assert cells == {
            "Bob Clinician": ["3", "1", "0", "1", "0", "1", "0"],
            "Dana Clinician": ["1", "1", "0", "0", "0", "0", "0"],
        }
        assert f"clinician={dana.pk}" in table  # each name opens that clinician's caseload

    def test_the_comparison_is_for_the_whole_practice_only(self, as_alice, caseload, dana):
        html = as_alice.get(DASHBOARD, {"scope": "clinician", "clinician": dana.pk}).content
        assert b"by-clinician" not in html


class TestWhatIsKeptForOneRequest:
    """Whether anything is shared with the user and who holds a caseload are read once per
    request (``practice.acting.for_this_request``), never kept for the next one."""

    def test_a_client_shared_between_two_requests_shows_on_the_second(self, as_dana, dana, erin):
        from clients.models import ClientShare

        assert "Erin Fictional" not in as_dana.get(DASHBOARD).content.decode()
        ClientShare.objects.create(client=erin, clinician=dana)
        assert "Erin Fictional" in as_dana.get(DASHBOARD).content.decode()

    def test_a_member_who_joins_between_two_requests_is_offered_on_the_second(
        self, as_alice, practice_a
    ):
        from tests.factories import MembershipFactory, UserFactory

        def offered(name) -> bool:
            html = as_alice.get(DASHBOARD, {"scope": "practice"}).content.decode()
            return f">{name}</option>" in html

        assert offered("Alice Owner") and not offered("Nina Newcomer")
        MembershipFactory(user=UserFactory(full_name="Nina Newcomer"), practice=practice_a)
        assert offered("Nina Newcomer")
