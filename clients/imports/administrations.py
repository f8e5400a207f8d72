"""Past administrations of one instrument from CSV: answers given on paper or in another tool.

One row per administration: ``client`` (the client's reference, or their Attune id), ``date``
(YYYY-MM-DD, the day it was answered) and ``item_<n>`` for each item's answer. Each row is
checked against the instrument's definition (every answer on its item's scale, every required
item answered) and against the practice's records (a client you can see; not the same
administration twice), and invalid rows are listed with what is wrong, never guessed.

Valid rows are stored by ``assessments.services.import_response``, the same path as a FHIR
import: scored by the same engine as an online submission, with the same summary, alerts and
audit, dated at midday on ``date`` in the client's time zone so the trajectory shows that day.
The page that calls ``save_rows`` refreshes each client's dashboard row afterwards.
"""

import datetime
import uuid
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from assessments import scoring
from assessments.models import Instrument, Response
from assessments.services import instruments as instrument_service
from assessments.services.responses import answer_problems, import_response
from clients.imports import csvfile
from clients.models import Client

MAX_ROWS = 1_000
"""Saved in the request (about 20 ms a row), so a full file stays well inside the web server's
timeout; larger histories go in several files."""
ITEM_PREFIX = "item_"
NO_CLIENT = gettext_noop("Client: no client you can see has this reference.")


def columns(instrument: Instrument) -> list[str]:
    items = instrument.current_version.definition["items"]
    return ["client", "date", *[f"{ITEM_PREFIX}{item['number']}" for item in items]]


def template(instrument: Instrument) -> str:
    """The header and one example row (every scored item at its scale's lowest answer)."""
    definition = instrument.current_version.definition
    example = ["A-1001", "2025-01-15"]
    for item in definition["items"]:
        example.append(
            "" if item["type"] == "text" else str(scoring.item_scale(definition, item)["min"])
        )
    return csvfile.template(columns(instrument), example)


def parse(instrument: Instrument, data: bytes) -> csvfile.Table:
    return csvfile.parse(
        data, columns=columns(instrument), required=["client", "date"], max_rows=MAX_ROWS
    )


@dataclass
class Row:
    """One row: the client and date it is about, its answers, the engine's result, the errors."""

    number: int
    client: Client | None = None
    date: datetime.date | None = None
    answers: dict = field(default_factory=dict)
    result: dict | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def answered_at(client: Client, day: datetime.date) -> datetime.datetime:
    """Midday of ``day`` in the client's time zone: the moment an administration of that day is
    stored at, so every view that shows local dates shows ``day``."""
    zone = zoneinfo.ZoneInfo(client.effective_time_zone)
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=zone)


def _key(client_id, day, answers: dict) -> tuple:
    return (client_id, day, tuple(sorted((int(n), v) for n, v in answers.items())))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class _Checker:
    def __init__(self, user, instrument: Instrument, rows):
        self.instrument = instrument
        self.definition = instrument.current_version.definition
        refs = {values.get("client", "") for _, values in rows} - {""}
        ids = [ref for ref in refs if _is_uuid(ref)]
        found = Client.objects.visible_to(user).filter(
            Q(external_reference__in=refs) | Q(pk__in=ids)
        )
        self.clients: dict[str, Client] = {}
        for client in found.select_related("practice"):
            self.clients[str(client.pk)] = client
            if client.external_reference:
                self.clients[client.external_reference] = client
        self.seen: dict[tuple, int] = {}
        for response in Response.objects.filter(
            instrument=instrument, client__in=set(self.clients.values())
        ).select_related("client__practice"):
            zone = zoneinfo.ZoneInfo(response.client.effective_time_zone)
            day = response.submitted_at.astimezone(zone).date()
            self.seen[_key(response.client_id, day, response.answers)] = 0
        self.today = timezone.localdate()

    def check(self, number: int, values: dict[str, str]) -> Row:
        row = Row(number)
        reference = values.get("client", "")
        row.client = self.clients.get(reference)
        if not reference:
            row.errors.append(gettext("Client: enter the client's reference."))
        elif row.client is None:
            row.errors.append(gettext(NO_CLIENT))
        self._date(values.get("date", ""), row)
        row.answers = {
            int(name.removeprefix(ITEM_PREFIX)): value
            for name, value in values.items()
            if name.startswith(ITEM_PREFIX) and value != ""
        }
        problems = answer_problems(self.definition, row.answers)
        row.errors.extend(text[:1].upper() + text[1:] for _number, text in problems)
        if problems or not row.ok:
            return row
        row.answers = scoring.normalise_answers(self.definition, row.answers)
        key = _key(row.client.pk, row.date, row.answers)
        if key in self.seen:
            earlier = self.seen[key]
            row.errors.append(
                gettext("Duplicate: the same answers on the same day as row %(row)s.")
                % {"row": earlier}
                if earlier
                else gettext("Already imported: this client has the same answers on this day.")
            )
            return row
        self.seen[key] = number
        row.result = instrument_service.score_answers(
            row.client.practice, self.instrument, row.answers
        )
        return row

    def _date(self, value: str, row: Row) -> None:
        if not value:
            row.errors.append(gettext("Date: enter the day it was answered, as YYYY-MM-DD."))
            return
        try:
            row.date = datetime.date.fromisoformat(value)
        except ValueError:
            row.errors.append(gettext("Date: write the date as YYYY-MM-DD, e.g. 2025-01-15."))
            return
        if row.date > self.today:
            row.errors.append(gettext("Date: the day is in the future."))
        elif row.date.year < 1900:
            row.errors.append(gettext("Date: check the year."))


def check_rows(table: csvfile.Table, user, instrument: Instrument) -> list[Row]:
    """Every row checked for ``user`` (only clients they can see); nothing is saved."""
    checker = _Checker(user, instrument, table.rows)
    return [checker.check(number, values) for number, values in table.rows]


def save_rows(rows: list[Row], instrument: Instrument, *, request=None) -> list[Response]:
    """Store each valid row as the client's response (in the caller's transaction)."""
    return [
        import_response(
            row.client,
            instrument,
            row.answers,
            submitted_at=answered_at(row.client, row.date),
            source=Response.Source.CSV,
            request=request,
        )
        for row in rows
        if row.ok
    ]
