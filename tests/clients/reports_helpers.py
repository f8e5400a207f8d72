"""Builders for report tests: questionnaire histories scored by the real engine on the shipped
instruments, a source that hands them to the report, and reading the stored PDF back."""

import datetime
import io

import pypdf
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Instrument
from clients.models import Report
from clients.reports import content

# ECR-R items whose answer is reversed (8 - answer) before scoring; see assessments/README.md.
ECR_R_REVERSED = {9, 11, 20, 22, 26, 27, 28, 29, 30, 31, 33, 34, 35, 36}


class FakeSource:
    """An ``AssessmentSource`` with fixed histories and alerts."""

    def __init__(self, histories=(), alerts=()):
        self._histories, self._alerts = list(histories), list(alerts)
        self.calls = []

    def histories(self, client, start, end, codes):
        self.calls.append((start, end, tuple(codes)))
        wanted = [h for h in self._histories if not codes or h.instrument.code in codes]
        return wanted

    def alerts(self, client, start, end):
        return self._alerts


def shipped(code: str) -> Instrument:
    return Instrument.objects.get(code=code, practice__isnull=True)


def phq9_answers(total: int) -> list[int]:
    """Nine item answers (0-3) adding up to ``total``, item 9 answered 0, plus item 10."""
    answers = [0] * 9
    left = total
    for index in range(8):
        answers[index] = min(3, left)
        left -= answers[index]
    assert left == 0, f"PHQ-9 totals above 24 need item 9: {total}"
    return [*answers, 1]


def ecr_answers(anxiety: int, avoidance: int) -> list[int]:
    """36 answers whose anxiety and avoidance means are exactly the given whole numbers."""
    answers = []
    for number in range(1, 37):
        keyed = anxiety if number <= 18 else avoidance
        answers.append(8 - keyed if number in ECR_R_REVERSED else keyed)
    return answers


def monthly(start: datetime.datetime, count: int, days: int = 30) -> list[datetime.datetime]:
    return [start + datetime.timedelta(days=days * i) for i in range(count)]


def history(practice, code, answer_sets, start, days=30, baseline=None):
    """An ``InstrumentHistory`` for ``code``: one administration per answer set, ``days``
    apart from ``start``; the first is the baseline unless ``baseline`` is given."""
    instrument = shipped(code)
    administrations = [
        content.Administration(
            at,
            assessment_services.score_answers(practice, instrument, answers),
            instrument.current_version,
        )
        for at, answers in zip(monthly(start, len(answer_sets), days), answer_sets, strict=True)
    ]
    return content.InstrumentHistory(
        instrument,
        administrations,
        baseline if baseline is not None else administrations[0],
    )


def phq9_history(practice, totals, start=None, **kwargs):
    start = start or timezone.now() - datetime.timedelta(days=330)
    return history(practice, "phq-9", [phq9_answers(t) for t in totals], start, **kwargs)


def ecr_history(practice, pairs, start=None, **kwargs):
    start = start or timezone.now() - datetime.timedelta(days=330)
    return history(practice, "ecr-r", [ecr_answers(a, v) for a, v in pairs], start, **kwargs)


def make_report(client, requested_by, **fields) -> Report:
    today = timezone.localdate()
    defaults = {
        "practice": client.practice,
        "client": client,
        "requested_by": requested_by,
        "period_start": today - datetime.timedelta(days=365),
        "period_end": today,
    }
    return Report.objects.create(**(defaults | fields))


def pdf_reader(report: Report) -> pypdf.PdfReader:
    report.refresh_from_db()
    assert report.status == Report.Status.READY, (report.status, report.error_message)
    with default_storage.open(report.file_name, "rb") as stored:
        return pypdf.PdfReader(io.BytesIO(stored.read()))


def pdf_text(report: Report) -> str:
    """The PDF's text, pages joined, whitespace runs collapsed to single spaces."""
    reader = pdf_reader(report)
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def stored_files(report: Report) -> list[str]:
    directory = f"reports/{report.practice_id}/{report.pk}"
    try:
        return default_storage.listdir(directory)[1]
    except FileNotFoundError:
        return []


@pytest.fixture
def media(settings, tmp_path):
    """Reports stored in a temporary media root of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def ready_report(client, requested_by, content_bytes=b"%PDF-1.7 a stored report", **fields):
    """A ready report with a small file in the default storage, without rendering one."""
    report = make_report(client, requested_by, **fields)
    name = default_storage.save(
        f"reports/{report.practice_id}/{report.pk}/stored.pdf", ContentFile(content_bytes)
    )
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.READY,
        progress=100,
        file_name=name,
        file_size=len(content_bytes),
        page_count=1,
        finished_at=timezone.now(),
        attempts=1,
    )
    report.refresh_from_db()
    return report


def permission_world(erin, bob, alice) -> dict:
    """What tests/test_permissions.py needs: Bob's reports about Erin, Alice's batch."""
    from clients.models import ReportBatch

    failed = make_report(erin, bob)
    Report.objects.filter(pk=failed.pk).update(
        status=Report.Status.FAILED, error_message="It went wrong.", finished_at=timezone.now()
    )
    batch = ReportBatch.objects.create(practice=erin.practice, requested_by=alice, scope="All")
    make_report(erin, alice, batch=batch)
    ready_report(erin, alice, batch=batch)  # so the batch has something to download
    return {
        "erin_report": make_report(erin, bob),
        "erin_failed_report": failed,
        "erin_ready_report": ready_report(erin, bob),
        "a_batch": batch,
    }
