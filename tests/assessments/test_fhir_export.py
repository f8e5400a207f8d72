"""FHIR R4 out: the LOINC codes the instrument files carry, every instrument as a Questionnaire
(valid, and read back as the same definition), and a client's record as a Bundle that the
fhir.resources R4B models accept, whose references all resolve inside it; scoped and audited."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from assessments import loader
from assessments.fhir import codes, validation
from assessments.fhir.questionnaires import build_questionnaire, definition_from_questionnaire
from practice.models import AuditAction, AuditEvent
from tests.assessments.helpers import as_yaml, custom_definition, shipped, shipped_codes
from tests.practice.progress_helpers import day, ecr, phq9, respond

LOINC = "http://loinc.org"
ANSWERS = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
LOINC_CODES = {  # shared/reference/loinc.md
    "phq-9": {
        "panel": "44249-1",
        "items": [
            *("44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5"),
            *("44253-3", "44260-8"),
        ],
        "total": "44261-6",
    },
    "gad-7": {
        "panel": "69737-5",
        "items": ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"],
        "total": "70274-6",
    },
}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- The codes in the files ---------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(LOINC_CODES))
def test_the_phq9_and_gad7_files_carry_their_loinc_codes(code):
    definition, expected = shipped(code), LOINC_CODES[code]
    assert definition["codings"][0] | {"display": ""} == {
        "system": LOINC,
        "code": expected["panel"],
        "display": "",
    }
    item_codes = [item.get("codings", [{}])[0].get("code") for item in definition["items"]]
    assert item_codes[: len(expected["items"])] == expected["items"]
    labels = definition["scale"]["labels"]
    assert [(label["value"], label["coding"]["code"]) for label in labels] == list(
        enumerate(ANSWERS)
    )
    assert {label["coding"]["system"] for label in labels} == {LOINC}
    total = definition["scoring"]["subscales"][0]
    assert total["codings"] == [{"system": LOINC, "code": expected["total"]}]
    assert any(f"loinc.org/{expected['panel']}" in source for source in definition["sources"])


def test_a_code_naming_two_questions_or_two_answers_is_refused():
    items = custom_definition()["items"]
    items[0]["codings"] = items[1]["codings"] = [{"system": LOINC, "code": "1234-5"}]
    scale = {
        "min": 1,
        "max": 5,
        "labels": [
            {"value": 1, "label": "No", "coding": {"system": LOINC, "code": "LA1-1"}},
            {"value": 5, "label": "Yes", "coding": {"system": LOINC, "code": "LA1-1"}},
        ],
    }
    with pytest.raises(loader.InstrumentFileError) as error:
        loader.load_text(as_yaml(custom_definition(items=items, scale=scale)), "t.yaml")
    messages = {problem.path: problem.message for problem in error.value.problems}
    assert messages["items[1].codings[0].code"] == "'1234-5' already names item 1"
    assert "already names another answer" in messages["scale.labels[1].coding.code"]


# --- Instruments as Questionnaires --------------------------------------------------------------


@pytest.mark.parametrize("code", shipped_codes())
def test_every_instrument_exports_as_a_valid_questionnaire_and_reads_back_the_same(code):
    definition = shipped(code)
    questionnaire = json.loads(json.dumps(build_questionnaire(definition, 4)))
    validation.validate(questionnaire)
    assert questionnaire["url"] == f"https://attune.example/fhir/Questionnaire/{code}"
    assert questionnaire["version"] == "4"
    assert [item["linkId"] for item in questionnaire["item"]] == [
        str(item["number"]) for item in definition["items"]
    ]
    text = json.dumps(definition_from_questionnaire(questionnaire))
    assert loader.load_text(text, "back.json") == [definition]


def test_phq9_answer_options_carry_loinc_codes_and_ordinal_values():
    questionnaire = build_questionnaire(shipped("phq-9"), 1)
    assert questionnaire["code"][0]["code"] == "44249-1"
    first = questionnaire["item"][0]
    assert first["code"] == [{"system": LOINC, "code": "44250-9"}]
    assert [option["valueCoding"]["code"] for option in first["answerOption"]] == ANSWERS
    assert [
        option["valueCoding"]["extension"]
        == [{"url": codes.ORDINAL_VALUE_EXTENSION, "valueDecimal": value}]
        for value, option in enumerate(first["answerOption"])
    ] == [True] * 4
    # The functional question has no LOINC answers in the file: Attune's scale points.
    tenth = questionnaire["item"][9]
    assert tenth["required"] is False
    assert {o["valueCoding"]["system"] for o in tenth["answerOption"]} == {
        codes.SCALE_POINTS_SYSTEM
    }


def test_the_instrument_api_and_page_serve_the_questionnaire(bob, as_bob):
    response = api(bob).get(
        reverse("instrument-fhir-questionnaire", args=["gad-7"]),
        HTTP_ACCEPT="application/fhir+json",
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    questionnaire = json.loads(response.content)
    validation.model(questionnaire, "Questionnaire")
    assert questionnaire["code"][0]["code"] == "69737-5"

    page = as_bob.get(reverse("assessments:fhir_questionnaire", args=["gad-7"]))
    assert page.status_code == 200
    assert page["Content-Disposition"].startswith('attachment; filename="gad-7-')
    assert json.loads(page.content)["item"] == questionnaire["item"]
    detail = as_bob.get(reverse("assessments:detail", args=["gad-7"]))
    assert reverse("assessments:fhir_questionnaire", args=["gad-7"]) in detail.text


def test_another_practices_custom_instrument_is_not_found(charlie, practice_a, alice):
    from tests.assessments.helpers import custom_instrument_for

    custom_instrument_for(practice_a, alice, code="ours-only")
    response = api(charlie).get(reverse("instrument-fhir-questionnaire", args=["ours-only"]))
    assert response.status_code == 404


# --- A client's record as a Bundle --------------------------------------------------------------


@pytest.fixture
def erin_history(erin):
    respond(erin, "phq-9", phq9(17), day(2025, 1, 6))
    respond(erin, "phq-9", phq9(6), day(2025, 3, 3))
    respond(erin, "ecr-r", ecr(5, 4), day(2025, 1, 6))
    respond(erin, "phq-9", phq9(9), day(2025, 4, 7), drop={3})  # incomplete: no total
    return erin


def _entries(bundle) -> dict[str, dict]:
    return {entry["fullUrl"]: entry["resource"] for entry in bundle["entry"]}


def _references(value):
    """Every Reference.reference anywhere in ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield item
            else:
                yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def test_the_bundle_validates_and_every_reference_resolves_inside_it(bob, erin_history):
    response = api(bob).get(reverse("client-fhir-bundle", args=[erin_history.pk]))
    assert response.status_code == 200
    bundle = response.json()
    validation.model(bundle, "Bundle")
    assert bundle["type"] == "collection"
    entries = _entries(bundle)
    for resource in entries.values():  # each on its own, with its own model
        validation.model(resource, resource["resourceType"])
    assert all(url.startswith("urn:uuid:") for url in entries)
    assert all(url == f"urn:uuid:{resource['id']}" for url, resource in entries.items())
    references = list(_references(bundle))
    assert references and set(references) <= set(entries)
    by_type: dict[str, list] = {}
    for resource in entries.values():
        by_type.setdefault(resource["resourceType"], []).append(resource)
    assert {kind: len(found) for kind, found in by_type.items()} == {
        "Patient": 1,
        "Questionnaire": 2,  # PHQ-9 and ECR-R, one version each
        "QuestionnaireResponse": 4,
        "Observation": 2 + 2,  # three PHQ-9 totals but one incomplete; ECR-R's two dimensions
    }
    canonicals = {f"{q['url']}|{q['version']}" for q in by_type["Questionnaire"]}
    assert {qr["questionnaire"] for qr in by_type["QuestionnaireResponse"]} <= canonicals


