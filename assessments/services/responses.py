"""Submitting a packet, scoring it and raising alerts (what follows an alert: notices,
escalation, acknowledgement, is in ``services.alerts``).

``submit_packet()`` runs in one transaction: it checks every required answer, stores each
questionnaire's raw answers with the instrument version they were given on, scores them with the
engine, updates the per-client summary rows, and raises the instrument's alert rules. The
clinician's alert e-mail (``alerts.notify_clinician``) is queued only once that transaction
commits, and a failure there never touches the alert itself: the alert is on the dashboard either
way.

The dashboard sits above this layer, so nothing here refreshes its rows: the questionnaire page
that submits refreshes the client's row after the service, in the request's transaction
(``practice.dashboard.progress.refresh_client_progress``).
"""

import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from assessments import scoring
from assessments.models import Alert, ClientInstrumentSummary, Packet, PacketItem, Response
from assessments.services import instruments as instrument_service
from assessments.services.alerts import notify_clinician
from assessments.services.packets import PacketClosed, packet_items
from practice import audit, webhooks
from practice.models import AuditAction

logger = logging.getLogger(__name__)

# An alert rule in words, one whole sentence per operator so a translator can order it.
_ITEM_RULES = {
    ">": gettext_noop("Item %(item)s answered above %(value)s"),
    ">=": gettext_noop("Item %(item)s answered at or above %(value)s"),
    "<": gettext_noop("Item %(item)s answered below %(value)s"),
    "<=": gettext_noop("Item %(item)s answered at or below %(value)s"),
    "==": gettext_noop("Item %(item)s answered exactly %(value)s"),
}
_SCORE_RULES = {
    ">": gettext_noop("%(score)s score above %(value)s"),
    ">=": gettext_noop("%(score)s score at or above %(value)s"),
    "<": gettext_noop("%(score)s score below %(value)s"),
    "<=": gettext_noop("%(score)s score at or below %(value)s"),
    "==": gettext_noop("%(score)s score exactly %(value)s"),
}


@dataclass(frozen=True)
class Problem:
    """Something that stops a submission: which questionnaire and question, and why."""

    position: int  # the questionnaire's position in the packet
    number: int | None  # the question's number, or None for the questionnaire as a whole
    message: str


class IncompleteSubmission(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s)")


def _answers(item: PacketItem) -> dict[int, object]:
    return {int(number): value for number, value in item.draft_answers.items()}


def _unanswered(definition: dict, answers: dict) -> list[tuple[int | None, str]]:
    if not answers:
        return [(None, _("This questionnaire has no answers yet."))]
    return [
        (
            question["number"],
            _("Question %(number)s is not answered.") % {"number": question["number"]},
        )
        for question in definition["items"]
        if question.get("required", True) and question["number"] not in answers
    ]


def answer_problems(definition: dict, answers: dict) -> list[tuple[int | None, str]]:
    """What stops ``answers`` being stored as a response, as (question number or None, message):
    each answer the engine cannot read, else each required question left unanswered."""
    try:
        clean = scoring.normalise_answers(definition, answers)
    except scoring.AnswerError as error:
        return [(None, text) for text in error.problems]
    return _unanswered(definition, clean)


def check_answers(items: list[PacketItem]) -> list[Problem]:
    """Every required question answered, every answer valid, nothing left blank."""
    problems = []
    for item in items:
        definition = item.definition
        answers = _answers(item)
        try:
            scoring.normalise_answers(definition, answers)
        except scoring.AnswerError:
            problems.append(
                Problem(
                    item.position, None, _("Some answers could not be read; please check them.")
                )
            )
            continue
        problems.extend(
            Problem(item.position, number, text)
            for number, text in _unanswered(definition, answers)
        )
    return problems


