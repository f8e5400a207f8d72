"""The trajectory service: administrations, baseline, reliable change, earned security, chart
inputs, date ranges, scope and a query count that does not grow with administrations."""

import datetime
import math

import pytest

from assessments import charts, scoring, services
from assessments import trajectory as service
from assessments.models import Instrument, PracticeInstrumentSettings
from clients import notes
from practice.models import PracticeBaselineScores
from tests.clients.test_notes_models import make_note
from tests.practice.progress_helpers import cite, cite_ecr, day, ecr, phq9, respond

pytestmark = pytest.mark.django_db

MARGIN = 1.96 * 1.0 * math.sqrt(2) * math.sqrt(1 - 0.9)


def by_code(result, code):
    return next(t for t in result.instruments if t.code == code)


@pytest.fixture
def erin_path(erin):
    """Erin's ECR-R from fearful-avoidant to secure, and two PHQ-9s."""
    respond(erin, "ecr-r", ecr(6, 5), day(2025, 1, 6))
    respond(erin, "ecr-r", ecr(5, 5), day(2025, 2, 3))
    respond(erin, "ecr-r", ecr(2, 2), day(2025, 3, 3))
    respond(erin, "phq-9", phq9(18), day(2025, 1, 6))
    respond(erin, "phq-9", phq9(7), day(2025, 3, 3))
    return erin


class TestHistory:
    def test_each_scored_instrument_with_administrations_oldest_first(self, bob, erin_path):
        result = service.client_trajectory(bob, erin_path, end=datetime.date(2025, 12, 31))
        assert [t.code for t in result.instruments] == ["ecr-r", "phq-9"]
        ecr_r = by_code(result, "ecr-r")
        assert [a.date for a in ecr_r.administrations] == [
            datetime.date(2025, 1, 6),
            datetime.date(2025, 2, 3),
            datetime.date(2025, 3, 3),
        ]
        assert ecr_r.baseline is ecr_r.administrations[0] and ecr_r.baseline.is_baseline
        assert ecr_r.latest is ecr_r.administrations[-1]
        assert ecr_r.previous is ecr_r.administrations[1]
        assert [(s.key, s.score) for s in ecr_r.latest.scores] == [
            ("anxiety", 2.0),
            ("avoidance", 2.0),
        ]
        assert ecr_r.baseline.style == "fearful-avoidant"
        assert ecr_r.latest.style_label == "Secure"
        phq = by_code(result, "phq-9")
        assert (phq.latest.total, phq.latest.band) == (7, "Mild")
        assert phq.baseline.scores[0].band == "Moderately severe"

    def test_reliable_change_labels_with_the_practice_numbers(self, bob, erin_path):
        cite_ecr(erin_path.practice)
        ecr_r = by_code(service.client_trajectory(bob, erin_path), "ecr-r")
        since_baseline = ecr_r.since_baseline
        assert since_baseline["anxiety"].label == scoring.IMPROVED
        assert since_baseline["anxiety"].difference == -4
        assert since_baseline["anxiety"].margin == pytest.approx(MARGIN)
        assert since_baseline["anxiety"].rci == pytest.approx(-4 / (MARGIN / 1.96))
        # Previous 5/5 to latest 2/2: both improved beyond the 0.88 margin.
        assert ecr_r.since_previous["avoidance"].label == scoring.IMPROVED
        # The second administration moved anxiety by 1 (reliable), avoidance by 0 (not).
        second = ecr_r.administrations[1]
        assert second.since_baseline["anxiety"].label == scoring.IMPROVED
        assert second.since_baseline["avoidance"].label == scoring.NO_RELIABLE_CHANGE
        assert ecr_r.earned_security["status"] == "earned"
        assert ecr_r.earned_label == "Earned security"
        assert ecr_r.earned_security_since == day(2025, 3, 3)

    def test_without_numbers_reliable_change_is_not_available_and_says_why(self, bob, erin_path):
        ecr_r = by_code(service.client_trajectory(bob, erin_path), "ecr-r")
        anxiety = ecr_r.since_baseline["anxiety"]
        assert anxiety.label == scoring.NOT_AVAILABLE
        assert "no cited reliability coefficient" in anxiety.reason
        assert anxiety.margin is None
        # The quadrant moved, but the move is not claimed to be reliable.
        assert ecr_r.earned_security["status"] == "quadrant_move_only"
        assert ecr_r.earned_security_since is None

    def test_an_incomplete_administration_is_shown_but_not_judged_as_a_change(self, bob, erin):
        respond(erin, "phq-9", phq9(12), day(2025, 1, 6))
        respond(erin, "phq-9", phq9(6), day(2025, 2, 3), drop={3})
        cite(erin.practice, "phq-9", "total", sd=5.0)
        phq = by_code(service.client_trajectory(bob, erin), "phq-9")
        assert phq.latest.complete is False
        assert phq.latest.scores[0].score is None
        assert phq.since_baseline["total"].label == scoring.NOT_AVAILABLE
        assert "incomplete" in phq.since_baseline["total"].reason

    def test_the_baseline_is_the_first_complete_administration(self, bob, erin):
        respond(erin, "phq-9", phq9(12), day(2025, 1, 6), drop={1})
        respond(erin, "phq-9", phq9(15), day(2025, 1, 20))
        respond(erin, "phq-9", phq9(5), day(2025, 2, 3))
        phq = by_code(service.client_trajectory(bob, erin), "phq-9")
        assert phq.baseline.date == datetime.date(2025, 1, 20)
        assert phq.administrations[0].since_baseline is None
        assert phq.since_baseline["total"].before == 15

    def test_a_free_text_worksheet_is_not_a_trajectory(self, bob, erin):
        answers = {1: "A belief", 2: "Evidence", 3: "Alternative"}
        respond(erin, "limiting-beliefs", answers, day(2025, 1, 6))
        assert service.client_trajectory(bob, erin).instruments == []