def test_scores_carry_loinc_where_the_file_gives_one_and_attunes_code_otherwise(bob, erin_history):
    bundle = api(bob).get(reverse("client-fhir-bundle", args=[erin_history.pk])).json()
    observations = [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "Observation"
    ]
    codes_seen = {
        (obs["code"]["coding"][0]["system"], obs["code"]["coding"][0]["code"]): obs
        for obs in observations
    }
    totals = [obs for (system, code), obs in codes_seen.items() if code == "44261-6"]
    assert totals and totals[0]["code"]["coding"][0]["system"] == LOINC
    phq_values = sorted(
        obs["valueQuantity"]["value"]
        for obs in observations
        if obs["code"]["coding"][0]["code"] == "44261-6"
    )
    assert phq_values == [6, 17]
    assert (codes.SCORES_SYSTEM, "ecr-r/anxiety") in codes_seen
    assert codes_seen[(codes.SCORES_SYSTEM, "ecr-r/anxiety")]["valueQuantity"]["value"] == 5
    severe = next(obs for obs in observations if obs["valueQuantity"]["value"] == 17)
    assert severe["interpretation"] == [{"text": "Moderately severe"}]


def test_the_patient_is_minimal_and_answers_carry_loinc_codes(bob, erin_history):
    erin_history.external_reference = "HT-0042"
    erin_history.save()
    bundle = api(bob).get(reverse("client-fhir-bundle", args=[erin_history.pk])).json()
    patient = bundle["entry"][0]["resource"]
    assert patient["resourceType"] == "Patient"
    assert set(patient) == {"resourceType", "id", "identifier", "communication"}
    assert {"system": codes.CLIENT_REFERENCES_SYSTEM, "value": "HT-0042"} in patient["identifier"]
    # The language the client reads their questionnaires in (issue 15), as a BCP 47 code.
    assert patient["communication"] == [
        {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en"}]}, "preferred": True}
    ]
    text = json.dumps(bundle)
    for personal in ("Erin", "Fictional", erin_history.email):
        assert personal not in text
    response = next(
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "QuestionnaireResponse"
    )
    first = response["item"][0]["answer"][0]["valueCoding"]
    assert (first["system"], first["code"]) == (LOINC, "LA6571-9")  # phq9(17): item 1 is 3
    assert first["extension"][0] == {"url": codes.ORDINAL_VALUE_EXTENSION, "valueDecimal": 3}


def test_fhir_json_when_asked_for_and_the_read_is_audited(bob, erin_history):
    response = api(bob).get(
        reverse("client-fhir-bundle", args=[erin_history.pk]), HTTP_ACCEPT="application/fhir+json"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    event = AuditEvent.objects.get(object_type="client", actor=bob)
    assert (event.action, event.client_id, event.via) == (AuditAction.VIEW, erin_history.pk, "api")


def test_outside_the_caseload_or_the_practice_is_404_and_shows_nothing(dana, charlie, erin):
    for user in (dana, charlie):
        response = api(user).get(reverse("client-fhir-bundle", args=[erin.pk]))
        assert response.status_code == 404
    assert not AuditEvent.objects.filter(object_type="client", action=AuditAction.VIEW).exists()


def test_the_client_page_links_the_download_which_is_an_audited_attachment(as_bob, bob, erin):
    respond(erin, "gad-7", dict.fromkeys(range(1, 8), 1), day(2025, 2, 1))
    page = as_bob.get(reverse("clients:detail", args=[erin.pk]))
    assert reverse("clients:fhir_bundle", args=[erin.pk]) in page.text
    download = as_bob.get(reverse("clients:fhir_bundle", args=[erin.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/fhir+json"
    assert download["Content-Disposition"] == f'attachment; filename="fhir-{str(erin.pk)[:8]}.json"'
    validation.model(json.loads(download.content), "Bundle")
    views = AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="client", client_id=erin.pk, via="web"
    )
    assert views.count() == 2  # the page, then the download
