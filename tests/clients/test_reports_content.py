"""What a report shows, read back from the real PDF: scores, bands, citations, charts, style and
earned security, alerts and notes for the clinical record; plain language and nothing
clinician-only for the client-friendly version."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import CitedValueKind, PracticeCitedValue
from clients.models import Report
from clients.reports import content, services
from practice.models import PaperSize
from tests.clients.reports_helpers import (
    FakeSource,
    ecr_history,
    make_report,
    media,  # noqa: F401 - fixture
    pdf_reader,
    pdf_text,
    phq9_history,
    shipped,
)
from tests.clients.test_notes_models import make_note, tag

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

NOTE_CANARY = (
    "Talked about the argument with her sister; homework on noticing the urge to withdraw."
)
PHQ9_TOTALS = [20, 18, 17, 15, 14, 12, 11, 9, 8, 7, 6, 5]
ECR_PATH = [(6, 6), (5, 5), (3, 3), (2, 2)]


def cite(practice, code, subscale, kind, value, citation="Test reference (2020), table 2."):
    PracticeCitedValue.objects.create(
        practice=practice,
        instrument=shipped(code),
        subscale=subscale,
        kind=kind,
        value=value,
        citation=citation,
    )


@pytest.fixture
def numbers(practice_a):
    """Cited values so reliable change is available: an SD for the PHQ-9 (its alpha is in the
    file), reliability and SD for both ECR-R dimensions."""
    cite(practice_a, "phq-9", "total", CitedValueKind.SD, 5)
    for dimension in ("anxiety", "avoidance"):
        cite(practice_a, "ecr-r", dimension, CitedValueKind.RELIABILITY, "0.9")
        cite(practice_a, "ecr-r", dimension, CitedValueKind.SD, 1)


@pytest.fixture
def year(practice_a, numbers):
    alert = content.AlertRecord(
        raised_at=timezone.now() - datetime.timedelta(days=200),
        instrument="PHQ-9",
        rule="Item 9 answered above 0",
        acknowledged_at=timezone.now() - datetime.timedelta(days=199),
        acknowledged_by="Bob Clinician",
    )
    return FakeSource(
        [phq9_history(practice_a, PHQ9_TOTALS), ecr_history(practice_a, ECR_PATH, days=90)],
        [alert],
    )


@pytest.fixture
def erin_notes(erin):
    crisis = tag(erin.practice, "Crisis")
    make_note(erin, days_ago=20, text=NOTE_CANARY, tags=[crisis], signed=True)
    make_note(erin, days_ago=5, text="A draft that is not finished yet.")


def rendered(report, source) -> str:
    services.render(report.pk, source=source)
    return pdf_text(report)


class TestClinicalRecord:
    @pytest.fixture
    def text(self, erin, bob, year, erin_notes):
        report = make_report(erin, bob, include_notes=True)
        return rendered(report, year)

    def test_identifies_practice_client_period_and_time(self, text, erin):
        today = timezone.localdate()
        assert "Harbour Therapy" in text
        assert "Clinical record report" in text
        assert "Erin Fictional" in text
        assert "Bob Clinician" in text
        assert f"{today:%-d %B %Y}" in text
        assert "Generated" in text

    def test_every_page_is_numbered_and_marked_confidential(self, erin, bob, year, erin_notes):
        report = make_report(erin, bob, include_notes=True)
        services.render(report.pk, source=year)
        reader = pdf_reader(report)
        pages = len(reader.pages)
        assert 3 <= pages <= 6
        for number, page in enumerate(reader.pages, start=1):
            page_text = " ".join(page.extract_text().split())
            assert f"Page {number} of {pages}" in page_text
            assert "Confidential" in page_text
        assert report.page_count == pages

    def test_instruments_with_citations(self, text):
        assert "Patient Health Questionnaire-9 (PHQ-9)" in text
        assert "Kroenke, K., Spitzer, R. L., & Williams, J. B. W. (2001)" in text
        assert "https://doi.org/10.1046/j.1525-1497.2001.016009606.x" in text
        assert "Experiences in Close Relationships" in text
        assert "Fraley, R. C., Waller, N. G., & Brennan, K. A. (2000)" in text

    def test_score_table_with_bands_and_reliable_change(self, text):
        assert "20 · Severe" in text
        assert "14 · Moderate" in text
        assert "5 · Mild" in text
        assert "improved" in text
        assert "clinically significant change" in text
        assert "Total: 20 (Severe) at baseline → 5 (Mild) latest; improved" in text

    def test_method_notes_cite_the_numbers_used(self, text):
        assert "reliability 0.89" in text
        assert "SD 5 (Test reference (2020), table 2.)" in text

    def test_charts_are_drawn(self, text):
        assert "PHQ-9 score (0-27)" in text
        assert "Moderately severe" in text
        assert "ECR-R: anxiety and avoidance" in text
        assert "Anxious-preoccupied" in text and "Dismissive-avoidant" in text

    def test_style_and_earned_security(self, text):
        assert "Fearful-avoidant" in text
        assert "Latest style: Secure (midpoint rule)" in text
        assert (
            "Earned security: moved from Fearful-avoidant to Secure with reliable improvement"
            in text
        )

    def test_alert_history(self, text):
        assert "Safety alerts" in text
        assert "Item 9 answered above 0" in text
        assert "by Bob Clinician" in text

    def test_signed_note_summaries_only(self, text):
        assert "Session notes" in text
        assert NOTE_CANARY[:60] in text
        assert "Crisis" in text
        assert "A draft that is not finished yet" not in text


class TestClientFriendly:
    @pytest.fixture
    def text(self, erin, bob, year, erin_notes):
        report = make_report(erin, bob, audience=Report.Audience.CLIENT, include_notes=True)
        return rendered(report, year)

    def test_no_clinician_only_content(self, text):
        assert "Erin Fictional" in text
        assert NOTE_CANARY[:30] not in text
        assert "sister" not in text
        assert "Session notes" not in text
        assert "Crisis" not in text  # note tags are the chart markers' labels
        assert "Safety alerts" not in text
        assert "Item 9" not in text
        assert "Jacobson" not in text
        assert "reliability" not in text

    def test_plain_language(self, text):
        assert "Your progress report" in text
        assert "lower scores mean things are going better" in text
        assert "better, by more than everyday ups and downs" in text
        assert "5 (Mild)" in text and "20 (Severe)" in text
        assert "Your answers have moved into the secure area of the chart" in text
        assert "Moved into the secure area." in text  # at a glance, without the jargon
        assert "Earned security" not in text
        assert "not a diagnosis" in text

    def test_still_cites_and_numbers_pages(self, text):
        assert "Kroenke, K., Spitzer" in text
        assert "Page 1 of" in text


class TestLayout:
    def test_letter_or_a4_from_the_practice_setting(self, erin, bob, practice_a):
        practice_a.paper_size = PaperSize.LETTER
        practice_a.save()
        letter = make_report(erin, bob)
        services.render(letter.pk, source=FakeSource())
        box = pdf_reader(letter).pages[0].mediabox
        assert (round(box.width), round(box.height)) == (612, 792)

        practice_a.paper_size = PaperSize.A4
        practice_a.save()
        a4 = make_report(erin, bob)
        services.render(a4.pk, source=FakeSource())
        box = pdf_reader(a4).pages[0].mediabox
        assert (round(box.width), round(box.height)) == (595, 842)

    def test_an_unusable_brand_colour_falls_back(self, erin, bob, practice_a):
        from practice.models import Practice

        Practice.objects.filter(pk=practice_a.pk).update(brand_colour="#0;}*{x")
        report = make_report(erin, bob)
        assert "Erin Fictional" in rendered(report, FakeSource())

    def test_letterhead_lines(self, erin, bob, practice_a):
        practice_a.report_letterhead = "12 Harbour Street\nPortsmouth PO1 2AB"
        practice_a.save()
        text = rendered(make_report(erin, bob), FakeSource())
        assert "12 Harbour Street" in text and "Portsmouth PO1 2AB" in text

    def test_names_are_text_not_markup(self, erin, bob):
        erin.full_name = 'Erin "E" <b>Fictional</b> & Co'
        erin.save()
        text = rendered(make_report(erin, bob), FakeSource())
        assert 'Erin "E" <b>Fictional</b> & Co' in text

    def test_a_period_without_answers(self, erin, bob):
        text = rendered(make_report(erin, bob), FakeSource())
        assert "No questionnaires were completed in this period." in text
        assert "No safety alert was raised in this period." in text


class TestGathering:
    def test_the_period_is_read_in_the_clients_time_zone(self, erin, bob):
        erin.time_zone = "America/New_York"
        erin.save()
        source = FakeSource()
        report = make_report(
            erin,
            bob,
            period_start=datetime.date(2026, 3, 1),
            period_end=datetime.date(2026, 3, 31),
            instruments=["phq-9"],
        )
        services.render(report.pk, source=source)
        [(start, end, codes)] = source.calls
        zone = zoneinfo.ZoneInfo("America/New_York")
        assert start == datetime.datetime(2026, 3, 1, tzinfo=zone)
        assert end == datetime.datetime(2026, 4, 1, tzinfo=zone)
        assert codes == ("phq-9",)

    def test_a_baseline_before_the_period_is_shown_as_such(self, erin, bob, practice_a):
        early = phq9_history(
            practice_a, [22], start=timezone.now() - datetime.timedelta(days=800)
        ).administrations[0]
        recent = phq9_history(practice_a, [12, 9], baseline=early)
        text = rendered(make_report(erin, bob), FakeSource([recent]))
        assert "Baseline (before this period)" in text
        assert "22 · Severe" in text

    def test_reliable_change_without_numbers_says_so(self, erin, bob, practice_a):
        text = rendered(make_report(erin, bob), FakeSource([phq9_history(practice_a, [20, 5])]))
        assert "reliable change not available" in text
        assert "no cited standard deviation" in text

    def test_excerpts_are_cut_at_a_word(self):
        text = "word " * 200
        cut = content.excerpt(text)
        assert len(cut) <= content.NOTE_EXCERPT_CHARS + 2
        assert cut.endswith("word …")


class TestStoredResponses:
    """The report reads what clients actually submitted (assessments' responses and alerts)."""

    @pytest.fixture(autouse=True)
    def quiet_mail(self, monkeypatch):
        from practice.tasks import send_outbound_email

        monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)

    def submit(self, client, code, answers, when):
        from assessments import services as assessment_services
        from practice.dashboard.progress import refresh_client_progress
        from tests.assessments.assign_helpers import answer_everything, send_now

        _, packet = send_now(client, code, now=when)
        overrides = {(code, number): value for number, value in enumerate(answers, start=1)}
        answer_everything(packet, overrides=overrides, now=when)
        submitted = assessment_services.submit_packet(
            packet, now=when + datetime.timedelta(hours=1)
        )
        # As the questionnaire page does: the dashboard layer records the practice's baselines.
        refresh_client_progress(client)
        return submitted

    def test_submitted_questionnaires_and_alerts_reach_the_pdf(self, erin, bob, numbers):
        now = timezone.now()
        self.submit(
            erin, "phq-9", phq9_answers_with(22, item9=0), now - datetime.timedelta(days=500)
        )
        self.submit(
            erin, "phq-9", phq9_answers_with(15, item9=1), now - datetime.timedelta(days=100)
        )
        self.submit(erin, "phq-9", phq9_answers_with(6, item9=0), now - datetime.timedelta(days=10))
        text = rendered(make_report(erin, bob), None)
        assert "Baseline (before this period)" in text
        assert "22 · Severe" in text and "15 · Moderately severe" in text and "6 · Mild" in text
        assert "Total: 22 (Severe) at baseline → 6 (Mild) latest; improved" in text
        assert "Item 9 answered above 0" in text and "Not acknowledged" in text

    def test_reads_in_a_fixed_number_of_queries(
        self, erin, bob, practice_a, django_assert_max_num_queries
    ):
        now = timezone.now()
        for days in range(300, 0, -30):
            self.submit(
                erin, "phq-9", phq9_answers_with(10, item9=0), now - datetime.timedelta(days=days)
            )
            self.submit(erin, "gad-7", [1] * 8, now - datetime.timedelta(days=days))
        self.submit(erin, "limiting-beliefs", [], now - datetime.timedelta(days=5))  # free text
        start, end = now - datetime.timedelta(days=365), now
        with django_assert_max_num_queries(4):  # with the client's episodes of care
            histories = content.StoredResponses().histories(erin, start, end, ())
        assert [h.instrument.code for h in histories] == ["gad-7", "phq-9"]
        assert all(len(h.administrations) == 10 for h in histories)
        [phq] = content.StoredResponses().histories(erin, start, end, ["phq-9"])
        assert phq.baseline.result["total"] == 10

    def test_gathering_reads_the_practices_numbers_once_per_version(self, erin, bob):
        """Each response came with its own copy of its instrument version, and the report
        looked up the practice's settings and cited values again for every one (issue 17)."""
        now = timezone.now()

        def gather_queries() -> int:
            report = make_report(erin, bob)
            with CaptureQueriesContext(connection) as queries:
                content.gather(report, None)
            return len(queries)

        for days in (300, 270):
            self.submit(erin, "ecr-r", [4] * 36, now - datetime.timedelta(days=days))
        two = gather_queries()
        for days in range(240, 0, -30):
            self.submit(erin, "ecr-r", [4] * 36, now - datetime.timedelta(days=days))
        assert gather_queries() == two  # ten administrations read what two did

    def test_the_practices_baselines_come_along_for_its_own_sd(self, erin, frank, practice_a):
        now = timezone.now()
        self.submit(erin, "phq-9", phq9_answers_with(12, item9=0), now - datetime.timedelta(days=9))
        self.submit(
            frank, "phq-9", phq9_answers_with(18, item9=0), now - datetime.timedelta(days=8)
        )
        self.submit(erin, "phq-9", phq9_answers_with(5, item9=0), now - datetime.timedelta(days=2))
        [history] = content.StoredResponses().histories(
            erin, now - datetime.timedelta(days=30), now, ()
        )
        assert sorted(history.baseline_scores["total"]) == [12, 18]


def phq9_answers_with(total: int, item9: int) -> list[int]:
    """Ten PHQ-9 answers adding up to ``total`` over items 1-9, item 9 given."""
    from tests.clients.reports_helpers import phq9_answers

    answers = phq9_answers(total - item9)
    answers[8] = item9
    return answers
