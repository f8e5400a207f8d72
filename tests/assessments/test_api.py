"""`/api/v1/instruments/`: listing, retrieving and scoring; the API and `manage.py score` return
exactly what the engine returns."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from assessments import scoring, services
from assessments.models import Instrument
from tests.assessments.conftest import acknowledge
from tests.assessments.helpers import shipped
from tests.assessments.test_loader import SHIPPED

pytestmark = pytest.mark.django_db


def score_url(code):
    return f"/api/v1/instruments/{code}/score/"


def post(web, url, body):
    return web.post(url, data=json.dumps(body), content_type="application/json")


def test_anonymous_callers_get_nothing(client):
    assert client.get("/api/v1/instruments/").status_code in (401, 403)
    assert post(client, score_url("phq-9"), {"answers": [0] * 9}).status_code in (401, 403)


def test_list_shows_the_library_with_items_and_scale(as_bob, practice_a, alice):
    acknowledge(practice_a, "phq-9", alice)
    response = as_bob.get("/api/v1/instruments/")
    assert response.status_code == 200
    results = {entry["code"]: entry for entry in response.json()["results"]}
    assert sorted(results) == SHIPPED
    phq = results["phq-9"]
    assert phq["version"] == 1
    assert phq["licence_acknowledged"] is True
    assert results["gad-7"]["licence_acknowledged"] is False
    assert [item["text"] for item in phq["items"][:2]] == [
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
    ]
    assert phq["scale"]["labels"][2] == {
        "value": 2,
        "label": "More than half the days",
        "coding": {
            "system": "http://loinc.org",
            "code": "LA6570-1",
            "display": "More than half the days",
        },
    }
    assert results["ecr-rs-partner"]["domain"] == {"key": "partner", "label": "Romantic partner"}
    assert results["ecr-r"]["scale"]["min"] == 1


def test_list_query_count_does_not_grow_with_instruments(
    as_bob, practice_a, alice, django_assert_max_num_queries
):
    # Session, user, membership, count, page, session save, and the savepoints around them.
    with django_assert_max_num_queries(10):
        assert len(as_bob.get("/api/v1/instruments/").json()["results"]) == len(SHIPPED)
    for number in range(5):
        instrument = Instrument.objects.create(
            practice=practice_a, code=f"extra-{number}", name="X"
        )
        services._store_definition(instrument, {**shipped("gad-7"), "code": f"extra-{number}"}, "x")
        acknowledge(practice_a, instrument.code, alice)
    with django_assert_max_num_queries(10):
        assert len(as_bob.get("/api/v1/instruments/").json()["results"]) == len(SHIPPED) + 5


def test_custom_instruments_of_another_practice_are_invisible(as_alice, custom_in_b):
    listed = [entry["code"] for entry in as_alice.get("/api/v1/instruments/").json()["results"]]
    assert custom_in_b.code not in listed
    assert as_alice.get(f"/api/v1/instruments/{custom_in_b.code}/").status_code == 404
    assert post(as_alice, score_url(custom_in_b.code), {"answers": [1] * 6}).status_code == 404


def test_own_custom_instrument_is_listed_and_scored(as_charlie, custom_in_b):
    listed = [entry["code"] for entry in as_charlie.get("/api/v1/instruments/").json()["results"]]
    assert custom_in_b.code in listed
    response = post(as_charlie, score_url(custom_in_b.code), {"answers": [1, 5, 1, 2, 2, 2]})
    assert response.status_code == 200
    assert response.json()["subscales"]["a"]["score"] == 3  # 1 + (6 - 5) + 1


def test_scoring_needs_the_licence_note_acknowledged(as_bob, practice_a, alice):
    response = post(as_bob, score_url("phq-9"), {"answers": [0] * 9})
    assert response.status_code == 403
    assert "acknowledge its licence note" in response.json()["detail"]
    acknowledge(practice_a, "phq-9", alice)
    assert post(as_bob, score_url("phq-9"), {"answers": [0] * 9}).status_code == 200


@pytest.mark.parametrize(
    ("code", "answers"),
    [
        ("phq-9", [1, 2, 3, 0, 1, 2, 3, 0, 1]),
        ("phq-9", [0, 0, 0, 0, None, 0, 0, 0, 0]),
        ("gad-7", [3, 3, 2, 2, 1, 1, 0, 2]),
        ("ecr-r", [((n * 5) % 7) + 1 for n in range(36)]),
        ("ecr-rs-mother", [7, 6, 5, 4, 3, 2, 1, 2, 3]),
        ("limiting-beliefs", ["I am too much.", "Friends stayed.", "Some people find me a lot."]),
    ],
)
def test_api_and_command_return_exactly_what_the_engine_returns(
    as_bob, practice_a, alice, code, answers
):
    acknowledge(practice_a, code, alice)
    engine = {"version": 1, **scoring.score(shipped(code), answers)}
    engine = {"instrument": code, **engine}

    response = post(as_bob, score_url(code), {"answers": answers})
    assert response.status_code == 200
    api = response.json()

    out = io.StringIO()
    as_text = ",".join("" if a is None else str(a) for a in answers)
    call_command("score", code, "--answers", as_text, stdout=out)
    command = json.loads(out.getvalue())

    as_json = json.loads(json.dumps(engine))
    assert api == as_json
    assert command == as_json
    # A mapping keyed by item number scores the same as the list.
    keyed = {str(number + 1): a for number, a in enumerate(answers)}
    assert post(as_bob, score_url(code), {"answers": keyed}).json() == as_json


def test_bad_answers_are_a_400_naming_each_problem(as_bob, practice_a, alice):
    acknowledge(practice_a, "phq-9", alice)
    response = post(as_bob, score_url("phq-9"), {"answers": {"1": 4, "2": "x", "42": 1}})
    assert response.status_code == 400
    assert response.json()["answers"] == [
        "item 1: 4 is outside the scale 0 to 3",
        "item 2 needs a whole number from 0 to 3, not 'x'",
        "PHQ-9 has no item '42'",
    ]
    assert post(as_bob, score_url("phq-9"), {"answers": "1,2,3"}).status_code == 400
    assert post(as_bob, score_url("phq-9"), {}).status_code == 400
    malformed = as_bob.post(score_url("phq-9"), data="{", content_type="application/json")
    assert malformed.status_code == 400


def test_the_practice_classification_rule_applies_in_the_api(as_alice, practice_a, alice):
    from assessments.models import (
        CitedValueKind,
        ClassificationRule,
        PracticeCitedValue,
        PracticeInstrumentSettings,
    )

    ecr = acknowledge(practice_a, "ecr-r", alice)
    answers = [4] * 36  # 4 and 4: on the midpoint
    assert post(as_alice, score_url("ecr-r"), {"answers": answers}).json()["style"]["status"] == (
        "unclassified"
    )
    PracticeInstrumentSettings.objects.create(
        practice=practice_a, instrument=ecr, classification_rule=ClassificationRule.NORM
    )
    style = post(as_alice, score_url("ecr-r"), {"answers": answers}).json()["style"]
    assert style["status"] == "unavailable"  # no norms: never invented
    for subscale, mean in (("anxiety", "3.5"), ("avoidance", "4.5")):
        PracticeCitedValue.objects.create(
            practice=practice_a,
            instrument=ecr,
            subscale=subscale,
            kind=CitedValueKind.NORM_MEAN,
            value=mean,
            citation="Practice's cited norm study",
        )
    style = post(as_alice, score_url("ecr-r"), {"answers": answers}).json()["style"]
    assert (style["rule"], style["quadrant"]) == ("norm", "anxious-preoccupied")
    assert style["dimensions"]["anxiety"]["split"] == 3.5


def test_score_command_errors_are_clear(practice_a):
    with pytest.raises(CommandError, match=r"No instrument 'phq-10'\. Known codes: ecr-r"):
        call_command("score", "phq-10", "--answers", "1")
    with pytest.raises(CommandError, match="item 1: 9 is outside the scale 0 to 3"):
        call_command("score", "phq-9", "--answers", "9,0,0")
    with pytest.raises(CommandError, match="There is no practice"):
        call_command("score", "phq-9", "--answers", "0", "--practice", "999999")


def test_score_command_reaches_a_practice_custom_instrument(custom_in_b, practice_b, practice_a):
    out = io.StringIO()
    call_command(
        "score",
        custom_in_b.code,
        "--answers",
        "1,5,1,2,2,2",
        "--practice",
        str(practice_b.pk),
        stdout=out,
    )
    assert json.loads(out.getvalue())["subscales"]["a"]["score"] == 3
    with pytest.raises(CommandError, match="No instrument"):
        call_command("score", custom_in_b.code, "--answers", "1", "--practice", str(practice_a.pk))
    assert Instrument.objects.shipped().filter(code=custom_in_b.code).count() == 0
