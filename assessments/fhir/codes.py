"""The code systems, extensions and canonical URLs of Attune's FHIR resources.

Attune's own URIs live under ``https://attune.example/fhir/`` (``.example`` is reserved, so the
URIs are stable names that never resolve to someone else's server):

- ``CodeSystem/scores``: a score with no standard code, coded ``<instrument>/<subscale>``
  (``ecr-r/anxiety``); a score whose file gives a LOINC code (the PHQ-9 total, 44261-6) uses it;
- ``CodeSystem/scale-points``: an answer with no standard code, coded by its value on the
  question's own scale (``"3"``), its label as the display; coded answers (LOINC LA codes) use
  their own code. Either way the ordinalValue extension carries the value the engine scores;
- ``Questionnaire/<instrument code>``: each instrument's canonical URL, versioned by Attune's
  version number (``|3``);
- ``instruments``: the identifier system of an instrument code;
- ``clients``: the identifier system of a client's id in Attune (``client-references`` for the
  practice's own reference, when it has one);
- ``StructureDefinition/instrument-definition``: what the instrument schema says and FHIR has
  no element for (scoring keys, bands, alerts, citations...), as JSON in a valueString, on a
  Questionnaire and on each of its items; ``StructureDefinition/citation``: a citation, for a
  Questionnaire written by hand.
"""

BASE = "https://attune.example/fhir"
SCORES_SYSTEM = f"{BASE}/CodeSystem/scores"
SCALE_POINTS_SYSTEM = f"{BASE}/CodeSystem/scale-points"
INSTRUMENTS_SYSTEM = f"{BASE}/instruments"
CLIENTS_SYSTEM = f"{BASE}/clients"
CLIENT_REFERENCES_SYSTEM = f"{BASE}/client-references"
QUESTIONNAIRE_BASE = f"{BASE}/Questionnaire/"

# Extensions of our own: what a Questionnaire cannot say in FHIR's elements.
DEFINITION_EXTENSION = f"{BASE}/StructureDefinition/instrument-definition"  # valueString, JSON
CITATION_EXTENSION = f"{BASE}/StructureDefinition/citation"  # valueString

# HL7's extensions and code systems.
ORDINAL_VALUE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
ITEM_WEIGHT_EXTENSION = "http://hl7.org/fhir/StructureDefinition/itemWeight"  # older name
# The core extension for "the episode(s) of care that establish the context": R4 defines
# Observation.encounter but no episodeOfCare element, and lists Observation among this
# extension's contexts. A QuestionnaireResponse gets none (not among its R4 contexts); it is
# tied to its episode through the Observations derived from it.
EPISODE_OF_CARE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare"
OBSERVATION_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
UCUM = "http://unitsofmeasure.org"


def questionnaire_url(code: str) -> str:
    return QUESTIONNAIRE_BASE + code


def canonical(code: str, version: int) -> str:
    """``url|version``: how a QuestionnaireResponse names the Questionnaire it answers."""
    return f"{questionnaire_url(code)}|{version}"


def coding(entry: dict) -> dict:
    """A definition's ``coding`` entry as a FHIR Coding (the same three fields)."""
    return {key: entry[key] for key in ("system", "code", "display") if key in entry}
