"""What an archive holds and how it is written: a client's full record (right of access) or a
whole practice, as JSON (every stored field, Django's serialisation of the rows), CSV (the
answers and scores, spreadsheet-safe) and the PDFs of the reports still kept.

A client's record (the member names inside its folder):

- ``client.json``: the client's details, shares, episodes of care and the people named in the
  record;
- ``administrations.json``: every submitted questionnaire with its raw answers, each question's
  text and answer label, and the scoring engine's stored result;
- ``answers.csv`` and ``scores.csv``: the same answers one row per question, and the scores with
  the reliable-change numbers (``clients.exports.scores``);
- ``assignments.json``, ``alerts.json``: questionnaire schedules and safety alerts;
- ``notes.json``: session notes with every saved version and every addendum;
- ``reports.json`` and ``reports/<whose> - <audience> report - <last day>.pdf``: reports asked
  for and the PDFs kept (a second report of the same day and audience gets `` (2)`` before
  ``.pdf``, so unzipping never lets one report overwrite another).

A practice adds ``practice.json`` (the practice, its members and roles, note tags, its own
instruments with every version's definition, and its reliable-change settings), ``clients.csv``
(one row per client), ``scores.csv`` for the whole practice and a folder per client,
``clients/<client id>/``, holding that client's record as above.

Everything is read through ``user``'s scope, bound to the job's practice by the caller.
"""

import json
import shutil
import zipfile
from collections.abc import Callable, Iterable

from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder

from assessments.models import (
    Alert,
    Assignment,
    Instrument,
    InstrumentVersion,
    PracticeCitedValue,
    PracticeInstrumentSettings,
    Response,
)
from assessments.services.responses import answer_rows
from clients.exports import scores
from clients.exports.spreadsheet import csv_text
from clients.models import Client, NoteAddendum, NoteTag, Report, SessionNote, SessionNoteVersion
from clients.reports import storage
from practice.models import Membership, Practice, User

ANSWER_COLUMNS = (
    "administration_id",
    "instrument",
    "instrument_version",
    "submitted_at",
    "item",
    "question",
    "answer",
    "answer_label",
)
CLIENT_COLUMNS = (
    "client_id",
    "client_reference",
    "full_name",
    "preferred_name",
    "email",
    "date_of_birth",
    "pronouns",
    "time_zone",
    "language",
    "status",
    "primary_clinician",
    "created_at",
    "discharged_at",
)
README = """Attune export

JSON files hold every stored field of the rows they name ("model", "pk", "fields"), dates in
ISO 8601 (UTC). CSV files are UTF-8 with a header row; text cells that a spreadsheet would read
as a formula start with an apostrophe. scores.csv has one row per administration and subscale
with the reliable-change numbers Attune showed (baseline, change, RCI, critical value, margin),
judged within each episode of care (the episode column counts them from 1).
People are named by id in the rows; client.json and practice.json list who each id is.
"""


def _json(data) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)


def _rows(queryset, fields: Iterable[str] | None = None) -> list[dict]:
    """Every stored field of each row (or ``fields``), as Django serialises them."""
    options = {"fields": list(fields)} if fields else {}
    return serializers.serialize("python", queryset, **options)


def _people(user_ids: Iterable) -> list[dict]:
    return list(
        User.objects.filter(pk__in={pk for pk in user_ids if pk})
        .order_by("pk")
        .values("id", "full_name", "email")
    )


