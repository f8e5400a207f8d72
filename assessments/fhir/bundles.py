"""A client's record as a FHIR ``collection`` Bundle whose references all resolve inside it.

Every entry's ``fullUrl`` is ``urn:uuid:<id>`` and its resource's ``id`` is the same UUID,
derived from what the resource is about (``resource_id("response", 42)``), so exporting the same
record twice gives the same ids. References between entries (subject, patient, derivedFrom, an
Observation's episode of care) use those ``urn:uuid`` URLs; a QuestionnaireResponse names its Questionnaire by canonical URL and version,
and that Questionnaire is in the Bundle too.
"""

from __future__ import annotations

import uuid

from assessments.fhir import codes

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, codes.BASE)


def resource_id(kind: str, *parts) -> str:
    """A stable UUID for the resource of ``kind`` about ``parts`` (database ids, keys)."""
    return str(uuid.uuid5(NAMESPACE, "/".join([kind, *(str(part) for part in parts)])))


def full_url(identifier: str) -> str:
    return f"urn:uuid:{identifier}"


def build_patient(client_id, reference: str = "", language: str = "") -> dict:
    """The client as a minimal Patient: identifiers (Attune's id for the client and the
    practice's own reference when it has one) and, when given, the language they read their
    questionnaires in (``communication``, a BCP 47 code); no name, e-mail or date of birth."""
    identifiers = [{"system": codes.CLIENTS_SYSTEM, "value": str(client_id)}]
    if reference:
        identifiers.append({"system": codes.CLIENT_REFERENCES_SYSTEM, "value": reference})
    patient = {
        "resourceType": "Patient",
        "id": resource_id("patient", client_id),
        "identifier": identifiers,
    }
    if language:
        patient["communication"] = [
            {
                "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": language}]},
                "preferred": True,
            }
        ]
    return patient


def build_episode_of_care(episode_id, *, patient: str, start: str, end: str | None) -> dict:
    """One episode of care of the Patient ``patient`` (a reference): ``finished`` with an
    ``end``, ``active`` while open. Why it ended has no element in R4's EpisodeOfCare and is
    left out."""
    period = {"start": start, **({"end": end} if end else {})}
    return {
        "resourceType": "EpisodeOfCare",
        "id": resource_id("episode", episode_id),
        "status": "finished" if end else "active",
        "patient": {"reference": patient},
        "period": period,
    }


def build_bundle(resources: list[dict], *, bundle_id: str, timestamp: str) -> dict:
    """``resources`` (each with a UUID ``id``) as a collection Bundle."""
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "type": "collection",
        "timestamp": timestamp,
        "entry": [
            {"fullUrl": full_url(resource["id"]), "resource": resource} for resource in resources
        ],
    }