class TestPeriod:
    def test_a_start_after_the_baseline_keeps_the_baseline_for_change(self, bob, erin_path):
        result = service.client_trajectory(
            bob, erin_path, start=datetime.date(2025, 2, 1), end=datetime.date(2025, 2, 28)
        )
        ecr_r = by_code(result, "ecr-r")
        assert [a.date for a in ecr_r.administrations] == [datetime.date(2025, 2, 3)]
        assert ecr_r.baseline_before_period
        assert ecr_r.baseline.date == datetime.date(2025, 1, 6)
        assert ecr_r.latest.date == datetime.date(2025, 2, 3)  # not March's, after the period
        assert ecr_r.since_baseline["anxiety"].before == 6
        # The plane's path still starts at the baseline.
        assert [p.date for p in ecr_r.plane.path] == [
            datetime.date(2025, 1, 6),
            datetime.date(2025, 2, 3),
        ]
        assert result.start == datetime.date(2025, 2, 1)

    def test_a_period_without_administrations_lists_the_instrument_without_a_latest(
        self, bob, erin_path
    ):
        result = service.client_trajectory(
            bob, erin_path, start=datetime.date(2025, 4, 1), end=datetime.date(2025, 4, 30)
        )
        ecr_r = by_code(result, "ecr-r")
        assert ecr_r.administrations == [] and ecr_r.latest is None
        assert ecr_r.since_baseline is None
        assert "No scores in this period" in charts.trajectory_svg(ecr_r.charts[0])

    def test_default_period_is_the_whole_history(self, bob, erin_path):
        result = service.client_trajectory(bob, erin_path)
        assert (result.start, result.end) == (datetime.date(2025, 1, 6), datetime.date(2025, 3, 3))


class TestCharts:
    def test_trajectory_chart_inputs(self, bob, erin_path):
        make_note(erin_path, session_date=datetime.date(2025, 2, 10))
        result = service.client_trajectory(
            bob,
            erin_path,
            end=datetime.date(2025, 3, 31),
            note_markers=notes.note_markers(bob, erin_path, end=datetime.date(2025, 3, 31)),
        )
        (ecr_chart,) = by_code(result, "ecr-r").charts
        assert [s.name for s in ecr_chart.series] == ["Anxiety", "Avoidance"]
        assert ecr_chart.series[0].points[0].label == "baseline"
        assert ecr_chart.baseline == datetime.date(2025, 1, 6)
        assert [n.date for n in ecr_chart.notes] == [datetime.date(2025, 2, 10)]
        assert "Individual session" in ecr_chart.notes[0].label
        (phq_chart,) = by_code(result, "phq-9").charts
        assert phq_chart.bands[0].label == "None-minimal"
        assert phq_chart.y.better == "lower"
        assert phq_chart.id_prefix != ecr_chart.id_prefix
        svg = charts.trajectory_svg(phq_chart)
        assert "Moderately severe" in svg

    def test_note_markers_outside_the_period_are_left_out(self, bob, erin_path):
        for session in (
            datetime.date(2024, 12, 2),
            datetime.date(2025, 2, 10),
            datetime.date(2025, 6, 2),
        ):
            make_note(erin_path, session_date=session)
        every_note = notes.note_markers(bob, erin_path)
        result = service.client_trajectory(
            bob, erin_path, start=datetime.date(2025, 1, 1), note_markers=every_note
        )
        assert len(every_note) == 3
        assert result.end == datetime.date(2025, 3, 3)  # the latest administration
        assert [m.date for m in result.notes] == [datetime.date(2025, 2, 10)]
        (ecr_chart,) = by_code(result, "ecr-r").charts
        assert [n.date for n in ecr_chart.notes] == [datetime.date(2025, 2, 10)]

    def test_plane_has_the_quadrants_the_path_and_the_reliable_change_margin(self, bob, erin_path):
        cite_ecr(erin_path.practice)
        plane = by_code(service.client_trajectory(bob, erin_path), "ecr-r").plane
        assert (plane.quadrants[0].label, plane.quadrants[0].secure) == ("Secure", True)
        assert [(p.x, p.y) for p in plane.path] == [(5.0, 6.0), (5.0, 5.0), (2.0, 2.0)]
        assert plane.rc_x == pytest.approx(MARGIN) and plane.rc_y == pytest.approx(MARGIN)
        assert (plane.x_axis.split, plane.y_axis.split) == (4, 4)
        svg = charts.plane_svg(plane)
        assert "Fearful-avoidant" in svg and "Reliable change margin" in svg

    def test_no_margin_is_drawn_when_reliable_change_is_not_available(self, bob, erin_path):
        cite(erin_path.practice, "ecr-r", "anxiety", reliability=0.9, sd=1.0)  # avoidance none
        ecr_r = by_code(service.client_trajectory(bob, erin_path), "ecr-r")
        assert ecr_r.margins["anxiety"] == pytest.approx(MARGIN)
        assert ecr_r.margins["avoidance"] is None
        assert ecr_r.plane.rc_x is None and ecr_r.plane.rc_y is None

    def test_phq9_has_no_plane(self, bob, erin_path):
        assert by_code(service.client_trajectory(bob, erin_path), "phq-9").plane is None


