"""The practice's baseline sample keeps its size and SD beside the scores, so progress pages
and the API read two numbers per subscale instead of every client's baseline."""

import statistics

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import scoring
from assessments import trajectory as service
from assessments.models import Instrument
from practice.dashboard import progress
from practice.models import PracticeBaselineScores
from tests.factories import ClientFactory
from tests.practice.progress_helpers import day, phq9, respond

PHQ9_TOTAL = {
    "key": "total",
    "label": "Total",
    "reliability": {"value": 0.84, "source": "fictional test citation"},
}


@pytest.mark.parametrize(
    "scores",
    [[], [5.0], [4.0, 12.0], [4.0, 12.0, 20.0] * 10, [7.0] * 40, [1.5, 2.25, 9.0, 3.0] * 9],
)
def test_the_spread_gives_what_the_scores_give(scores):
    from_scores = scoring.rci_parameters(PHQ9_TOTAL, baseline_scores=scores, min_baselines=30)
    from_spread = scoring.rci_parameters(
        PHQ9_TOTAL, baseline_spread=scoring.sample_spread(scores), min_baselines=30
    )
    assert from_spread == from_scores


def test_sample_spread():
    assert scoring.sample_spread([]) == {"n": 0, "sd": None}
    assert scoring.sample_spread([3.0]) == {"n": 1, "sd": None}
    assert scoring.sample_spread([1.0, 2.0, 4.0]) == {"n": 3, "sd": statistics.stdev([1, 2, 4])}


@pytest.mark.django_db
class TestKeptWithTheSample:
    def test_the_dashboard_derives_it_whenever_it_saves_the_scores(self, practice_a, erin, bob):
        phq = Instrument.objects.shipped().get(code="phq-9")
        frank = ClientFactory(practice=practice_a, primary_clinician=bob)
        respond(erin, "phq-9", phq9(4), day(2025, 1, 6))
        sample = progress.update_baseline_sample(practice_a.pk, phq.pk)
        sample.refresh_from_db()
        assert sample.spread == {"total": scoring.sample_spread([4.0])}
        respond(frank, "phq-9", phq9(12), day(2025, 1, 7))
        sample = progress.update_baseline_sample(practice_a.pk, phq.pk)
        sample.refresh_from_db()
        assert sorted(sample.scores["total"]) == [4.0, 12.0]
        assert sample.spread == {"total": scoring.sample_spread(sample.scores["total"])}
        assert sample.spread["total"]["n"] == 2

    def test_pages_read_the_spread_not_the_scores(self, practice_a):
        phq = Instrument.objects.shipped().get(code="phq-9")
        PracticeBaselineScores.objects.create(
            practice=practice_a,
            instrument=phq,
            scores={"total": [4.0, 12.0, 20.0] * 10},
            spread={"total": scoring.sample_spread([4.0, 12.0, 20.0] * 10)},
        )
        with CaptureQueriesContext(connection) as queries:
            numbers = service.practice_numbers(practice_a.pk, [phq.pk])[phq.pk]
        expected = {"n": 30, "sd": statistics.stdev([4.0, 12.0, 20.0] * 10)}
        assert numbers.baseline_spread == {"total": expected}
        sample_reads = [q["sql"] for q in queries if "practicebaselinescores" in q["sql"]]
        assert sample_reads and all('."scores"' not in sql for sql in sample_reads)
