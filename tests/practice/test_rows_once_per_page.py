"""The caseload page writes each repeated date, score and sentence once per page
(``rows.PerPage``, issue 17). What it writes must be exactly what the ``day`` and ``score``
filters and the translation functions write for each cell: in every month, language and time
zone, for moments, dates and nothing."""

import datetime
import re
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from assessments.templatetags.trajectories import day, score
from practice.dashboard import progress, rows
from tests.factories import ClientFactory
from tests.practice.progress_helpers import cite_ecr, ecr, phq9, respond

UTC = datetime.UTC
ZONES = ["UTC", "Europe/London", "America/Los_Angeles", "Pacific/Auckland", "Asia/Kolkata"]
LANGUAGES = ["en-gb", "en", "es"]


def moments() -> list:
    """Aware moments either side of midnight in each zone, in every month (and across the
    clocks' changes), naive ones, dates and the empty values."""
    found: list = [None, ""]
    for month in range(1, 13):
        for hour in (0, 1, 11, 12, 13, 22, 23):
            found.append(datetime.datetime(2025, month, 1, hour, 30, tzinfo=UTC))
            found.append(datetime.datetime(2024, month, 28, hour, 59, 59, 999999, tzinfo=UTC))
        found.append(
            datetime.datetime(2025, month, 15, 9, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
        )
        found.append(datetime.datetime(2025, month, 31 if month == 12 else 1, 23, 59))  # naive
        found.append(datetime.date(2025, month, 9))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("zone", ZONES)
def test_a_pages_day_writes_what_the_day_filter_writes(language, zone):
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        page = rows.PerPage()
        for _ in range(2):  # the second pass reads what the first kept
            for value in moments():
                assert page.day(value) == day(value), value


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_pages_score_writes_what_the_score_filter_writes(language):
    values = [None, 0, 0.0, -0.0, 14, 14.0, 2.5, Decimal("2.5"), 3.456, 2.675, 2.665, 1e-9, -1.25]
    values += [n / 100 for n in range(0, 701, 7)] + [Decimal(n) / 3 for n in range(1, 30)]
    with translation.override(language):
        page = rows.PerPage()
        for _ in range(2):
            for value in values:
                assert page.score(value) == score(value), value


def test_each_answer_is_worked_out_once_per_page_and_again_on_the_next():
    calls = []

    def shout(word, times):
        calls.append((word, times))
        return word.upper() * times

    page = rows.PerPage()
    assert [page.once(shout, "a", 2), page.once(shout, "a", 2), page.once(shout, "b", 1)] == [
        "AA",
        "AA",
        "B",
    ]
    assert calls == [("a", 2), ("b", 1)]
    assert rows.PerPage().once(shout, "a", 2) == "AA" and len(calls) == 3


def test_a_page_started_in_one_language_keeps_no_words_for_the_next():
    with translation.override("es"):
        spanish = rows.PerPage().day(datetime.date(2025, 12, 6))
    assert spanish == "6 Dic 2025"
    assert rows.PerPage().day(datetime.date(2025, 12, 6)) == "6 Dec 2025"


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland", "America/Los_Angeles"])
def test_the_dashboard_writes_what_it_wrote_working_out_every_cell(
    monkeypatch, as_alice, practice_a, bob, zone
):
    """The whole page, with the page's answers kept and with every cell worked out afresh
    (as before), byte for byte: clients answered on dates near midnight, in several months,
    overdue, with open alerts, in the practice's own time zone."""
    practice_a.time_zone = zone
    practice_a.save(update_fields=["time_zone"])
    cite_ecr(practice_a)
    clients = [
        ClientFactory(practice=practice_a, primary_clinician=bob, full_name=f"Client{n} Example")
        for n in range(6)
    ]
    for n, client in enumerate(clients):
        respond(
            client,
            "ecr-r",
            ecr(2 + n % 4, 6 - n % 3),
            datetime.datetime(2025, 1, 6, 11 + n, tzinfo=UTC),
        )
        respond(
            client, "ecr-r", ecr(3, 2 + n % 3), datetime.datetime(2025, 3 + n, 3, 23, tzinfo=UTC)
        )
        respond(client, "phq-9", phq9(20 - n), datetime.datetime(2025, 2, 1 + n, 0, 30, tzinfo=UTC))
        respond(client, "phq-9", phq9(8 + n), datetime.datetime(2025, 5, 10 + n, 12, tzinfo=UTC))
        progress.refresh_client_progress(client)

    def page(**params) -> str:
        with time_machine.travel(datetime.datetime(2025, 9, 1, 9, tzinfo=UTC), tick=False):
            html = as_alice.get(reverse("dashboard"), params).content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)

    kept = page(scope="practice"), page(scope="practice", sort="due")
    monkeypatch.setattr(rows.PerPage, "once", lambda self, function, *args: function(*args))
    monkeypatch.setattr(rows.PerPage, "day", lambda self, value: day(value))
    monkeypatch.setattr(rows.PerPage, "score", lambda self, value: score(value))
    afresh = page(scope="practice"), page(scope="practice", sort="due")
    assert kept == afresh
    assert all(f"Client{n} Example" in kept[0] for n in range(6))
