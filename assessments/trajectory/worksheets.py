"""A client's worksheets side by side over time: every unscored questionnaire (the
limiting-beliefs, support-figures and safety-plan worksheets and any free-text sheet a practice
adds) with each submission's answers by date, for the clinician's progress page. Free text is
shown to the clinician only; reports and the dashboard never carry it."""

import datetime
import zoneinfo
from dataclasses import dataclass

from assessments.models import Response

from .numbers import scored_subscales


@dataclass
class WorksheetQuestion:
    number: int
    text: str
    answers: list[str]  # one per submission, in the order of ``Worksheet.dates``; "" unanswered


@dataclass
class Worksheet:
    code: str
    name: str
    dates: list[datetime.date]  # newest first, in the client's time zone
    questions: list[WorksheetQuestion]  # questions nobody answered are left out

    @property
    def latest(self) -> datetime.date:
        return self.dates[0]


def client_worksheets(
    user,
    client,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> list[Worksheet]:
    """Every worksheet ``client`` submitted from ``start`` to ``end`` (local dates, inclusive;
    by default all), newest submission first, answers lined up by question so the same question
    reads across the dates. Questions take the wording of the latest version that has them (a
    new version of a worksheet keeps its item numbers' meaning). Responses are read through
    ``Response.objects.of_client(user, client)``; one query."""
    zone = zoneinfo.ZoneInfo(client.effective_time_zone)
    responses = Response.objects.of_client(user, client).filter(
        instrument_version__definition__scoring__isnull=True
    )
    if start is not None:
        responses = responses.filter(
            submitted_at__gte=datetime.datetime.combine(start, datetime.time(), zone)
        )
    if end is not None:
        responses = responses.filter(
            submitted_at__lt=datetime.datetime.combine(
                end + datetime.timedelta(days=1), datetime.time(), zone
            )
        )
    found = responses.select_related("instrument", "instrument_version").order_by(
        "-submitted_at", "-pk"
    )
    grouped: dict[int, list[Response]] = {}
    for response in found:
        if not scored_subscales(response.instrument_version.definition):
            grouped.setdefault(response.instrument_id, []).append(response)
    worksheets = []
    for submissions in grouped.values():
        texts: dict[int, str] = {}
        for response in reversed(submissions):  # oldest first: the latest wording wins
            for item in response.instrument_version.definition["items"]:
                texts[item["number"]] = item["text"]
        questions = []
        for number in sorted(texts):
            answers = [
                str((response.answers or {}).get(str(number)) or "").strip()
                for response in submissions
            ]
            if any(answers):
                questions.append(WorksheetQuestion(number, texts[number], answers))
        latest = submissions[0].instrument_version.definition
        worksheets.append(
            Worksheet(
                code=submissions[0].instrument.code,
                name=latest["name"],
                dates=[r.submitted_at.astimezone(zone).date() for r in submissions],
                questions=questions,
            )
        )
    return sorted(worksheets, key=lambda sheet: sheet.latest, reverse=True)
