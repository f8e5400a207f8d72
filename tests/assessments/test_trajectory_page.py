"""The client's progress page and the progress card on the client page."""

import datetime
import re

import pytest
from django.urls import reverse

from practice.dashboard import progress
from practice.models import AuditEvent
from tests.clients.test_notes_models import make_note
from tests.practice.progress_helpers import cite_ecr, day, ecr, phq9, respond

pytestmark = pytest.mark.django_db


def page_url(client, **params):
    url = reverse("clients:progress", args=[client.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


@pytest.fixture
def erin_path(erin):
    cite_ecr(erin.practice)
    respond(erin, "ecr-r", ecr(6, 5), day(2025, 1, 6))
    respond(erin, "ecr-r", ecr(5, 5), day(2025, 2, 3))
    respond(erin, "ecr-r", ecr(2, 2), day(2025, 3, 3))
    respond(erin, "phq-9", phq9(18), day(2025, 1, 6))
    respond(erin, "phq-9", phq9(7), day(2025, 3, 3))
    return erin


def test_charts_summary_and_table_for_each_instrument(as_bob, erin_path):
    response = as_bob.get(page_url(erin_path))
    assert response.status_code == 200
    html = response.content.decode()
    # One trajectory chart per instrument and the plane for the attachment instrument, inline,
    # each with its own ids.
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="att-chart') == 3
    ids = re.findall(r'<svg[^>]* aria-labelledby="([^"]+)"', html)
    assert len(ids) == len(set(ids)) == 3
    # Beside the charts: latest, band, style, change with labels, earned security.
    assert "Earned security" in html and "since 3 Mar 2025" in html
    assert (
        '<span class="change-badge change-improved">Improved</span> Anxiety: 6 → 2 (\u22124)'
        in html
    )
    assert "reliable beyond ±0.88" in html
    assert "<strong>Secure</strong>" in html
    assert "<strong>7</strong> · Mild" in html
    # Under them, the same numbers as a table.
    assert "ECR-R: every administration in the period" in html
    assert '<th scope="row">6 Jan 2025 <span class="muted">(baseline)</span></th>' in html
    assert "<td>6 · Moderately severe</td>" not in html  # ECR-R has no bands
    assert "<td>18 · Moderately severe</td>" in html
    assert "Anxiety: Improved<br>Avoidance: Improved" in html


def test_reliable_change_that_is_not_available_says_why(as_bob, erin):
    respond(erin, "ecr-r", ecr(6, 5), day(2025, 1, 6))
    respond(erin, "ecr-r", ecr(2, 2), day(2025, 3, 3))
    html = as_bob.get(page_url(erin)).content.decode()
    assert "change-reliable-change-not-available" in html
    assert "No cited reliability coefficient and no cited standard deviation" in html
    assert "Moved to secure (not shown to be reliable)" in html
    assert "No reliable-change margin is drawn" in html


def test_the_period_filter(as_bob, erin_path):
    response = as_bob.get(page_url(erin_path, start="2025-02-01", end="2025-02-28"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Showing 1 Feb 2025 to 28 Feb 2025" in html
    assert "(baseline, before this period)" in html
    assert "3 Mar 2025" not in html.split("Showing")[1].split("</form>")[1].split("<svg")[0]


def _boxes_and_text(html) -> tuple[tuple[str, str], tuple[str, str]]:
    """The From and To boxes' values, and the period the text says is shown, as ISO dates."""
    boxes = tuple(
        re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0) for name in ("start", "end")
    )
    values = tuple((re.search(r'value="([^"]*)"', box) or [None, ""])[1] for box in boxes)
    text = re.search(r"Showing (\d+ \w+ \d{4}) to (\d+ \w+ \d{4})", html).groups()
    shown = tuple(datetime.datetime.strptime(d, "%d %b %Y").date().isoformat() for d in text)
    return values, shown


@pytest.mark.parametrize("params", [{}, {"start": "2025-02-01"}, {"end": "2025-02-28"}])
def test_the_date_boxes_hold_the_period_shown(as_bob, erin_path, params):
    """Issue 15: the text said "Showing 6 Jan to 6 Dec" above empty boxes."""
    html = as_bob.get(page_url(erin_path, **params)).content.decode()
    values, shown = _boxes_and_text(html)
    assert values == shown
    for name, value in params.items():
        assert values[("start", "end").index(name)] == value


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2025-13-01"}, "Enter a valid date."),
        ({"start": "yesterday"}, "Enter a valid date."),
        ({"start": "2025-03-01", "end": "2025-02-01"}, "must not be after its end"),
        ({"end": "3025-01-01"}, "Choose a date between 1900 and 2100."),
    ],
)
def test_bad_dates_get_a_message_and_400(as_bob, erin_path, params, message):
    response = as_bob.get(page_url(erin_path, **params))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "ECR-R" in html  # the whole history is still shown


def test_out_of_scope_is_404_and_reading_is_audited(as_bob, as_dana, as_charlie, erin_path):
    assert as_dana.get(page_url(erin_path)).status_code == 404
    assert as_charlie.get(page_url(erin_path)).status_code == 404
    as_bob.get(page_url(erin_path))
    event = AuditEvent.objects.filter(client_id=erin_path.pk, action="view").latest("at")
    assert event.object_type == "client" and event.actor_email == "bob@example.com"


def test_no_personal_data_in_the_url(erin_path):
    assert page_url(erin_path) == f"/clients/{erin_path.pk}/progress/"


def test_a_client_without_scores(as_bob, erin):
    html = as_bob.get(page_url(erin)).content.decode()
    assert "Erin has not answered a scored questionnaire yet." in html


@pytest.mark.parametrize("administrations", [5, 200])
def test_queries_do_not_grow_with_administrations(
    as_bob, erin, administrations, django_assert_max_num_queries
):
    cite_ecr(erin.practice)
    for week in range(administrations):
        at = day(2021, 1, 4) + datetime.timedelta(weeks=week)
        respond(erin, "ecr-r", ecr(6 - week % 5, 5 - week % 4), at)
        if week % 2:
            respond(erin, "phq-9", phq9(week % 24), at)
        if week % 10 == 0:
            make_note(erin, session_date=at.date())
    with django_assert_max_num_queries(20):  # 18, one for the worksheets, one for episodes
        response = as_bob.get(page_url(erin))
    assert response.status_code == 200


class TestClientPageCard:
    def test_summary_and_link(self, as_bob, erin_path):
        progress.refresh_client_progress(erin_path)
        html = as_bob.get(reverse("clients:detail", args=[erin_path.pk])).content.decode()
        assert 'id="progress-heading">Progress</h2>' in html
        assert "<strong>Secure</strong>" in html
        assert "anxiety 2, avoidance 2" in html
        assert "Earned security" in html
        assert "ECR-R: anxiety improved, avoidance improved; PHQ-9: not available" in html
        assert f'href="{page_url(erin_path)}"' in html

    def test_before_any_questionnaire(self, as_bob, erin):
        html = as_bob.get(reverse("clients:detail", args=[erin.pk])).content.decode()
        assert "No questionnaires answered yet." in html
        assert f'href="{page_url(erin)}"' in html


def test_client_page_queries_do_not_grow_with_administrations(as_bob, erin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(weeks, start):
        for week in range(start, start + weeks):
            at = day(2021, 1, 4) + datetime.timedelta(weeks=week)
            respond(erin, "ecr-r", ecr(6 - week % 5, 5 - week % 4), at)
            respond(erin, "phq-9", phq9(week % 24), at)
        progress.refresh_client_progress(erin)

    page = reverse("clients:detail", args=[erin.pk])
    add(5, 0)
    with CaptureQueriesContext(connection) as five:
        assert as_bob.get(page).status_code == 200
    add(195, 5)
    with CaptureQueriesContext(connection) as two_hundred:
        assert as_bob.get(page).status_code == 200
    assert len(two_hundred) == len(five)