class TestNumbers:
    @pytest.mark.parametrize("code", ["ecr-r", "phq-9", "gad-7"])
    def test_parameters_match_the_instrument_service(self, practice_a, code):
        instrument = Instrument.objects.shipped().get(code=code)
        definition = instrument.definition
        keys = [s["key"] for s in definition["scoring"]["subscales"]]
        cite(practice_a, code, keys[0], sd=2.5)
        PracticeInstrumentSettings.objects.create(
            practice=practice_a, instrument=instrument, min_baselines=3, rci_critical_value=2.5
        )
        samples = {key: [1.0, 2.0, 4.0] for key in keys}
        PracticeBaselineScores.objects.create(
            practice=practice_a,
            instrument=instrument,
            scores=samples,
            spread={key: scoring.sample_spread(values) for key, values in samples.items()},
            clients=3,
        )
        numbers = service.practice_numbers(practice_a.pk, [instrument.pk])[instrument.pk]
        assert numbers.critical_value == 2.5
        assert service.rci_parameters(definition, numbers) == (
            services.reliable_change_parameters(practice_a, instrument, definition, samples)
        )

    def test_the_baseline_sample_gives_the_practice_sd(self, bob, erin_path, practice_a):
        phq = Instrument.objects.shipped().get(code="phq-9")
        PracticeBaselineScores.objects.create(
            practice=practice_a,
            instrument=phq,
            scores={"total": [4.0, 12.0, 20.0] * 10},
            spread={"total": scoring.sample_spread([4.0, 12.0, 20.0] * 10)},
        )
        change = by_code(service.client_trajectory(bob, erin_path), "phq-9").since_baseline
        assert change["total"].label == scoring.IMPROVED
        parameters = by_code(service.client_trajectory(bob, erin_path), "phq-9").parameters
        assert parameters["total"]["sd"]["origin"] == "practice_baselines"


class TestScopeAndQueries:
    def test_someone_who_cannot_see_the_client_gets_nothing(self, dana, charlie, erin_path):
        assert service.client_trajectory(dana, erin_path).instruments == []
        assert service.client_trajectory(charlie, erin_path).instruments == []

    @pytest.mark.parametrize("administrations", [5, 200])
    def test_queries_do_not_grow_with_administrations(
        self, bob, erin, administrations, django_assert_max_num_queries
    ):
        cite_ecr(erin.practice)
        start = day(2020, 1, 6)
        for week in range(administrations):
            at = start + datetime.timedelta(days=7 * week)
            respond(erin, "ecr-r", ecr(6 - week % 5, 5 - week % 4), at)
            if week % 2:
                respond(erin, "phq-9", phq9(week % 24), at)
            if week % 10 == 0:
                make_note(erin, session_date=at.date())
        with django_assert_max_num_queries(8):  # 7, and the client's episodes of care
            result = service.client_trajectory(
                bob, erin, note_markers=notes.note_markers(bob, erin)
            )
        assert len(by_code(result, "ecr-r").administrations) == administrations
