"""``/api/v1/safety-settings/`` (issue 14): owners read and change the practice's crisis wording,
phone, hours, out-of-hours text, chosen national lines, escalation time and safety lead, as on
the safety settings page; clinicians 403; every practice sees and changes its own only; bad
values are a 400 with a message per field; each change is audited by field name, never value."""

import pytest
from rest_framework.test import APIClient

from practice import crisis, services
from practice.models import ApiToken, AuditEvent, Membership, SafetySettings
from practice.safety_api import SAFETY_LEAD_REFUSED

API = "/api/v1/safety-settings/"
SETTINGS = {
    "crisis_wording": "We are here for you. Please call us today.",
    "phone": "01632 960 000",
    "hours": "Monday to Friday, 9:00 to 17:00",
    "out_of_hours": "Call NHS 111, or your local emergency number.",
    "crisis_lines": ["gb-samaritans", "us-988"],
    "escalation_hours": 6,
}


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_an_owner_reads_the_defaults_then_sets_everything(alice, dana, practice_a, erin):
    client = as_user(alice)
    defaults = client.get(API)
    assert defaults.status_code == 200
    assert defaults.json() == {
        "crisis_wording": "",
        "phone": "",
        "hours": "",
        "out_of_hours": "",
        "crisis_lines": [],
        "escalation_hours": 24,
        "safety_lead": None,
        "updated_at": None,
    }
    assert not SafetySettings.objects.exists()  # reading saves nothing

    changed = client.put(API, {**SETTINGS, "safety_lead": dana.pk}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json() | {"updated_at": None} == {
        **SETTINGS,
        "safety_lead": dana.pk,
        "updated_at": None,
    }
    saved = SafetySettings.objects.get()
    assert saved.practice == practice_a and saved.safety_lead == dana
    assert client.get(API).json() == changed.json()

    # The crisis page a client sees uses them at once.
    resources = crisis.crisis_resources(practice_a, "GB")
    assert resources.phone == SETTINGS["phone"]
    assert [line.key for line in resources.lines] == ["gb-samaritans"]

    [event] = AuditEvent.objects.filter(object_type="practice", action="update")
    assert event.action == "update" and event.actor == alice and event.practice == practice_a
    assert sorted(event.fields) == sorted([*SETTINGS, "safety_lead"])


@pytest.mark.django_db
def test_patch_changes_only_what_it_names_and_audits_only_that(alice, practice_a):
    SafetySettings.objects.create(practice=practice_a, phone="01632 960 000", escalation_hours=12)
    client = as_user(alice)
    patched = client.patch(API, {"hours": "Weekdays 9 to 5", "phone": "01632 960 000"})
    assert patched.status_code == 200, patched.content
    saved = SafetySettings.objects.get()
    assert (saved.hours, saved.phone, saved.escalation_hours) == (
        "Weekdays 9 to 5",
        "01632 960 000",
        12,
    )
    [event] = AuditEvent.objects.filter(object_type="practice", action="update")
    assert event.fields == ["hours"]
    assert "Weekdays" not in str(event.fields)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"escalation_hours": 0}, "escalation_hours", "greater than or equal to 1"),
        ({"escalation_hours": 169}, "escalation_hours", "less than or equal to 168"),
        ({"crisis_lines": ["xx-made-up"]}, "crisis_lines", "not a valid choice"),
        ({"crisis_lines": "gb-samaritans"}, "crisis_lines", "list"),
        ({"phone": "0" * 41}, "phone", "no more than 40"),
        ({"phone": 1632960000}, "phone", "valid string"),
        ({"phone": "Ask at reception"}, "phone", "Enter the phone number only"),
        ({"phone": "01632 960 000 ext 4"}, "phone", "Enter the phone number only"),
        ({"crisis_wording": "x" * 2001}, "crisis_wording", "no more than 2000"),
        ({"safety_lead": 999999}, "safety_lead", SAFETY_LEAD_REFUSED),
        ({"safety_lead": "1"}, "safety_lead", SAFETY_LEAD_REFUSED),
    ],
)
def test_bad_values_are_a_400_with_a_message(alice, body, field, message):
    refused = as_user(alice).patch(API, body, format="json")
    assert refused.status_code == 400
    assert message in str(refused.json()[field])
    assert not SafetySettings.objects.exists()
    assert not AuditEvent.objects.filter(object_type="practice", action="update").exists()


@pytest.mark.django_db
def test_the_safety_lead_must_be_an_active_member_of_this_practice(alice, dana, charlie):
    client = as_user(alice)
    for outsider in (charlie,):  # the owner of practice B: the same answer as nobody
        refused = client.patch(API, {"safety_lead": outsider.pk}, format="json")
        assert refused.json() == {"safety_lead": [SAFETY_LEAD_REFUSED]}
    Membership.objects.filter(user=dana).update(is_active=False)
    refused = client.patch(API, {"safety_lead": dana.pk}, format="json")
    assert refused.status_code == 400 and refused.json() == {"safety_lead": [SAFETY_LEAD_REFUSED]}
    assert client.patch(API, {"safety_lead": None}, format="json").status_code == 200


@pytest.mark.django_db
def test_clinicians_are_refused(bob, practice_a):
    client = as_user(bob)
    for answer in (client.get(API), client.patch(API, {"phone": "0"}, format="json")):
        assert answer.status_code == 403
        assert "owners" in answer.json()["detail"]
    assert not SafetySettings.objects.exists()


@pytest.mark.django_db
def test_each_practice_sees_and_changes_its_own(alice, charlie, practice_a, practice_b):
    SafetySettings.objects.create(practice=practice_a, phone="01632 960 000")
    theirs = as_user(charlie)
    assert theirs.get(API).json()["phone"] == ""  # practice B's, not A's
    assert theirs.patch(API, {"phone": "020 7946 0000"}, format="json").status_code == 200
    assert SafetySettings.objects.get(practice=practice_a).phone == "01632 960 000"
    assert SafetySettings.objects.get(practice=practice_b).phone == "020 7946 0000"


@pytest.mark.django_db
def test_a_read_only_token_reads_but_cannot_change(alice, practice_a):
    _, key = services.create_api_token(
        None, alice, "reader", practice=practice_a, scope=ApiToken.Scope.READ
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(API).status_code == 200
    assert client.patch(API, {"phone": "0"}, format="json").status_code == 403
    assert not SafetySettings.objects.exists()


@pytest.mark.django_db
def test_the_schema_documents_the_route(alice):
    schema = as_user(alice).get("/api/schema/?format=json").json()
    operations = schema["paths"]["/api/v1/safety-settings/"]
    assert {"get", "put", "patch"} <= set(operations)
    assert {"400", "403"} <= set(operations["patch"]["responses"])
    components = schema["components"]["schemas"]
    fields = components["SafetySettings"]["properties"]
    lines = components[fields["crisis_lines"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert "gb-samaritans" in lines["enum"]
    assert fields["escalation_hours"]["maximum"] == 168
