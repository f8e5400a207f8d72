"""FHIR R4 in: a QuestionnaireResponse answered in another system becomes the client's response,
scored and alerted as an online one (round trip: the same scores), with answers mapped the way
other systems send them and an unmappable answer refused naming its item; a Questionnaire
becomes a custom instrument. Scoped (404), audited, the dashboard row refreshed."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from assessments.fhir import codes
from assessments.fhir.questionnaires import build_questionnaire
from assessments.models import Alert, Instrument, LicenceAcknowledgement, Response
from practice.dashboard.progress import refresh_client_progress
from practice.models import AuditAction, AuditEvent, ClientProgress
from tests.assessments.helpers import shipped
from tests.practice.progress_helpers import cleared, day, ecr, phq9, respond

pytestmark = pytest.mark.django_db
LOINC = "http://loinc.org"
PHQ_ITEMS = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5"]
PHQ_ITEMS += ["44253-3", "44260-8"]
ANSWERS = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def import_url(client) -> str:
    return reverse("client-fhir-import", args=[client.pk])


def phq_response(values, *, answer=None, link=lambda n: f"/{PHQ_ITEMS[n - 1]}", **extra) -> dict:
    """A PHQ-9 QuestionnaireResponse as a LOINC-based form tool sends it."""
    answer = answer or (lambda n, value: {"valueCoding": {"system": LOINC, "code": ANSWERS[value]}})
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "http://loinc.org/q/44249-1",
        "authored": "2025-05-02T09:30:00+01:00",
        "item": [
            {"linkId": link(number), "answer": [answer(number, value)]}
            for number, value in enumerate(values, 1)
        ],
    } | extra


@pytest.fixture
def phq(practice_a):
    return cleared(practice_a, "phq-9")


# --- Round trip ---------------------------------------------------------------------------------


def test_export_then_import_into_another_client_gives_identical_scores(alice, erin, frank):
    cleared(erin.practice, "ecr-r")
    originals = [
        respond(erin, "phq-9", phq9(17), day(2025, 1, 6)),
        respond(erin, "ecr-r", ecr(5, 4), day(2025, 1, 6)),
        respond(erin, "phq-9", phq9(6), day(2025, 3, 3)),
    ]
    bundle = api(alice).get(reverse("client-fhir-bundle", args=[erin.pk])).json()
    answered = [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    for resource in answered:
        assert api(alice).post(import_url(frank), resource, format="json").status_code == 201
    imported = list(Response.objects.filter(client=frank).order_by("submitted_at", "pk"))
    assert [(r.instrument.code, r.submitted_at) for r in imported] == [
        (r.instrument.code, r.submitted_at) for r in originals
    ]
    for original, copy in zip(originals, imported, strict=True):
        assert copy.result == original.result
        assert (copy.total, copy.band, copy.scores) == (
            original.total,
            original.band,
            original.scores,
        )
        assert copy.source == Response.Source.FHIR and copy.packet_item is None


# --- How other systems send answers ---------------------------------------------------------------

ANSWER_FORMS = {
    "LOINC answer code": lambda n, v: {"valueCoding": {"system": LOINC, "code": ANSWERS[v]}},
    "LOINC code, no system": lambda n, v: {"valueCoding": {"code": ANSWERS[v]}},
    "coding with an ordinal only": lambda n, v: {
        "valueCoding": {
            "display": "whatever the tool calls it",
            "extension": [{"url": codes.ORDINAL_VALUE_EXTENSION, "valueDecimal": v}],
        }
    },
    "LOINC code and ordinal": lambda n, v: {
        "valueCoding": {
            "system": LOINC,
            "code": ANSWERS[v],
            "extension": [{"url": codes.ORDINAL_VALUE_EXTENSION, "valueDecimal": v}],
        }
    },
    "plain integer": lambda n, v: {"valueInteger": v},
    "coding with an integer ordinal": lambda n, v: {
        "valueCoding": {
            "code": f"their-{v}",
            "extension": [{"url": codes.ORDINAL_VALUE_EXTENSION, "valueInteger": v}],
        }
    },
    "Attune scale point": lambda n, v: {
        "valueCoding": {"system": codes.SCALE_POINTS_SYSTEM, "code": str(v)}
    },
}
LINK_FORMS = {
    "LOINC with /": lambda n: f"/{PHQ_ITEMS[n - 1]}",
    "LOINC without /": lambda n: PHQ_ITEMS[n - 1],
    "Attune's own": lambda n: str(n),
}


@pytest.mark.parametrize("answer", sorted(ANSWER_FORMS))
@pytest.mark.parametrize("link", sorted(LINK_FORMS))
def test_each_link_id_and_answer_form_is_read(bob, erin, phq, answer, link):
    values = [3, 2, 1, 0, 3, 2, 1, 0, 0]
    resource = phq_response(values, answer=ANSWER_FORMS[answer], link=LINK_FORMS[link])
    response = api(bob).post(import_url(erin), resource, format="json")
    assert response.status_code == 201, response.json()
    stored = Response.objects.get(client=erin)
    assert stored.answers == {str(n): v for n, v in enumerate(values, 1)}
    body = response.json()
    answered = datetime.datetime.fromisoformat(body["submitted_at"].replace("Z", "+00:00"))
    assert answered == datetime.datetime(2025, 5, 2, 8, 30, tzinfo=datetime.UTC)
    assert body | {"response": 0, "submitted_at": ""} == {
        "response": 0,
        "instrument": "phq-9",
        "submitted_at": "",
        "status": "complete",
        "total": 12.0,
        "band": "Moderate",
        "alerts": 0,
    }


def test_groups_a_computed_total_and_fhir_json_bodies_are_accepted(bob, erin, phq):
    resource = phq_response([1] * 9)
    resource["item"] = [
        {"linkId": "/44249-1", "item": resource["item"]},
        {"linkId": "/44261-6", "answer": [{"valueInteger": 99}]},  # their total: not trusted
    ]
    response = api(bob).post(
        import_url(erin), json.dumps(resource), content_type="application/fhir+json"
    )
    assert response.status_code == 201, response.json()
    assert Response.objects.get(client=erin).total == 9


# --- What is refused ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda r: r["item"][1]["answer"][0]["valueCoding"].update(code="LA9999-9"),
            "item '/44255-8' (question 2): the answer 'LA9999-9' (http://loinc.org) is not one "
            "of this question's answers, and it carries no ordinal value",
        ),
        (
            lambda r: r["item"][2]["answer"][0]["valueCoding"].update(
                extension=[{"url": codes.ORDINAL_VALUE_EXTENSION, "valueDecimal": 2}]
            ),
            "item '/44259-0' (question 3): the code 'LA6569-3' means 1, but its ordinal value is 2",
        ),
        (
            lambda r: r["item"][3].update(answer=[{"valueString": "often"}]),
            "item '/44254-1' (question 4): a choice answer is a valueCoding or a valueInteger, "
            "not valueString",
        ),
        (
            lambda r: r["item"][4].update(linkId="/12345-6"),
            "item '/12345-6': no question of Patient Health Questionnaire-9 (PHQ-9) has this "
            "linkId",
        ),
        (lambda r: r["item"][5].update(answer=[{"valueInteger": 7}]), "item 6: 7 is outside"),
        (lambda r: r["item"].pop(8), "Question 9 is not answered."),
        (lambda r: r.update(status="in-progress"), "status: only a completed response"),
        (lambda r: r.update(authored="2999-01-01T00:00:00Z"), "authored: the questionnaire"),
        (lambda r: r.update(authored="2025-05"), "authored: give the day it was answered"),
        (lambda r: r.update(authored="0001-01-01"), "authored: a date before 1900"),
        (lambda r: r.update(questionnaire="http://example.org/Questionnaire/mood"), "say which"),
        (lambda r: r.update(item=[{"answer": []}]), "not a valid FHIR R4 QuestionnaireResponse"),
    ],
)
def test_what_cannot_be_mapped_is_a_400_naming_it_and_nothing_is_stored(
    bob, erin, phq, change, message
):
    resource = phq_response([1] * 9)
    change(resource)
    response = api(bob).post(import_url(erin), resource, format="json")
    assert response.status_code == 400
    assert any(message in problem for problem in response.json()["detail"]), response.json()
    assert not Response.objects.exists()
    assert not AuditEvent.objects.filter(object_type="response").exists()


def test_the_instrument_can_be_named_when_the_response_does_not_say(bob, erin, practice_a):
    cleared(practice_a, "gad-7")
    resource = phq_response([2] * 7, link=str, questionnaire="urn:other-system:gad")
    refused = api(bob).post(import_url(erin), resource, format="json")
    assert refused.status_code == 400
    named = api(bob).post(f"{import_url(erin)}?instrument=gad-7", resource, format="json")
    assert named.status_code == 201
    assert Response.objects.get(client=erin).total == 14


def test_an_instrument_whose_licence_is_not_acknowledged_is_refused(bob, erin):
    response = api(bob).post(import_url(erin), phq_response([0] * 9), format="json")
    assert response.status_code == 403
    assert "acknowledge its licence note" in response.json()["detail"]
    assert not Response.objects.exists()


def test_another_practice_or_caseload_gets_404_and_nothing_is_stored(dana, charlie, erin, phq):
    for user in (dana, charlie):
        response = api(user).post(import_url(erin), phq_response([0] * 9), format="json")
        assert response.status_code == 404
    assert not Response.objects.exists()


# --- Stored as an online response is ----------------------------------------------------------------


def test_a_critical_item_raises_the_alert_and_the_dashboard_row_is_refreshed(
    bob, erin, phq, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(bob).post(import_url(erin), phq_response([0] * 8 + [1]), format="json")
    assert response.status_code == 201
    assert response.json()["alerts"] == 1
    alert = Alert.objects.get(client=erin)
    assert alert.rule_key == "item-9-safety"
    assert alert.raised_at == datetime.datetime(2025, 5, 2, 8, 30, tzinfo=datetime.UTC)
    assert callbacks, "the clinician's notice is queued on commit, as online"
    row = ClientProgress.objects.get(client=erin)
    assert (row.responses, row.open_alerts) == (1, 1)
    fresh = refresh_client_progress(erin.pk)
    assert (fresh.responses, fresh.open_alerts) == (row.responses, row.open_alerts)


def test_the_import_is_audited_as_a_created_response(bob, erin, phq):
    api(bob).post(import_url(erin), phq_response([1] * 9), format="json")
    event = AuditEvent.objects.get(object_type="response")
    stored = Response.objects.get()
    assert (event.action, event.actor, event.client_id, event.object_id, event.via) == (
        AuditAction.CREATE,
        bob,
        erin.pk,
        str(stored.pk),
        "api",
    )
    assert event.fields == ["answers", "result"]


def test_a_date_alone_is_midday_in_the_clients_time_zone(bob, erin, phq):
    erin.time_zone = "Europe/London"
    erin.save()
    api(bob).post(import_url(erin), phq_response([1] * 9, authored="2025-07-01"), format="json")
    assert Response.objects.get().submitted_at == datetime.datetime(
        2025, 7, 1, 11, 0, tzinfo=datetime.UTC
    )


# --- The pages ------------------------------------------------------------------------------------


def _upload(resource, name="response.json"):
    return SimpleUploadedFile(name, json.dumps(resource).encode(), "application/fhir+json")


def test_the_client_page_imports_a_file_and_lists_problems(as_bob, erin, phq):
    url = reverse("clients:fhir_import", args=[erin.pk])
    assert url in as_bob.get(reverse("clients:detail", args=[erin.pk])).text
    form = as_bob.get(url)
    assert form.status_code == 200 and 'name="instrument"' in form.text

    bad = phq_response([1] * 9)
    bad["item"][1]["answer"] = [{"valueInteger": 9}]
    refused = as_bob.post(url, {"file": _upload(bad), "instrument": ""})
    assert refused.status_code == 400
    assert "item 2: 9 is outside the scale 0 to 3" in refused.text
    assert not Response.objects.exists()

    done = as_bob.post(url, {"file": _upload(phq_response([2] * 9)), "instrument": ""})
    stored = Response.objects.get(client=erin)
    assert done.status_code == 302
    assert done["Location"] == reverse("assessments:response_detail", args=[stored.pk])
    assert stored.total == 18
    assert "FHIR import: answered in another system" in as_bob.get(done["Location"]).text
    assert ClientProgress.objects.get(client=erin).responses == 1


def test_the_page_refuses_a_file_that_is_not_json(as_bob, erin):
    url = reverse("clients:fhir_import", args=[erin.pk])
    refused = as_bob.post(url, {"file": SimpleUploadedFile("r.json", b"\xff{")})
    assert refused.status_code == 400
    assert "The file is not JSON text (UTF-8)." in refused.text


# --- Questionnaires as custom instruments -----------------------------------------------------------


def test_an_exported_questionnaire_comes_back_as_the_same_custom_instrument(as_alice, practice_a):
    definition = shipped("phq-9") | {"code": "phq-9-local", "name": "PHQ-9 (our copy)"}
    questionnaire = build_questionnaire(definition, 1)
    url = reverse("assessments:upload_fhir")
    assert url in as_alice.get(reverse("assessments:upload")).text
    response = as_alice.post(url, {"file": _upload(questionnaire, "q.json")})
    assert response.status_code == 302
    instrument = Instrument.objects.get(practice=practice_a, code="phq-9-local")
    assert response["Location"] == reverse("assessments:detail", args=["phq-9-local"])
    assert instrument.current_version.definition == definition
    assert not LicenceAcknowledgement.objects.filter(instrument=instrument).exists()
    assert AuditEvent.objects.filter(
        object_type="instrument", object_id=str(instrument.pk), action=AuditAction.CREATE
    ).exists()


def test_a_questionnaire_the_schema_cannot_express_is_refused_with_each_reason(as_alice):
    questionnaire = {
        "resourceType": "Questionnaire",
        "status": "active",
        "name": "MoodCheck",
        "title": "Mood check",
        "item": [
            {
                "linkId": "g",
                "type": "group",
                "text": "Mood",
                "item": [{"linkId": "g1", "type": "boolean", "text": "Sad?"}],
            },
            {"linkId": "d", "type": "date", "text": "When?"},
            {
                "linkId": "c",
                "type": "choice",
                "text": "How often?",
                "answerOption": [{"valueString": "Often"}],
            },
        ],
    }
    response = as_alice.post(reverse("assessments:upload_fhir"), {"file": _upload(questionnaire)})
    assert response.status_code == 400
    for reason in (
        "the Questionnaire cites no source",
        "the Questionnaire has no copyright",
        "item &#x27;g&#x27;: item cannot be expressed",
        "item &#x27;d&#x27;: &#x27;date&#x27; questions cannot be expressed",
        "item &#x27;c&#x27;, option 1: only coded or whole-number answer options can be scored",
    ):
        assert reason in response.text
    assert not Instrument.objects.filter(code="moodcheck").exists()


def test_a_questionnaire_from_another_system_with_scores_becomes_an_unscored_instrument(
    as_alice, practice_a
):
    questionnaire = {
        "resourceType": "Questionnaire",
        "status": "active",
        "name": "SleepCheck",
        "title": "Sleep check",
        "copyright": "Written by our practice.",
        "extension": [{"url": codes.CITATION_EXTENSION, "valueString": "Harbour Therapy (2025)."}],
        "item": [
            {
                "linkId": "/sleep-1",
                "type": "choice",
                "text": "How well did you sleep?",
                "required": True,
                "answerOption": [
                    {"valueInteger": 0},
                    {
                        "valueCoding": {
                            "code": "ok",
                            "display": "Fairly well",
                            "extension": [
                                {"url": codes.ORDINAL_VALUE_EXTENSION, "valueDecimal": 1}
                            ],
                        }
                    },
                ],
            },
            {"linkId": "/sleep-2", "type": "string", "text": "Anything else?"},
        ],
    }
    response = as_alice.post(reverse("assessments:upload_fhir"), {"file": _upload(questionnaire)})
    assert response.status_code == 302, response.content
    definition = Instrument.objects.get(practice=practice_a, code="sleepcheck").definition
    assert [(i["number"], i["type"], i["required"]) for i in definition["items"]] == [
        (1, "choice", True),
        (2, "text", False),
    ]
    assert definition["scale"] == {
        "min": 0,
        "max": 1,
        "labels": [{"value": 1, "label": "Fairly well"}],  # a code without a system is not kept
    }


def test_an_imported_administration_is_on_the_trajectory(bob, erin, phq):
    respond(erin, "phq-9", phq9(20), day(2025, 1, 6))
    api(bob).post(import_url(erin), phq_response([1] * 9), format="json")
    trajectory = api(bob).get(reverse("client-trajectory", args=[erin.pk])).json()
    (series,) = [entry for entry in trajectory["instruments"] if entry["code"] == "phq-9"]
    assert [point["total"] for point in series["administrations"]] == [20, 9]


@pytest.mark.parametrize(
    "answer",
    [
        {"valueCoding": {"system": codes.SCALE_POINTS_SYSTEM, "code": "²"}},
        {
            "valueCoding": {
                "extension": [{"url": codes.ORDINAL_VALUE_EXTENSION, "valueDecimal": 1e300}]
            }
        },
        {
            "valueCoding": {
                "extension": [{"url": codes.ORDINAL_VALUE_EXTENSION, "valueDecimal": 1.5}]
            }
        },
        {"valueInteger": 10**30},
    ],
)
def test_odd_numbers_are_a_400_never_a_500(bob, erin, phq, answer):
    resource = phq_response([1] * 9)
    resource["item"][0]["answer"] = [answer]
    response = api(bob).post(import_url(erin), resource, format="json")
    assert response.status_code == 400
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"resourceType": "QuestionnaireResponse", "x": NaN}', "The file is not JSON text"),
        (b"[" * 40 + b"]" * 40, "JSON nested more than 32 levels deep"),
    ],
)
def test_the_page_refuses_json_it_should_not_read(as_bob, erin, content, message):
    url = reverse("clients:fhir_import", args=[erin.pk])
    refused = as_bob.post(url, {"file": SimpleUploadedFile("r.json", content)})
    assert refused.status_code == 400
    assert message in refused.text


def test_a_questionnaire_with_an_enormous_score_is_refused_quickly(as_alice):
    questionnaire = {
        "resourceType": "Questionnaire",
        "status": "active",
        "name": "Huge",
        "copyright": "Ours.",
        "extension": [{"url": codes.CITATION_EXTENSION, "valueString": "Us (2025)."}],
        "item": [
            {
                "linkId": "1",
                "type": "choice",
                "text": "How much?",
                "answerOption": [{"valueInteger": 0}, {"valueInteger": 10**8}],
            }
        ],
    }
    response = as_alice.post(reverse("assessments:upload_fhir"), {"file": _upload(questionnaire)})
    assert response.status_code == 400
    assert "leave gaps" in response.text


def test_the_api_adds_a_custom_instrument_from_a_questionnaire_for_owners_only(
    alice, bob, practice_a
):
    definition = shipped("gad-7") | {"code": "gad-7-local", "name": "GAD-7 (our copy)"}
    questionnaire = build_questionnaire(definition, 1)
    url = reverse("instrument-fhir-import")
    assert api(bob).post(url, questionnaire, format="json").status_code == 403
    response = api(alice).post(url, questionnaire, format="json")
    assert response.status_code == 201
    assert response.json() == [
        {
            "code": "gad-7-local",
            "name": "GAD-7 (our copy)",
            "version": 1,
            "licence_acknowledged": False,
        }
    ]
    stored = Instrument.objects.get(practice=practice_a, code="gad-7-local")
    assert stored.current_version.definition == definition
    shipped_code = api(alice).post(url, build_questionnaire(shipped("gad-7"), 1), format="json")
    assert shipped_code.status_code == 400
    assert "'gad-7' is the code of a shipped instrument" in shipped_code.json()["detail"][0]


def test_the_same_response_imported_twice_is_stored_once(bob, erin, phq):
    resource = phq_response([1] * 9)
    assert api(bob).post(import_url(erin), resource, format="json").status_code == 201
    again = api(bob).post(import_url(erin), resource, format="json")
    assert again.status_code == 400
    assert "this response is already stored" in again.json()["detail"][0]
    other_day = api(bob).post(
        import_url(erin), resource | {"authored": "2025-05-09T09:30:00+01:00"}, format="json"
    )
    assert other_day.status_code == 201
    assert Response.objects.filter(client=erin).count() == 2


def test_a_panel_code_two_instruments_carry_is_not_guessed(bob, erin, phq, practice_a):
    from assessments import services
    from tests.assessments.helpers import load_custom

    definition = load_custom(code="phq-9-ours", codings=[{"system": LOINC, "code": "44249-1"}])
    copy = Instrument.objects.create(practice=practice_a, code="phq-9-ours", name="Ours")
    services._store_definition(copy, definition, "ours.yaml")
    response = api(bob).post(import_url(erin), phq_response([1] * 9), format="json")
    assert response.status_code == 400
    assert "'44249-1' is the code of phq-9, phq-9-ours" in response.json()["detail"][0]
    named = api(bob).post(
        f"{import_url(erin)}?instrument=phq-9", phq_response([1] * 9), format="json"
    )
    assert named.status_code == 201
