# ruff: noqa: F811 (the fixtures come from test_dashboard)
"""The caseload table's rows are written in Python once per page (``practice.dashboard.rows``,
issue 17): the words every row shares are translated once per page, not once per row, and the
markup says what the template said (the clinician's column outside "my caseload", the words of
empty cells, the change badge's class from the English label in any language)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from clients.models import Client
from practice.dashboard import glance, progress, rows
from practice.models import Membership, ProgressChange
from tests.practice.progress_helpers import cite_ecr, day, ecr, phq9, respond
from tests.practice.test_dashboard import (  # noqa: F401 (fixtures)
    DASHBOARD,
    caseload,
    client_of,
    frozen,
    names,
    row,
)

pytestmark = pytest.mark.django_db


def table_rows(response) -> str:
    return response.content.decode().split("<tbody>")[1].split("</tbody>")[0]


def test_the_clinicians_column_is_shown_outside_my_caseload(as_alice, caseload, bob):
    whole = table_rows(as_alice.get(DASHBOARD, {"scope": "practice"}))
    assert whole.count(f'<td data-label="Clinician" class="cl-clinician">{bob}</td>') == 5
    one = table_rows(as_alice.get(DASHBOARD, {"scope": "clinician", "clinician": bob.pk}))
    assert one.count('class="cl-clinician"') == 5


def test_a_clinicians_own_caseload_has_no_clinicians_column(as_bob, caseload):
    html = table_rows(as_bob.get(DASHBOARD))
    assert html.count("<tr>") == 5 and "cl-clinician" not in html
    assert '<span class="muted">No outcome measure yet</span>' in html  # Kim: nothing yet
    assert '<span class="change-badge change-deteriorated">Deteriorated</span>' in html  # Hana


def test_the_change_badges_class_is_the_english_labels_in_any_language(practice_a, bob):
    client = client_of(practice_a, bob, "Lena Fictional")
    client.progress = row(client, change=ProgressChange.NO_CHANGE)
    client.style_rule = None
    with translation.override("es"):
        rows.add_cells([client], now=None)
    assert client.cells.change_class == "change-no-reliable-change"


@pytest.mark.parametrize("count", [3, 25])
def test_the_rows_words_are_translated_once_per_page(monkeypatch, as_bob, practice_a, bob, count):
    for n in range(count):
        row(client_of(practice_a, bob, f"Client{n:02d} Example"), change="improved")
    looked_up = []

    def gettext(message):
        looked_up.append(message)
        return translation.gettext(message)

    monkeypatch.setattr(rows, "gettext", gettext)
    response = as_bob.get(DASHBOARD)
    assert len(names(response)) == count
    # The same few sentences and labels whatever the number of rows.
    assert len(looked_up) == len(set(looked_up)) <= 25


@pytest.mark.parametrize("scope", ["mine", "practice"])
def test_rows_are_read_in_queries_that_do_not_grow_with_them(
    as_alice, as_bob, caseload, practice_a, bob, scope
):
    """Only the columns a row shows are loaded (``caseload._ROW_FIELDS``): a row that read one
    more would load it with a query of its own, once per row."""
    browser, params = (as_bob, {}) if scope == "mine" else (as_alice, {"scope": "practice"})
    # An established practice: the first-run guide, which reads what was done yet, is closed.
    Membership.objects.filter(practice=practice_a).update(guide_dismissed_at=timezone.now())
    browser.get(DASHBOARD, params)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(DASHBOARD, params).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for n in range(20):
        client = client_of(practice_a, bob, f"Client{n:02d} Example")
        respond(client, "ecr-r", ecr(5, 4), day(2025, 1, 6))
        respond(client, "ecr-r", ecr(2, 3), day(2025, 4, 7))
        respond(client, "phq-9", phq9(12 + n % 5), day(2025, 4, 7))
        progress.refresh_client_progress(client)
    assert queries() == few


def test_the_comparison_by_clinician_and_the_filters_options_are_escaped(as_alice, caseload, bob):
    bob.full_name = 'Bob <i>"Fictional"</i> & Co'
    bob.save(update_fields=["full_name"])
    html = as_alice.get(DASHBOARD, {"scope": "practice", "period": "365"}).content.decode()
    table = html.split('<table class="overview-table by-clinician">')[1].split("</table>")[0]
    escaped = "Bob &lt;i&gt;&quot;Fictional&quot;&lt;/i&gt; &amp; Co"
    assert (
        f'<a href="?scope=clinician&amp;clinician={bob.pk}&amp;period=365">{escaped}</a>' in table
    )
    assert "<i>" not in table and "<i>" not in html.split("</form>")[0]
    # Erin improved, Hana deteriorated, Jon improved and Ivan was not compared, in the year.
    assert '<td class="num">2 <span class="muted">(50%)</span></td>' in table
    assert f'<option value="{bob.pk}">{escaped}</option>' in html
    assert '<option value="365" selected>12 months</option>' in html


def test_options_are_written_as_a_select_reads_them():
    html = rows.options_html([("a&b", "<A>", False), ("", "Any", True)])
    assert (
        html == '<option value="a&amp;b">&lt;A&gt;</option><option value="" selected>Any</option>'
    )


def test_the_pictures_sentences_are_translated_once_per_page(monkeypatch, as_bob, practice_a, bob):
    cite_ecr(practice_a)
    for n in range(12):
        client = client_of(practice_a, bob, f"Client{n:02d} Example")
        respond(client, "ecr-r", ecr(5, 4), day(2025, 1, 6))
        respond(client, "phq-9", phq9(14), day(2025, 1, 6))
        respond(client, "phq-9", phq9(9 + n % 3), day(2025, 3, 3))
        progress.refresh_client_progress(client)
    looked_up = []

    def gettext(message):
        looked_up.append(message)
        return translation.gettext(message)

    monkeypatch.setattr(glance, "gettext", gettext)
    html = as_bob.get(DASHBOARD).content.decode()
    assert html.count('<svg class="spark"') == 12 and html.count('<svg class="mini-plane"') == 12
    assert len(looked_up) == len(set(looked_up)) <= 10


def test_the_comparison_lists_members_holding_active_clients(as_alice, caseload, dana, frank):
    """Members of the practice, deactivated or not, who are the primary clinician of an active
    client; not the owner who holds none, nor a clinician whose clients were all discharged."""

    def compared() -> list[str]:
        html = as_alice.get(DASHBOARD, {"scope": "practice"}).content.decode()
        table = html.split('<table class="overview-table by-clinician">')[1].split("</table>")[0]
        return re.findall(r'<th scope="row"><a [^>]+>([^<]+)</a>', table)

    assert compared() == ["Bob Clinician", "Dana Clinician"]
    Client.objects.filter(pk=frank.pk).update(status=Client.Status.DISCHARGED)
    assert compared() == ["Bob Clinician"]
    Client.objects.filter(pk=frank.pk).update(status=Client.Status.ACTIVE)
    Membership.objects.filter(user=dana).update(is_active=False)
    assert compared() == ["Bob Clinician", "Dana Clinician"]
    filters = as_alice.get(DASHBOARD, {"scope": "practice"}).content.decode()
    assert f'<option value="{dana.pk}">Dana Clinician (deactivated)</option>' in filters
