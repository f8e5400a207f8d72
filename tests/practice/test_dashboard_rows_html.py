# ruff: noqa: F811 (the fixtures come from test_dashboard)
"""The caseload table's rows are written in Python once per page (``practice.dashboard.rows``,
issue 17): the words every row shares are translated once per page, not once per row, and the
markup says what the template said (the clinician's column outside "my caseload", the words of
empty cells, the change badge's class from the English label in any language)."""

import pytest
from django.utils import translation

from practice.dashboard import rows
from practice.models import ProgressChange
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
