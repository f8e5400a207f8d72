"""FHIR R4 in and out: a client's record as a Bundle, instruments as Questionnaires, and imports
of QuestionnaireResponses and Questionnaires from other systems.

Resources are plain JSON dictionaries built from the instrument definitions (data, not code:
LOINC codes come from the files' optional ``codings``), and every one that leaves or enters is
checked with the ``fhir.resources`` R4B models. R4B is R4's technical correction release; for
Patient, Questionnaire, QuestionnaireResponse, Observation and Bundle it is wire-compatible with
R4 (4.0.1), so what passes is valid R4.

- ``codes``: the code systems, extensions and canonical URLs Attune uses;
- ``questionnaires``: an instrument version as a Questionnaire, and a Questionnaire as an
  instrument definition (within what the instrument schema can express);
- ``responses``: a stored response as a QuestionnaireResponse and its scores as Observations,
  and an incoming QuestionnaireResponse's answers mapped onto an instrument's items;
- ``bundles``: a collection Bundle whose references all resolve inside it;
- ``validation``: the R4B model check;
- ``services``: the operations the pages and the API call (scoped, audited).

The pure modules take and return dictionaries; only ``services`` touches the database.
"""