def rule_label(definition: dict, key: str) -> str:
    """The alert rule as the file states it, in words in the active language: "Item 9
    answered above 0"."""
    for rule in definition.get("alerts", []):
        if rule["key"] == key:
            if "item" in rule:
                sentence, values = _ITEM_RULES, {"item": rule["item"]}
            else:
                labels = {s["key"]: s["label"] for s in definition.get("scoring", {})["subscales"]}
                sentence = _SCORE_RULES
                values = {"score": labels.get(rule["subscale"], rule["subscale"])}
            return _(sentence[rule["operator"]]) % {**values, "value": rule["value"]}
    return key


def _summary_fields(result: dict) -> dict:
    subscales = result.get("subscales") or {}
    style = result.get("style") or {}
    return {
        "status": result["status"],
        "total": result.get("total"),
        "band": result.get("band") or "",
        "scores": {
            key: {"label": value["label"], "score": value["score"], "band": value["band"]}
            for key, value in subscales.items()
        },
        "quadrant": style.get("quadrant") or "",
    }


def update_summary(client, instrument) -> ClientInstrumentSummary:
    """Recompute the client's baseline (first complete), previous and latest responses on the
    instrument. Called in the submitting transaction, so the row never lags the responses."""
    responses = Response.objects.filter(client=client, instrument=instrument)
    newest = list(responses.order_by("-submitted_at", "-pk")[:2])
    baseline = responses.filter(status="complete").order_by("submitted_at", "pk").first()
    summary, _ = ClientInstrumentSummary.objects.update_or_create(
        client=client,
        instrument=instrument,
        defaults={
            "practice_id": client.practice_id,
            "baseline": baseline,
            "latest": newest[0] if newest else None,
            "previous": newest[1] if len(newest) > 1 else None,
            "responses_count": responses.count(),
        },
    )
    return summary


def record_response(
    client,
    instrument,
    version,
    answers: dict[int, object],
    *,
    submitted_at,
    request=None,
    packet_item: PacketItem | None = None,
    source: str = Response.Source.ONLINE,
) -> tuple[Response, list[Alert]]:
    """Score ``answers`` on ``version``, store them as the client's response dated
    ``submitted_at``, update the client's summary row and raise the instrument's alert rules,
    each audited. The one way a response is stored, online or imported; runs inside the
    caller's transaction, which queues the clinician's notice (``notify_clinician``) on commit.
    """
    result = instrument_service.score_answers(client.practice, instrument, answers, version=version)
    response = Response.objects.create(
        practice=client.practice,
        client=client,
        packet_item=packet_item,
        source=source,
        instrument=instrument,
        instrument_version=version,
        answers={str(number): value for number, value in sorted(answers.items())},
        result=result,
        submitted_at=submitted_at,
        **_summary_fields(result),
    )
    update_summary(client, instrument)
    audit.record(request, AuditAction.CREATE, response, fields=["answers", "result"])
    alerts = []
    for raised in result["alerts"]:
        # Kept for the clinicians, in the site's language, whatever the client answers in.
        with translation.override(settings.LANGUAGE_CODE):
            label = rule_label(version.definition, raised["key"])
        alert = Alert.objects.create(
            practice=client.practice,
            client=client,
            response=response,
            rule_key=raised["key"],
            rule_label=label,
            guidance=raised.get("message", ""),
            raised_at=submitted_at,
        )
        audit.record(request, AuditAction.CREATE, alert, fields=["rule_key"])
        webhooks.emit(
            client.practice_id,
            webhooks.ALERT_RAISED,
            alert_id=alert.pk,
            client_id=client.pk,
            response_id=response.pk,
            raised_at=submitted_at,
        )
        alerts.append(alert)
    return response, alerts


def _store(packet: Packet, item: PacketItem, now, request) -> tuple[Response, list[Alert]]:
    PacketItem.objects.filter(pk=item.pk).update(completed=True)
    return record_response(
        packet.client,
        item.instrument,
        item.instrument_version,
        _answers(item),
        submitted_at=now,
        request=request,
        packet_item=item,
        source=Response.Source.IN_SESSION if packet.in_session else Response.Source.ONLINE,
    )


