"""The API keeps the contract it publishes at ``/api/schema/`` (issue 11, defect 10).

Schemathesis reads the published schema and sends generated requests to every operation
through the WSGI app, with a real personal token of an owner whose practice has data in every
state (clients, assignments active, paused and ended, questionnaire links sent and revoked,
responses, draft and signed notes, reports ready and queued); about half the generated ids are
swapped for ones that exist, so requests reach real objects rather than only 404s.

Every answer must be no 5xx, with a documented status code and content type and a body that
matches the documented schema; a request the schema calls invalid must be refused (4xx), and a
valid read accepted. Bounded and reproducible: a fixed number of examples per operation and
mode, derandomised (CI sends the same requests every run), no shrinking (a failure prints its
request as a curl command already). The practice is made once for the module inside a
transaction, and each test runs in a savepoint of it, so every write is rolled back.
"""

import contextlib
import datetime
import json
import os
import zlib

import jsonschema
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client as Browser
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.test import APIClient
from schemathesis import GenerationMode

from assessments import services as assessment_services
from assessments.models import Assignment, Instrument, Packet
from practice.api_schema import LOCAL_TIME
from practice.models import Role
from practice.wsgi import application
from tests.assessments.assign_helpers import at, send_now
from tests.clients.reports_helpers import make_report, ready_report
from tests.clients.test_notes_models import make_note, tag
from tests.conftest import logged_in
from tests.factories import ClientFactory, MembershipFactory, PracticeFactory, UserFactory
from tests.practice.progress_helpers import phq9, respond

pytestmark = pytest.mark.django_db
# Per operation and mode; API_CONTRACT_EXAMPLES=200 for a deeper run by hand.
EXAMPLES_PER_OPERATION = int(os.environ.get("API_CONTRACT_EXAMPLES", "10"))

# A write may refuse a request the schema calls valid for a rule a schema cannot express (a
# start date in the past, an unacknowledged licence, a client of another practice), and so may
# the reads named here: primary_clinician and author must be people of the practice,
# trajectory dates lie between 1900 and 2100. Each such refusal is still a documented 400.
RULES_BEYOND_THE_SCHEMA = [
    "GET /api/v1/clients/",
    "GET /api/v1/clients/{id}/trajectory/",
    "GET /api/v1/notes/",
]
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "deterministic": True,
            "no-shrink": True,
            "database": "none",
            # Unknown query parameters are ignored, as HTTP APIs do (cache busters, DRF's
            # ?format=), so adding one does not make a request invalid.
            "allow-extra-parameters": False,
        },
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "checks": {
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            "negative_data_rejection": {"enabled": True},
            "positive_data_acceptance": {"enabled": True},
        },
        "operations": [
            {"exclude-method": "GET", "checks": {"positive_data_acceptance": {"enabled": False}}},
            {
                "include-name": RULES_BEYOND_THE_SCHEMA,
                "checks": {"positive_data_acceptance": {"enabled": False}},
            },
        ],
    }
)


def _published_schema() -> dict:
    """The document ``/api/schema/`` serves, built in process so the tests can be collected
    before a database exists; ``test_the_tested_schema_is_the_served_one`` holds them equal."""
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))


@contextlib.contextmanager
def _connection_kept():
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in signals:
            signal.connect(close_old_connections)


