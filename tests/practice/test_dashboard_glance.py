"""The caseload at a glance (issue 15): each client's compact row (a severity chip and a
sparkline per outcome measure, the attachment dot on a small plane, the change word, the numbers
behind them in a details element), the empty states, and the first-run guide for a new
practice's owner, closed for good per member."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Packet
from practice.dashboard import progress
from practice.models import Membership, Role, StaffInvitation
from tests.assessments.assign_helpers import send_now
from tests.factories import ClientFactory
from tests.practice.progress_helpers import cite, cite_ecr, day, ecr, phq9, respond

pytestmark = pytest.mark.django_db
NOW = day(2025, 6, 2, 9)
DASHBOARD = reverse("dashboard")
CLOSE_GUIDE = reverse("dashboard_guide_dismiss")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def row_html(html: str, name: str) -> str:
    return html.split(f"{name}</a>")[1].split("</tr>")[0]


@pytest.fixture
def erin_scored(erin):
    cite(erin.practice, "phq-9", "total", sd=4.0)
    cite_ecr(erin.practice)
    for week, total in enumerate([22, 18, 12, 7]):
        respond(erin, "phq-9", phq9(total), day(2025, 1, 6) + datetime.timedelta(weeks=week))
    respond(erin, "gad-7", dict.fromkeys(range(1, 8), 3), day(2025, 1, 8))
    respond(erin, "ecr-r", ecr(6, 5), day(2025, 1, 6))
    respond(erin, "ecr-r", ecr(2, 2), day(2025, 3, 3))
    progress.refresh_client_progress(erin)
    return erin


class TestTheCompactRow:
    def test_chips_say_score_and_band_in_words_beside_the_colour(self, as_bob, erin_scored):
        erin = row_html(as_bob.get(DASHBOARD).content.decode(), "Erin Fictional")
        chips = re.findall(
            r'<span class="chip (sev-\w+)"><span class="chip-name">([^<]+)</span> '
            r'([\d.]+) <span class="chip-band">([^<]+)</span>',
            erin,
        )
        assert chips == [
            ("sev-4", "GAD-7", "21", "Severe"),
            ("sev-1", "PHQ-9", "7", "Mild"),  # the second of five bands
        ]

    def test_sparklines_have_a_title_and_a_description_with_every_number(self, as_bob, erin_scored):
        erin = row_html(as_bob.get(DASHBOARD).content.decode(), "Erin Fictional")
        assert '<title id="spark-' in erin
        assert ">PHQ-9 over the last 4 administrations</title>" in erin
        assert (
            ">PHQ-9 total, last 4: 6 Jan 2025: 22 (Severe); 13 Jan 2025: 18 (Moderately severe); "
            "20 Jan 2025: 12 (Moderate); 27 Jan 2025: 7 (Mild).</desc>"
        ) in erin
        # Higher scores drawn higher: 22 near the top of the 20-pixel box, 7 lower down.
        points = re.search(r'<polyline points="([^"]+)"', erin).group(1).split()
        heights = [float(point.split(",")[1]) for point in points]
        assert heights == sorted(heights) and len(heights) == 4
        # One administration is a dot, no line.
        assert ">GAD-7 over the last 1 administration</title>" in erin

    def test_the_attachment_dot_the_change_word_and_the_numbers_behind(self, as_bob, erin_scored):
        erin = row_html(as_bob.get(DASHBOARD).content.decode(), "Erin Fictional")
        assert '<svg class="mini-plane"' in erin
        assert ">Anxiety 2, avoidance 2: secure.</desc>" in erin
        # Anxiety 2 and avoidance 2 on a 1-7 plane 24 px wide (3 px margins): low and left.
        assert '<circle cx="6.0" cy="18.0" r="3"' in erin
        assert "<strong>Secure</strong>" in erin
        assert '<span class="change-badge change-improved">Improved</span>' in erin
        details = erin.split("<details>")[1].split("</details>")[0]
        assert "PHQ-9 total (improved since baseline):" in details
        assert "<li>27 Jan 2025: 7 (Mild)</li>" in details
        assert "Last completed 3 Mar 2025" in details

    def test_the_rule_beside_the_style_and_not_earned_in_the_numbers(self, as_bob, erin):
        cite_ecr(erin.practice)
        respond(erin, "ecr-r", ecr(2, 2), day(2025, 1, 6))
        respond(erin, "ecr-r", ecr(6, 6), day(2025, 3, 3))
        progress.refresh_client_progress(erin)
        row = row_html(as_bob.get(DASHBOARD).content.decode(), "Erin Fictional")
        cell, details = row.split("<details>")
        assert '<strong>Fearful-avoidant</strong> <span class="muted">by the ECR-R' in cell
        assert "Not earned security" not in cell
        assert "<p>Not earned security.</p>" in details
        assert "No outcome measure yet" not in cell and "Attachment only" in cell

    def test_one_row_per_client(self, as_bob, erin_scored, practice_a, bob):
        for n in range(3):
            ClientFactory(practice=practice_a, primary_clinician=bob, full_name=f"Client{n} X")
        html = as_bob.get(DASHBOARD).content.decode()
        table = html.split('<table class="caseload-table">')[1].split("</table>")[0]
        assert table.count("<tr>") == 1 + 4  # the heading row and one per client
        assert table.count("No outcome measure yet") == 3


class TestEmptyStates:
    def test_no_clients_yet_says_how_to_add_or_import(self, as_bob):
        html = as_bob.get(DASHBOARD).content.decode()
        assert "<h2>No clients yet</h2>" in html
        assert f'href="{reverse("clients:create")}">Add a client</a>' in html
        assert f'href="{reverse("clients:import")}">Import clients from a spreadsheet</a>' in html

    def test_no_questionnaires_yet_says_how_to_assign_one(self, as_bob, erin):
        html = as_bob.get(DASHBOARD).content.decode()
        assert "<strong>No questionnaires yet.</strong>" in html
        assert f'href="{reverse("assessments:assign_many")}"' in html
        send_now(erin, "phq-9")
        progress.refresh_client_progress(erin)
        assert "No questionnaires yet" not in as_bob.get(DASHBOARD).content.decode()


def guide_steps(html: str) -> dict:
    if 'id="guide-heading"' not in html:
        return {}
    guide = html.split('id="guide-heading"')[1].split("</section>")[0]
    return dict(
        re.findall(r"<strong>([^<]+)</strong> <span class=\"badge [\w-]+\">([^<]+)<", guide)
    )


class TestFirstRunGuide:
    def test_each_step_ticks_itself(self, alice, as_alice, practice_a):
        assert guide_steps(as_alice.get(DASHBOARD).content.decode()) == {
            "Invite a clinician": "To do",
            "Add or import clients": "To do",
            "Assign a first questionnaire": "To do",
        }
        StaffInvitation.objects.create(
            practice=practice_a,
            email="new@example.com",
            token_hash="x" * 64,
            expires_at=NOW + datetime.timedelta(days=7),
        )
        client = ClientFactory(practice=practice_a, primary_clinician=alice)
        assert guide_steps(as_alice.get(DASHBOARD).content.decode()) == {
            "Invite a clinician": "Done",
            "Add or import clients": "Done",
            "Assign a first questionnaire": "To do",
        }
        send_now(client, "phq-9")
        assert Packet.objects.filter(client=client).exists()
        # Every step done: the guide goes, and stays gone.
        assert guide_steps(as_alice.get(DASHBOARD).content.decode()) == {}
        membership = Membership.objects.get(user=alice, practice=practice_a)
        assert membership.guide_dismissed_at == NOW

    def test_closing_is_stored_per_member_not_in_the_session(self, alice, as_alice, practice_a):
        assert as_alice.get(CLOSE_GUIDE).status_code == 405  # a GET changes nothing
        response = as_alice.post(CLOSE_GUIDE)
        assert response.status_code == 302 and response["Location"] == DASHBOARD
        assert Membership.objects.get(user=alice).guide_dismissed_at == NOW
        again = as_alice.__class__()
        again.force_login(alice)  # a new session
        assert guide_steps(again.get(DASHBOARD).content.decode()) == {}

    def test_the_close_button_is_a_real_button_in_a_form(self, as_alice):
        html = as_alice.get(DASHBOARD).content.decode()
        assert f'<form method="post" action="{CLOSE_GUIDE}"' in html
        assert '<button type="submit" class="secondary">Close the guide</button>' in html

    def test_clinicians_have_no_guide(self, as_bob, bob, practice_a):
        assert Membership.objects.get(user=bob).role == Role.CLINICIAN
        assert guide_steps(as_bob.get(DASHBOARD).content.decode()) == {}

    def test_the_guide_costs_one_query_while_it_shows(self, alice, as_alice, practice_a):
        def guide_queries() -> int:
            # Counted at once: each request clears the connection's query log.
            with CaptureQueriesContext(connection) as context:
                as_alice.get(DASHBOARD)
            return sum('AS "colleague"' in query["sql"] for query in context.captured_queries)

        shown = guide_queries()
        as_alice.post(CLOSE_GUIDE)
        assert (shown, guide_queries()) == (1, 0)


def test_the_rows_escape_writes_what_djangos_escape_writes():
    from django.utils.html import escape as django_escape
    from django.utils.translation import gettext_lazy

    from practice.dashboard.rows import escape

    for text in ['<b>"O\'Neil" & co</b>', "plain", 2.5, gettext_lazy("Overdue"), None]:
        assert escape(text) == django_escape(text)
