"""The FHIR operations the pages and the API call: scoped, audited, validated.

- ``client_bundle``: a client's record as a Bundle (audited as a read of the record);
- ``instrument_questionnaire``: an instrument's current version as a Questionnaire;
- ``import_questionnaire_response``: a QuestionnaireResponse answered in another system, stored
  as the client's response through the same service as an online submission;
- ``import_questionnaire``: a Questionnaire as a custom instrument, through the same checks and
  storage as an uploaded file.

Callers look the client up through ``Client.objects.get_visible`` / ``visible_to`` (404 outside
scope) and, after an import, refresh the client's dashboard row (the dashboard sits above).
"""

from __future__ import annotations

import datetime
import json
import zoneinfo

from django.utils import timezone

from assessments import loader
from assessments import services as assessment_services
from assessments.fhir import bundles, codes, validation
from assessments.fhir.questionnaires import build_questionnaire, definition_from_questionnaire
from assessments.fhir.responses import (
    build_observations,
    build_questionnaire_response,
    read_answers,
)
from assessments.fhir.validation import FhirProblem
from assessments.models import Instrument, InstrumentVersion, Response
from assessments.services.responses import IncompleteSubmission
from assessments.trajectory.episodes import episode_indexes
from clients.models import Episode, episode_starts
from practice import audit
from practice.models import AuditAction

FHIR_JSON = "application/fhir+json"
EARLIEST_YEAR = 1900