def app_in_the_test_transaction(environ, start_response):
    """The WSGI app, answering in full before it returns. Between requests Django closes a
    database connection that is inside a transaction, and on PostgreSQL the test's transaction
    goes with it; Django's test client turns that off around each request, and so does this."""
    with _connection_kept():
        response = application(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            response.close()


PUBLISHED = _published_schema()
schema = schemathesis.openapi.from_dict(PUBLISHED, config=CONFIG)
schema.app = app_in_the_test_transaction
OPERATIONS = {result.ok().label: result.ok() for result in schema.get_all_operations()}

# The objects a path may name, by collection ("clients", "notes", ...), while the module runs.
existing: dict[str, list] = {}


def _valid_path_value(operation, name: str, value) -> bool:
    for parameter in operation.definition.raw.get("parameters", []):
        if (parameter["in"], parameter["name"]) == ("path", name):
            checker = jsonschema.Draft7Validator(
                parameter["schema"], format_checker=jsonschema.FormatChecker()
            )
            return checker.is_valid(value)
    return False


@schema.hook
def map_path_parameters(context, path_parameters):
    """About half the valid generated ids are swapped for an object that exists (an invalid
    one, made by a negative case, stays as it is). The choice hangs on the generated value
    itself, so a derandomised run sends the same requests every time."""
    ids = existing.get(context.operation.path.split("/")[3])
    for name, value in (path_parameters or {}).items():
        if not ids or not _valid_path_value(context.operation, name, value):
            continue
        pick = zlib.crc32(str(value).encode())
        if pick % 2 == 0:
            path_parameters[name] = ids[pick // 2 % len(ids)]
    return path_parameters


def _practice_with_data() -> tuple[str, dict]:
    """Alice's practice after a few weeks of use; her token and the ids a path may name."""
    practice = PracticeFactory(name="Harbour Therapy")
    alice, bob = UserFactory(full_name="Alice Owner"), UserFactory(full_name="Bob Clinician")
    MembershipFactory(user=alice, practice=practice, role=Role.OWNER)
    MembershipFactory(user=bob, practice=practice, role=Role.CLINICIAN)
    erin = ClientFactory(practice=practice, primary_clinician=bob, preferred_name="Erin")
    frank = ClientFactory(practice=practice, primary_clinician=alice, preferred_name="Frank")
    respond(erin, "phq-9", phq9(14), at(2026, 1, 5))
    respond(erin, "phq-9", phq9(8), at(2026, 2, 5))
    _, sent = send_now(erin, "phq-9", "gad-7")
    _, revoked = send_now(frank, "gad-7")
    assessment_services.revoke_packet(alice, revoked)
    fortnightly = assessment_services.Plan(
        schedule=Assignment.Schedule.EVERY_N_WEEKS,
        start_date=timezone.localdate() + datetime.timedelta(days=3),
        send_time=datetime.time(9, 0),
        interval_weeks=2,
    )
    phq = list(Instrument.objects.available_to(practice).filter(code="phq-9"))
    active = assessment_services.assign(bob, erin, phq, fortnightly)
    paused = assessment_services.assign(bob, erin, phq, fortnightly)
    assessment_services.pause_assignment(bob, paused)
    ended = assessment_services.assign(alice, frank, phq, fortnightly)
    assessment_services.end_assignment(alice, ended)
    notes = [
        make_note(erin, alice, tags=[tag(practice, "Crisis")]),
        make_note(frank, alice, signed=True, days_ago=3),
        make_note(erin, signed=True, days_ago=9),
    ]
    reports = [ready_report(erin, alice), ready_report(frank, alice), make_report(erin, bob)]
    page = logged_in(alice).post(reverse("account_token_create"), {"name": "Contract test"})
    assert page.status_code == 200
    return page.context["new_key"], {
        "clients": [str(erin.pk), str(frank.pk)],
        "assignments": [active.pk, paused.pk, ended.pk],
        "invitations": [sent.pk, revoked.pk, *Packet.objects.values_list("pk", flat=True)],
        "notes": [str(note.pk) for note in notes],
        "reports": [str(report.pk) for report in reports],
        "instruments": ["phq-9", "gad-7", "ecr-r"],
    }


@pytest.fixture(scope="module")
def api_token(django_db_setup, django_db_blocker, tmp_path_factory):
    """Made once for the module in a transaction rolled back at its end; each test runs in a
    savepoint inside it (pytest-django), so no test sees another's writes."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with django_db_blocker.unblock(), media, transaction.atomic():
        token, ids = _practice_with_data()
        existing.update(ids)
        yield token
        existing.clear()
        transaction.set_rollback(True)


def test_the_tested_schema_is_the_served_one(api_token):
    served = Browser().get("/api/schema/?format=json", HTTP_AUTHORIZATION=f"Token {api_token}")
    assert served.status_code == 200
    assert json.loads(served.content) == PUBLISHED


def _has_input(label: str) -> bool:
    """Whether the operation takes anything a negative case could make invalid."""
    definition = OPERATIONS[label].definition.raw
    return bool(definition.get("parameters") or definition.get("requestBody"))


CASES = [
    pytest.param(label, mode, id=f"{label} {mode.value}")
    for label in sorted(OPERATIONS)
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or _has_input(label)
]


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_every_operation_keeps_the_published_contract(label, mode, api_token):
    """Valid (positive) and invalid (negative) requests to one operation, each answer checked
    by every check ``CONFIG`` enables."""

    @given(case=OPERATIONS[label].as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def check(case):
        case.call_and_validate(headers={"Authorization": f"Token {api_token}"})

    check()


# --- What schemathesis found, pinned one by one ----------------------------------------------


@pytest.fixture
def api(api_token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token}")
    return client


def test_every_operation_documents_its_refusals():
    for path, operations in PUBLISHED["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            assert {"401", "403"} <= documented, (method, path)
            if "{" in path:
                assert "404" in documented, (method, path)
            if "requestBody" in operation:
                assert {"400", "415"} <= documented, (method, path)


def test_an_assignment_reads_as_ended_and_a_change_can_end_it(api):
    active, _, ended = existing["assignments"]
    assert PUBLISHED["components"]["schemas"]["AssignmentStatusEnum"]["enum"] == [
        "active",
        "paused",
        "ended",
    ]
    assert api.get(f"/api/v1/assignments/{ended}/").json()["status"] == "ended"

    changed = api.patch(f"/api/v1/assignments/{active}/", {"status": "ended"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["status"] == "ended" and changed.json()["ended_at"]
    assert Assignment.objects.get(pk=active).status == Assignment.Status.ENDED
    again = api.patch(f"/api/v1/assignments/{active}/", {"status": "active"}, format="json")
    assert again.status_code == 400
    assert Assignment.objects.get(pk=active).status == Assignment.Status.ENDED


def test_a_new_assignment_cannot_start_ended(api):
    erin = existing["clients"][0]
    body = {"client": erin, "instruments": ["phq-9"], "send_now": True, "status": "ended"}
    refused = api.post("/api/v1/assignments/", body, format="json")
    assert refused.status_code == 400
    assert "status" in refused.json()


def test_a_send_time_is_hh_mm_in_and_out(api):
    active = existing["assignments"][0]
    url = f"/api/v1/assignments/{active}/"
    assert api.get(url).json()["send_time"] == "09:00"
    documented = PUBLISHED["components"]["schemas"]["Assignment"]["properties"]["send_time"]
    assert (documented["pattern"], documented.get("format")) == (LOCAL_TIME.pattern, None)

    changed = api.patch(url, {"send_time": "18:30"}, format="json")
    assert (changed.status_code, changed.json()["send_time"]) == (200, "18:30")
    for wrong in ("18:30:00", "9:00", "24:00", 1830):
        refused = api.patch(url, {"send_time": wrong}, format="json")
        assert refused.status_code == 400, wrong
        assert refused.json()["send_time"] == ["Enter a time as HH:MM (24-hour), e.g. 09:00."]
    assert Assignment.objects.get(pk=active).send_time == datetime.time(18, 30)


def test_text_is_a_string_never_a_number(api):
    signed = existing["notes"][1]
    url = f"/api/v1/notes/{signed}/addenda/"
    refused = api.post(url, {"text": 12}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"text": ["Not a valid string."]}
    assert api.post(url, {"text": "12"}, format="json").status_code == 201


@pytest.mark.parametrize(
    "path", ["/api/v1/instruments/PHQ-9/", "/api/v1/assignments/8.6e-225/", "/api/v1/nothing/"]
)
def test_an_api_url_no_route_matches_answers_json(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_page_url_no_route_matches_is_still_a_page(api):
    response = api.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_empty_filter_is_read_as_not_given_and_documented_so(api):
    parameters = PUBLISHED["paths"]["/api/v1/reports/"]["get"]["parameters"]
    assert {p["name"] for p in parameters if p.get("allowEmptyValue")} == {
        "audience",
        "client",
        "page",
        "status",
    }
    everything = api.get("/api/v1/reports/").json()
    assert everything["count"] == 3
    assert api.get("/api/v1/reports/?status=&audience=&page=").json() == everything


def test_the_author_filter_tells_nothing_about_accounts_elsewhere(api):
    elsewhere = MembershipFactory(role=Role.OWNER).user
    nobody = elsewhere.pk + 1000
    answers = [api.get(f"/api/v1/notes/?author={pk}") for pk in (elsewhere.pk, nobody)]
    assert [answer.status_code for answer in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()