def _queue_notice(alerts: list[Alert]) -> None:
    if alerts:
        transaction.on_commit(partial(notify_clinician, [a.pk for a in alerts]), robust=True)


@transaction.atomic
def import_response(
    client, instrument, answers: dict[int, object], *, submitted_at, source, request=None
) -> Response:
    """Store a response answered in another system (``source``: FHIR, CSV) as if submitted
    online on ``submitted_at``: the same checks as a submission (every required question
    answered, every answer on its scale: ``IncompleteSubmission`` naming each), the same
    scoring, summary, audit and alerts, and the clinician's notice queued on commit. The
    instrument's current version is used. The caller checks the instrument is usable and
    refreshes the client's dashboard row afterwards (``refresh_client_progress``)."""
    version = instrument.current_version
    problems = answer_problems(version.definition, answers)
    if problems:
        raise IncompleteSubmission([Problem(1, number, text) for number, text in problems])
    response, alerts = record_response(
        client,
        instrument,
        version,
        scoring.normalise_answers(version.definition, answers),
        submitted_at=submitted_at,
        request=request,
        source=source,
    )
    _queue_notice(alerts)
    return response


@transaction.atomic
def submit_packet(packet: Packet, *, request=None, now=None) -> list[Response]:
    """Store, score and alert on every questionnaire of the packet, all or nothing.

    Raises ``IncompleteSubmission`` (listing each unanswered required question) and stores
    nothing if any is missing, and ``PacketClosed`` if the packet is no longer open, which is
    also what a second, simultaneous submission gets: one packet item never has two responses.
    The practice's webhooks (``questionnaire.completed`` per questionnaire, ``alert.raised``
    per alert) are written in this transaction and sent after commit. A packet answered in
    session (``packet.in_session``) stores its responses with that source, otherwise alike. The
    clinician's alert
    notice is queued after commit (``notify_clinician``). The caller
    refreshes the client's dashboard row afterwards (``refresh_client_progress``).
    """
    now = now or timezone.now()
    packet = (
        Packet.objects.select_for_update(of=("self",))
        .select_related("practice", "client__practice", "client__primary_clinician")
        .filter(pk=packet.pk)
        .first()
    )
    if packet is None or packet.status not in Packet.OPEN_STATUSES or packet.expires_at <= now:
        raise PacketClosed
    items = packet_items(packet)
    problems = check_answers(items)
    if problems:
        raise IncompleteSubmission(problems)
    responses, alerts = [], []
    for item in items:
        response, raised = _store(packet, item, now, request)
        webhooks.emit(
            packet.practice_id,
            webhooks.QUESTIONNAIRE_COMPLETED,
            client_id=packet.client_id,
            packet_id=packet.pk,
            response_id=response.pk,
            submitted_at=now,
        )
        responses.append(response)
        alerts.extend(raised)
    packet.status, packet.completed_at, packet.next_reminder_at = (
        Packet.Status.COMPLETED,
        now,
        None,
    )
    packet.opened_at = packet.opened_at or now
    packet.save(update_fields=["status", "completed_at", "next_reminder_at", "opened_at"])
    audit.record(request, AuditAction.UPDATE, packet, fields=["status", "completed_at"])
    _queue_notice(alerts)
    return responses


def answer_rows(response: Response) -> list[dict]:
    """Each question of the version the client answered, with the answer and its label."""
    definition = response.instrument_version.definition
    rows = []
    for question in definition["items"]:
        value = response.answers.get(str(question["number"]))
        label = ""
        if question["type"] != "text" and value is not None:
            scale = scoring.item_scale(definition, question)
            label = {entry["value"]: entry["label"] for entry in scale.get("labels", [])}.get(
                value, ""
            )
        rows.append(
            {
                "number": question["number"],
                "text": question["text"],
                "type": question["type"],
                "answer": value,
                "label": label,
                "reverse": question.get("reverse", False),
            }
        )
    return rows