def _instant(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def version_questionnaire(instrument: Instrument, version: InstrumentVersion) -> dict:
    return build_questionnaire(
        version.definition,
        version.number,
        resource_id=bundles.resource_id("questionnaire", instrument.pk, version.number),
    )


def _episode_of_care(episode, subject: str) -> dict:
    return bundles.build_episode_of_care(
        episode.pk,
        patient=subject,
        start=_instant(episode.started_at),
        end=_instant(episode.ended_at) if episode.ended_at else None,
    )


def client_bundle(request, client) -> dict:
    """Every response of ``client`` (loaded through ``visible_to``) as a collection Bundle: the
    Patient, their episodes of care, a Questionnaire per instrument version answered, a
    QuestionnaireResponse per administration and an Observation per score, which names its
    episode of care (``codes.EPISODE_OF_CARE_EXTENSION``; the episode it falls in as the
    trajectories judge it). Validated before it leaves; audited as a view of the record."""
    responses = list(
        Response.objects.of_client(request.user, client)
        .select_related("instrument", "instrument_version")
        .order_by("submitted_at", "pk")
    )
    patient = bundles.build_patient(client.pk, client.external_reference, client.language)
    subject = bundles.full_url(patient["id"])
    rows = list(Episode.objects.filter(client=client).order_by("started_at", "pk"))
    episodes = [_episode_of_care(episode, subject) for episode in rows]
    in_episode = episode_indexes(
        [{"submitted_at": response.submitted_at} for response in responses],
        episode_starts(rows),
    )
    questionnaires: dict[int, dict] = {}
    records: list[dict] = []
    for response, index in zip(responses, in_episode, strict=True):
        version = response.instrument_version
        if version.pk not in questionnaires:
            questionnaires[version.pk] = version_questionnaire(response.instrument, version)
        answered = build_questionnaire_response(
            version.definition,
            version.number,
            response.answers,
            resource_id=bundles.resource_id("response", response.pk),
            subject=subject,
            authored=_instant(response.submitted_at),
        )
        records.append(answered)
        records.extend(
            build_observations(
                version.definition,
                response.result,
                resource_ids={
                    subscale["key"]: bundles.resource_id("score", response.pk, subscale["key"])
                    for subscale in version.definition.get("scoring", {}).get("subscales", [])
                },
                subject=subject,
                derived_from=bundles.full_url(answered["id"]),
                effective=_instant(response.submitted_at),
                episode=bundles.full_url(episodes[index]["id"]) if episodes else "",
            )
        )
    now = timezone.now()
    bundle = bundles.build_bundle(
        [patient, *episodes, *questionnaires.values(), *records],
        bundle_id=bundles.resource_id("bundle", client.pk, now.isoformat()),
        timestamp=_instant(now),
    )
    validation.validate(bundle)
    audit.record(request, AuditAction.VIEW, client)
    return bundle


def instrument_questionnaire(instrument: Instrument) -> dict:
    """The instrument's current version as a Questionnaire, validated."""
    return validation.validate(version_questionnaire(instrument, instrument.current_version))


# --- Importing a QuestionnaireResponse ----------------------------------------------------------


def _instrument_for(practice, response: dict, code: str | None) -> Instrument:
    """The instrument the response answers: ``code`` if given, else its ``questionnaire``
    canonical (Attune's URL, or one ending in a panel code an instrument's file gives)."""
    available = Instrument.objects.available_to(practice).select_related("current_version")
    if code:
        instrument = available.filter(code=code).first()
        if instrument is None:
            raise FhirProblem([f"there is no instrument {code[:40]!r}"])
        return instrument
    canonical = (response.get("questionnaire") or "").split("|", 1)[0]
    if canonical.startswith(codes.QUESTIONNAIRE_BASE):
        instrument = available.filter(code=canonical.removeprefix(codes.QUESTIONNAIRE_BASE)).first()
        if instrument is not None:
            return instrument
    tail = canonical.rstrip("/").rsplit("/", 1)[-1]
    matches = [
        instrument
        for instrument in available.filter(current_version__isnull=False)
        if tail in {entry["code"] for entry in instrument.definition.get("codings", [])}
    ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise FhirProblem(
            [
                f"say which instrument this response answers: {tail!r} is the code of "
                + ", ".join(sorted(instrument.code for instrument in matches))
            ]
        )
    raise FhirProblem(
        [
            "say which instrument this response answers: its questionnaire "
            f"({canonical[:120] or 'none given'}) is not one Attune knows"
        ]
    )


def _authored(response, client) -> datetime.datetime:
    authored = response.authored
    if authored is None:
        raise FhirProblem(["authored: say when the questionnaire was answered"])
    if not isinstance(authored, datetime.date):  # FHIR allows a year or a month alone
        raise FhirProblem(["authored: give the day it was answered (YYYY-MM-DD) at least"])
    if authored.year < EARLIEST_YEAR:
        raise FhirProblem([f"authored: a date before {EARLIEST_YEAR} is not a real answer"])
    if not isinstance(authored, datetime.datetime):
        # A date alone: midday in the client's time zone, so the local date stays that date.
        authored = datetime.datetime.combine(
            authored, datetime.time(12), tzinfo=zoneinfo.ZoneInfo(client.effective_time_zone)
        )
    if authored > timezone.now():
        raise FhirProblem(["authored: the questionnaire cannot have been answered in the future"])
    return authored.astimezone(datetime.UTC)


def _refuse_a_second_copy(request, client, instrument, answers, authored) -> None:
    """The same answers to the same instrument at the same moment are the same administration:
    importing a file twice (a double submit, an export imported back) must not count it twice."""
    stored = {str(number): value for number, value in answers.items()}
    for earlier in Response.objects.of_client(request.user, client).filter(
        instrument=instrument, submitted_at=authored
    ):
        if earlier.answers == stored:
            raise FhirProblem(
                [
                    f"this response is already stored (response {earlier.pk}, the same answers "
                    "given at the same time)"
                ]
            )


def import_questionnaire_response(
    request, client, resource, *, instrument_code: str | None = None
) -> Response:
    """Store ``resource`` (a QuestionnaireResponse as JSON) as a response of ``client`` dated
    ``authored``: validated with the R4B model, mapped onto the instrument's questions
    (``responses.read_answers``), refused if the client already has it (the same answers at the
    same time), then checked, scored, audited and alerted by
    ``services.import_response`` exactly as an online submission. Raises ``FhirProblem`` naming
    each item that cannot be used; ``InstrumentNotUsable`` if the licence is not acknowledged.
    The caller refreshes the client's dashboard row."""
    model = validation.model(resource, "QuestionnaireResponse")
    if model.status not in ("completed", "amended"):
        raise FhirProblem(
            [f"status: only a completed response can be imported, not {model.status!r}"]
        )
    instrument = _instrument_for(client.practice, resource, instrument_code)
    assessment_services.require_usable(client.practice, instrument)
    answers = read_answers(instrument.definition, resource)
    authored = _authored(model, client)
    _refuse_a_second_copy(request, client, instrument, answers, authored)
    try:
        return assessment_services.import_response(
            client,
            instrument,
            answers,
            submitted_at=authored,
            source=Response.Source.FHIR,
            request=request,
        )
    except IncompleteSubmission as error:
        raise FhirProblem([problem.message for problem in error.problems]) from None


# --- Importing a Questionnaire ------------------------------------------------------------------


def import_questionnaire(request, practice, resource) -> list[Instrument]:
    """A Questionnaire (JSON) as a custom instrument of ``practice``: read as far as the schema
    can express it (``definition_from_questionnaire``), then checked and stored exactly like an
    uploaded definition file (``services.add_custom_instruments``), unusable until an owner
    acknowledges its licence note. Raises ``FhirProblem`` or ``loader.InstrumentFileError``."""
    validation.model(resource, "Questionnaire")
    definition = definition_from_questionnaire(resource)
    source = f"{definition['code']}.fhir.json"
    text = json.dumps(definition, indent=1, ensure_ascii=False)
    return assessment_services.add_custom_instruments(
        request, practice, loader.load_text(text, source), source, text
    )


__all__ = [
    "FHIR_JSON",
    "FhirProblem",
    "client_bundle",
    "import_questionnaire",
    "import_questionnaire_response",
    "instrument_questionnaire",
]
