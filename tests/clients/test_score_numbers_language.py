"""Scores written for people follow the reader's language (issue 15): a Spanish client's
client-friendly report writes "2,67", as Spanish does, while what machines read (the API, the
CSV export) keeps "2.67" whatever language is active. Under English nothing changes."""

import csv
import io
import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from assessments.charts import (
    Point,
    Series,
    TrajectoryChart,
    YScale,
    format_score,
    trajectory_svg,
)
from clients.models import Report
from tests.clients.reports_helpers import (
    FakeSource,
    ecr_answers,
    history,
    make_report,
    media,  # noqa: F401 - fixture
)
from tests.clients.test_reports_content import rendered
from tests.conftest import logged_in
from tests.practice.progress_helpers import day, ecr, respond

pytestmark = pytest.mark.django_db


def anxiety_two_and_two_thirds(answers: list[int] | dict) -> list[int] | dict:
    """ECR-R answers with anxiety 3 whose first six (unreversed) anxiety items are lowered to 2:
    an anxiety mean of 48 / 18, which Attune writes 2.67."""
    first_six = range(0, 6) if isinstance(answers, list) else range(1, 7)
    for index in first_six:
        answers[index] = 2
    return answers


@pytest.mark.parametrize(
    "language, expected", [("en-gb", ["14", "3.4", "2.67"]), ("es", ["14", "3,4", "2,67"])]
)
def test_a_score_is_written_with_the_languages_decimal_mark(language, expected):
    with translation.override(language):
        assert [format_score(v) for v in (14, 3.4, 2.666666)] == expected


def test_a_spanish_chart_writes_its_scores_with_a_comma_and_its_coordinates_with_a_point():
    chart = TrajectoryChart(
        title="ECR-R",
        y=YScale(1, 7, "Anxiety"),
        start=date(2025, 1, 1),
        end=date(2025, 3, 1),
        series=[
            Series("Anxiety", [Point(date(2025, 1, 6), 2.666666), Point(date(2025, 2, 3), 3.5)])
        ],
    )
    with translation.override("es"):
        svg = trajectory_svg(chart)
    assert ": 2,67" in svg and ": 3,5" in svg and ": 2.67" not in svg
    coordinates = re.findall(r'\s(?:x|y|cx|cy|x1|y1|x2|y2|width|height)="([^"]*)"', svg)
    assert coordinates and [value for value in coordinates if "," in value] == []


@pytest.mark.usefixtures("media")
def test_a_spanish_clients_report_writes_scores_with_a_comma(erin, bob, practice_a):
    erin.language = "es"
    erin.save(update_fields=["language"])
    answers = [ecr_answers(4, 4), anxiety_two_and_two_thirds(ecr_answers(3, 2))]
    start = timezone.now() - timezone.timedelta(days=90)
    source = FakeSource([history(practice_a, "ecr-r", answers, start)])

    spanish = rendered(make_report(erin, bob, audience=Report.Audience.CLIENT), source)
    assert "2,67" in spanish and "2.67" not in spanish

    clinical = rendered(make_report(erin, bob), source)  # the site's language: English
    assert "2.67" in clinical and "2,67" not in clinical


class TestWhatMachinesReadKeepsThePoint:
    @pytest.fixture
    def erin_answers(self, erin):
        respond(erin, "ecr-r", ecr(4, 4), day(2025, 1, 6))
        respond(erin, "ecr-r", anxiety_two_and_two_thirds(ecr(3, 2)), day(2025, 2, 3))
        return erin

    def test_the_csv_export_under_spanish(self, bob, erin_answers):
        with translation.override("es"):
            response = logged_in(bob).get(reverse("clients:export_scores", args=[erin_answers.pk]))
            body = b"".join(response.streaming_content).decode()
        rows = list(csv.DictReader(io.StringIO(body)))
        anxiety = [r["score"] for r in rows if r["subscale"] == "anxiety"]
        assert anxiety[-1].startswith("2.66") and "," not in anxiety[-1]

    def test_the_api_under_spanish(self, bob, erin_answers):
        client = APIClient()
        client.force_authenticate(bob)
        with translation.override("es"):
            data = client.get(reverse("administration-list"), {"client": str(erin_answers.pk)})
            as_csv = client.get(
                reverse("administration-list"), {"client": str(erin_answers.pk), "format": "csv"}
            )
            text = b"".join(as_csv.streaming_content).decode()
        latest = data.json()["results"][0]
        assert round(latest["scores"]["anxiety"]["score"], 2) == 2.67
        assert "2.66" in text and "2,6" not in text