def write_client(archive: zipfile.ZipFile, user, client: Client, prefix: str = "") -> None:
    """Write ``client``'s full record into ``archive`` under ``prefix`` (found by the caller
    through ``Client.objects.visible_to(user)``)."""
    responses = list(
        Response.objects.of_client(user, client)
        .select_related("instrument", "instrument_version")
        .order_by("submitted_at", "pk")
    )
    notes = SessionNote.objects.of_client(user, client).order_by("started_at", "pk")
    versions = SessionNoteVersion.objects.filter(note__in=notes).order_by("note_id", "number")
    addenda = NoteAddendum.objects.filter(note__in=notes).order_by("note_id", "created_at")
    reports = list(Report.objects.of_client(user, client).order_by("requested_at", "pk"))
    shares = client.shares.order_by("pk")

    people = [client.primary_clinician_id, *(s.clinician_id for s in shares)]
    people += [n.author_id for n in notes] + [n.signed_by_id for n in notes]
    people += [a.author_id for a in addenda]
    archive.writestr(
        f"{prefix}client.json",
        _json(
            {
                "client": _rows([client])[0],
                "shares": _rows(shares),
                "episodes": _rows(client.episodes.order_by("started_at", "pk")),
                "people": _people(people),
            }
        ),
    )
    administrations, answers = [], []
    for response in responses:
        questions = answer_rows(response)
        entry = _rows([response])[0]
        entry["instrument_code"] = response.instrument.code
        entry["instrument_version_label"] = response.instrument_version.label
        entry["questions"] = questions
        administrations.append(entry)
        answers += [
            (
                response.pk,
                response.instrument.code,
                response.instrument_version.label,
                response.submitted_at.isoformat(),
                question["number"],
                question["text"],
                question["answer"],
                question["label"],
            )
            for question in questions
        ]
    archive.writestr(f"{prefix}administrations.json", _json(administrations))
    archive.writestr(f"{prefix}answers.csv", csv_text(ANSWER_COLUMNS, answers))
    clients = Client.objects.visible_to(user).filter(pk=client.pk)
    archive.writestr(
        f"{prefix}scores.csv", csv_text(scores.COLUMNS, scores.score_rows(user, clients))
    )
    archive.writestr(
        f"{prefix}assignments.json",
        _json(_rows(Assignment.objects.of_client(user, client).order_by("created_at", "pk"))),
    )
    archive.writestr(
        f"{prefix}alerts.json",
        _json(_rows(Alert.objects.of_client(user, client).order_by("raised_at", "pk"))),
    )
    archive.writestr(
        f"{prefix}notes.json",
        _json({"notes": _rows(notes), "versions": _rows(versions), "addenda": _rows(addenda)}),
    )
    archive.writestr(f"{prefix}reports.json", _json(_rows(reports)))
    taken: set[str] = set()
    for report in reports:
        opened = storage.open_file(report)
        if opened is None:
            continue
        name = _unique(report.download_name, taken)
        with opened, archive.open(f"{prefix}reports/{name}", "w") as member:
            shutil.copyfileobj(opened, member)


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``(3)``… before its extension when already in ``taken``."""
    stem, dot, extension = name.rpartition(".")
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{stem} ({number}){dot}{extension}"
    taken.add(candidate)
    return candidate


def _client_row(client: Client) -> tuple:
    return (
        str(client.pk),
        client.external_reference,
        client.full_name,
        client.preferred_name,
        client.email,
        client.date_of_birth.isoformat() if client.date_of_birth else "",
        client.pronouns,
        client.effective_time_zone,
        client.language,
        client.status,
        client.primary_clinician.email,
        client.created_at.isoformat(),
        client.discharged_at.isoformat() if client.discharged_at else "",
    )


def write_practice(
    archive: zipfile.ZipFile,
    user,
    practice: Practice,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> list:
    """Write everything ``practice`` holds into ``archive``; ``user`` is one of its owners.
    ``progress(done, total)`` is called after each client. Returns the ids of the clients
    written (for the audit log)."""
    instruments = Instrument.objects.filter(practice=practice).order_by("code")
    archive.writestr("README.txt", README)
    archive.writestr(
        "practice.json",
        _json(
            {
                "practice": _rows([practice])[0],
                "members": [
                    {
                        "user": m.user_id,
                        "full_name": m.user.full_name,
                        "email": m.user.email,
                        "role": m.role,
                        "is_active": m.is_active,
                    }
                    for m in Membership.objects.filter(practice=practice)
                    .select_related("user")
                    .order_by("pk")
                ],
                "note_tags": _rows(NoteTag.objects.filter(practice=practice).order_by("pk")),
                "instruments": _rows(instruments),
                "instrument_versions": _rows(
                    InstrumentVersion.objects.filter(instrument__in=instruments).order_by("pk")
                ),
                "instrument_settings": _rows(
                    PracticeInstrumentSettings.objects.filter(practice=practice).order_by("pk")
                ),
                "cited_values": _rows(
                    PracticeCitedValue.objects.filter(practice=practice).order_by("pk")
                ),
            }
        ),
    )
    clients = Client.objects.visible_to(user).filter(practice=practice)
    ordered = list(clients.select_related("primary_clinician", "practice").order_by("full_name"))
    archive.writestr("clients.csv", csv_text(CLIENT_COLUMNS, map(_client_row, ordered)))
    archive.writestr("scores.csv", csv_text(scores.COLUMNS, scores.score_rows(user, clients)))
    for done, client in enumerate(ordered, start=1):
        write_client(archive, user, client, prefix=f"clients/{client.pk}/")
        progress(done, len(ordered))
    return [client.pk for client in ordered]
