"""The builder says what the schema can (issue 16): weighted sums and differences of items, a
prototype classification with its forced-choice tie-break, a quadrant classification, alerts with
every operator on an item or a score (and ``critical``), scales labelled at their anchors, and
missing-answer rules. Each goes build -> YAML -> loader -> engine, and scores as the published
rule does:

- the Relationship Questionnaire's model of self = (secure + dismissing) - (preoccupied +
  fearful) and model of other = (secure + preoccupied) - (dismissing + fearful) (Griffin &
  Bartholomew, 1994), ties between prototype ratings decided by part 1's "which describes you
  best" (Bartholomew & Horowitz, 1991): ``rq_like.yaml``, placeholder wording;
- the ECR-RS: avoidance = mean of items 1-6 after reversing 1-4, anxiety = mean of 7-9, split at
  the scale midpoint 4, a score on the split left unclassified (the shipped file);
- the PHQ-9: total = sum of items 1-9, Kroenke's bands, item 9 above 0 a safety alert, a total
  of 10 or more the clinical range (the shipped file).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from django.urls import reverse

from assessments import builder, loader, scoring
from assessments.models import Instrument
from tests.assessments.helpers import shipped

pytestmark = pytest.mark.django_db

BUILD = reverse("assessments:build")
RQ_FILE = Path(__file__).resolve().parent / "rq_like.yaml"
(RQ,) = loader.load_bytes(RQ_FILE.read_bytes(), RQ_FILE.name)


def post(fields: dict, **lists) -> dict:
    """A builder POST: ``fields`` of the instrument, each list of rows as a formset, and the
    classification's fields (``classification={...}``)."""
    data = {
        "version": "1",
        "language": "en",
        "citation": "See the test's docstring.",
        "licence_note": "Test instrument; placeholder wording where a licence applies.",
        **fields,
    }
    for name in ("labels", "items", "subscales", "bands", "alerts", "tie_options"):
        rows = lists.get(name, [])
        data.update(
            {
                f"{name}-TOTAL_FORMS": str(len(rows)),
                f"{name}-INITIAL_FORMS": "0",
                f"{name}-MIN_NUM_FORMS": "0",
                f"{name}-MAX_NUM_FORMS": "1000",
            }
        )
        for index, row in enumerate(rows):
            data.update({f"{name}-{index}-{key}": value for key, value in row.items()})
    for key, value in lists.get("classification", {}).items():
        data[f"classification-{key}"] = value
    return data


def built(data: dict) -> dict:
    """The definition the builder makes of ``data``, through its YAML and the upload's loader."""
    definition, problems = builder.build(*builder.bound(data).rows())
    assert problems == []
    (loaded,) = loader.load_bytes(builder.to_yaml(definition).encode(), "built.yaml")
    return loaded


def rq_like() -> dict:
    """The RQ-shaped test instrument as an owner fills in the builder."""
    items = [{"text": "Which of the descriptions A to D describes you best? (placeholder)"}] + [
        {"text": f"Description {letter} (placeholder)"} for letter in "ABCD"
    ]
    ratings = [("secure", "Secure", "2"), ("fearful", "Fearful", "3")]
    ratings += [("preoccupied", "Preoccupied", "4"), ("dismissing", "Dismissing", "5")]
    subscales = [
        {"key": key, "label": label, "method": "sum", "better": "lower", "items": item}
        for key, label, item in ratings
    ]
    subscales[0]["better"] = "higher"
    subscales += [
        {"key": "self_model", "label": "Model of self", "method": "weighted", "better": "higher",
         "weights": "(2 + 5) - (4 + 3)"},
        {"key": "other_model", "label": "Model of other", "method": "weighted",
         "better": "higher", "weights": "(2 + 4) \u2212 (5 + 3)"},
    ]  # fmt: skip
    labels = [("1", "Not at all like me"), ("4", "Somewhat like me"), ("7", "Very much like me")]
    tie = [("1", "A", "secure"), ("2", "B", "fearful-avoidant")]
    tie += [("3", "C", "anxious-preoccupied"), ("4", "D", "dismissive-avoidant")]
    return post(
        {
            "name": "Relationship Questionnaire-shaped test instrument",
            "code": "rq-like-test",
            "scale_min": "1",
            "scale_max": "7",
            "scale_anchors_only": "on",
        },
        labels=[{"value": value, "label": label} for value, label in labels],
        items=items,
        subscales=subscales,
        tie_options=[{"value": v, "label": label, "style": s} for v, label, s in tie],
        classification={
            "method": "prototype",
            "secure": "secure",
            "anxious_preoccupied": "preoccupied",
            "dismissive_avoidant": "dismissing",
            "fearful_avoidant": "fearful",
            "on_tie": "forced_choice",
            "tie_item": "1",
            "source": RQ["classification"]["source"],
        },
    )


def test_weighted_scores_and_the_tie_break_build_the_same_rules_as_the_file():
    definition = built(rq_like())
    assert definition["scoring"]["subscales"] == RQ["scoring"]["subscales"]
    assert definition["classification"] == RQ["classification"]
    assert definition["items"] == RQ["items"]  # the forced choice's own A to D scale included
    assert definition["scale"] == RQ["scale"]


@pytest.mark.parametrize(
    ("answers", "models", "style", "tie_broken_by"),
    [
        # Bartholomew's example profile A 6, B 2, C 1, D 4: self (6 + 4) - (1 + 2) = 7,
        # other (6 + 1) - (4 + 2) = 1; secure rated highest.
        ((1, 6, 2, 1, 4), (7, 1), "secure", None),
        # Secure and preoccupied both 6: self (6 + 4) - (6 + 2) = 2, other (6 + 6) - (4 + 2)
        # = 6; the forced choice C names preoccupied, one of the two rated highest.
        ((3, 6, 2, 6, 4), (2, 6), "anxious-preoccupied", 1),
        # The same tie with the forced choice B (fearful), not one of them: unclassified.
        ((2, 6, 2, 6, 4), (2, 6), None, None),
    ],
)
def test_the_built_instrument_scores_by_the_published_formulas(
    answers, models, style, tie_broken_by
):
    definition = built(rq_like())
    by_item = dict(enumerate(answers, start=1))
    result = scoring.score(definition, by_item)
    assert result["subscales"] == scoring.score(RQ, by_item)["subscales"]
    subscales = result["subscales"]
    assert (subscales["self_model"]["score"], subscales["other_model"]["score"]) == models
    assert result["style"]["quadrant"] == style
    assert result["style"]["tie_broken_by"] == tie_broken_by


def test_every_profile_scores_as_the_file_does():
    definition = built(rq_like())
    for ratings in itertools.product((1, 4, 7), repeat=4):
        for choice in (1, 2, 3, 4):
            answers = dict(enumerate((choice, *ratings), start=1))
            mine, published = scoring.score(definition, answers), scoring.score(RQ, answers)
            assert mine["subscales"] == published["subscales"]
            assert mine["style"]["ratings"] == published["style"]["ratings"]
            for field in ("quadrant", "status", "tie_broken_by", "rule"):
                assert mine["style"][field] == published["style"][field]


def ecr_rs_like() -> dict:
    """The ECR-RS's mother domain as an owner would build it from the published key."""
    ecr = shipped("ecr-rs-mother")
    return post(
        {"name": "ECR-RS built", "code": "ecr-rs-built", "scale_min": "1", "scale_max": "7",
         "scale_anchors_only": "on"},
        labels=[{"value": "1", "label": "Strongly disagree"},
                {"value": "7", "label": "Strongly agree"}],
        items=[{"text": i["text"], "reverse": "on" if i["reverse"] else ""} for i in ecr["items"]],
        subscales=[
            {"key": "avoidance", "label": "Avoidance", "method": "mean", "better": "lower",
             "items": "1-6"},
            {"key": "anxiety", "label": "Anxiety", "method": "mean", "better": "lower",
             "items": "7-9"},
        ],
        classification={
            "method": "quadrant", "anxiety": "anxiety", "avoidance": "avoidance",
            "anxiety_split": "4", "avoidance_split": "4", "on_split": "unclassified",
            "split_source": ecr["classification"]["midpoint"]["source"],
            "source": ecr["classification"]["source"],
        },
    )  # fmt: skip


@pytest.mark.parametrize(
    "answers",
    [
        (7, 7, 7, 7, 1, 1, 1, 1, 1),  # secure: avoidance 1, anxiety 1
        (1, 1, 1, 1, 7, 7, 7, 7, 7),  # fearful-avoidant: both 7
        (4, 4, 4, 4, 4, 4, 5, 6, 7),  # avoidance exactly on the split: unclassified
        (6, 5, 7, 6, 2, 3, 6, 5, 4),
    ],
)
def test_a_quadrant_classification_scores_as_the_shipped_ecr_rs(answers):
    by_item = dict(enumerate(answers, start=1))
    mine = scoring.score(built(ecr_rs_like()), by_item)
    published = scoring.score(shipped("ecr-rs-mother"), by_item)
    assert mine["subscales"] == published["subscales"]
    assert mine["style"] == published["style"]


def phq_9_like(alert_rows) -> dict:
    phq = shipped("phq-9")
    (total,) = phq["scoring"]["subscales"]
    return post(
        {"name": "PHQ-9 built", "code": "phq-9-built", "scale_min": "0", "scale_max": "3"},
        labels=[{"value": str(x["value"]), "label": x["label"]} for x in phq["scale"]["labels"]],
        items=[{"text": item["text"]} for item in phq["items"][:9]],
        subscales=[
            {"key": "total", "label": "Total", "method": "sum", "better": "lower",
             "items": "1-9", "bands_source": total["bands_source"]},
        ],
        bands=[
            {"subscale": "total", "min": str(b["min"]), "max": str(b["max"]), "label": b["label"]}
            for b in total["bands"]
        ],
        alerts=alert_rows,
    )  # fmt: skip


# Kroenke's published safety rule, "item 9 above 0", said with each operator the schema has;
# the last two raise only for 0, the rule's complement.
ITEM_9 = [(">", "0"), (">=", "1"), ("<", "1"), ("<=", "0"), ("==", "0")]


@pytest.mark.parametrize(("operator", "value"), ITEM_9)
def test_alerts_take_every_operator_of_the_schema(operator, value):
    row = {"item": "9", "operator": operator, "value": value, "message": "Ask about safety.",
           "critical": "on"}  # fmt: skip
    definition = built(phq_9_like([row]))
    (rule,) = definition["alerts"]
    assert (rule["operator"], rule["critical"]) == (operator, True)
    raised_for = set()
    for answer in range(4):
        answers = dict.fromkeys(range(1, 9), 0) | {9: answer}
        if scoring.score(definition, answers)["alerts"]:
            raised_for.add(answer)
    assert raised_for == ({1, 2, 3} if operator in (">", ">=") else {0})


def test_the_built_phq_9_raises_what_the_shipped_one_does():
    rows = [
        {"item": "9", "operator": ">", "value": "0", "message": "Item 9 above 0.",
         "critical": "on"},
        {"subscale": "total", "operator": ">=", "value": "10",
         "message": "Total in the clinical range (10 or more)."},
    ]  # fmt: skip
    definition = built(phq_9_like(rows))
    assert definition["alerts"][1]["subscale"] == "total"
    phq = shipped("phq-9")
    for answers in (
        [0] * 9,
        [1] * 8 + [1],
        [2] * 5 + [0] * 4,
        [3] * 9,
        [1, 2, 1, 2, 1, 2, 1, 0, 0],
    ):
        by_item = dict(enumerate(answers, start=1))
        mine, published = scoring.score(definition, by_item), scoring.score(phq, by_item)
        assert (mine["subscales"]["total"]["score"], mine["subscales"]["total"]["band"]) == (
            published["total"],
            published["band"],
        )
        assert [a["item"] for a in mine["alerts"] if "item" in a] == [
            a["item"] for a in published["alerts"]
        ]
        in_range = [a for a in mine["alerts"] if a.get("subscale") == "total"]
        assert bool(in_range) == (published["total"] >= 10)


def test_a_missing_answer_rule_is_written_as_the_schema_has_it():
    """The mechanism only: no shipped instrument has a verified proration rule, so the rule
    here is the test's own, marked as such, never a published one."""
    data = phq_9_like([])
    data.update(
        {
            "subscales-0-max_missing": "2",
            "subscales-0-prorate": "on",
            "subscales-0-missing_source": "Test rule, not any instrument's.",
        }
    )
    definition = built(data)
    assert definition["scoring"]["subscales"][0]["missing"] == {
        "max_missing_items": 2,
        "prorate": True,
        "source": "Test rule, not any instrument's.",
    }
    seven = dict.fromkeys(range(1, 8), 2)  # items 8 and 9 unanswered
    result = scoring.score(definition, seven)
    assert result["subscales"]["total"]["score"] == 18  # 14 scaled up from 7 items to 9
    assert result["subscales"]["total"]["status"] == "scored"
    three_missing = dict.fromkeys(range(1, 7), 2)
    assert scoring.score(definition, three_missing)["subscales"]["total"]["score"] is None


def problems_of(client, data) -> set[tuple[str, str]]:
    response = client.post(BUILD, {**data, "action": "save"})
    assert response.status_code == 400
    return {(p["where"], p["message"]) for p in response.context["problems"]}


def test_mistakes_in_the_new_parts_are_named_in_the_builders_words(as_alice):
    data = rq_like()
    data["subscales-4-weights"] = "(2 + 5) - (4 + y3"
    data["subscales-5-max_missing"] = "1"
    data["tie_options-3-value"] = "5"
    data["classification-secure"] = "safe"
    problems = problems_of(as_alice, data)
    assert ("Score 5, formula", "'y3' is not part of a formula") in problems
    assert any(
        where == "Score 6, missing answers, unanswered items allowed" and "weighted" in message
        for where, message in problems
    )
    assert ("Classification, rating of, secure", "no score has the key 'safe'; use a key from Scores") in problems  # fmt: skip
    assert any("every answer to item 1 must name a prototype" in m for _, m in problems)
    data = phq_9_like([{"item": "9", "subscale": "total", "operator": "<", "value": "1",
                        "message": "Both."}])  # fmt: skip
    data["subscales-0-max_missing"] = "2"
    problems = problems_of(as_alice, data)
    assert ("Alert 1, item", "give an item number or a score key, not both") in problems
    assert any(where.startswith("Score 1, missing answers") for where, _ in problems)
    assert not Instrument.objects.filter(code__in=["rq-like-test", "phq-9-built"]).exists()


def test_the_page_offers_every_new_part_without_javascript(as_alice):
    html = as_alice.get(BUILD).content.decode()
    for field in (
        "id_scale_anchors_only",
        "id_subscales-0-weights",
        "id_subscales-0-max_missing",
        "id_subscales-0-prorate",
        "id_alerts-0-operator",
        "id_alerts-0-subscale",
        "id_classification-method",
        "id_classification-tie_item",
        "id_tie_options-0-style",
    ):
        assert f'<label for="{field}"' in html, field
    assert '<option value="&lt;=">is at or below</option>' in html


def test_preview_shows_the_style_and_the_tie_break(as_alice):
    data = rq_like()
    answers = {"answer-1": "3", "answer-2": "6", "answer-3": "2", "answer-4": "6", "answer-5": "4"}
    response = as_alice.post(BUILD, {**data, **answers, "action": "preview"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Model of self: <strong>2</strong>" in html
    assert "<strong>Anxious-preoccupied</strong> (equal highest ratings, decided by item 1)" in html
    assert html.count('name="answer-1"') == 4  # the forced choice offers its own A to D
    # The rating scale is labelled at its anchors: the client's key line, as on their page.
    assert "Only some answers have words: 1 Not at all like me, 4 Somewhat like me" in html


def test_forced_choice_answers_without_a_forced_choice_tie_break_are_pointed_out(as_alice):
    data = rq_like()
    data["classification-on_tie"] = "unclassified"
    problems = problems_of(as_alice, data)
    assert any(
        where == "Classification, equal highest ratings" and "read only when" in message
        for where, message in problems
    )


def test_a_built_instrument_with_every_part_is_edited_in_the_builder(as_alice):
    assert as_alice.post(BUILD, {**rq_like(), "action": "save"}).status_code == 302
    instrument = Instrument.objects.get(code="rq-like-test")
    _fields, rows = builder.rows_from_definition(instrument.definition)
    assert [row["weights"] for row in rows["subscales"][4:]] == [
        "(2 + 5) - (4 + 3)",
        "(2 + 4) - (5 + 3)",
    ]
    page = as_alice.get(reverse("assessments:rebuild", args=["rq-like-test"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="(2 + 5) - (4 + 3)"' in html
    assert 'name="classification-tie_item" value="1"' in html


def test_a_scale_labelled_at_its_anchors_leaves_the_other_rows_blank(as_alice):
    """Widening 0-3 to 1-7 offers a row per point; with anchors only, the rows left blank are
    no problem, and the blank row for 0, now off the scale, goes."""
    data = rq_like()
    data = {key: value for key, value in data.items() if not key.startswith("labels-")}
    data.update({f"labels-{v}-value": str(v) for v in range(4)})
    data.update({"labels-TOTAL_FORMS": "4", "labels-INITIAL_FORMS": "0"})
    data.update({"labels-1-label": "Not at all like me", "labels-3-label": "Somewhat like me"})
    response = as_alice.post(BUILD, {**data, "action": "preview"})
    assert response.context["problems"] == []
    labels = response.context["forms"].formsets["labels"].initial
    assert [row["value"] for row in labels] == [str(v) for v in range(1, 8)]
    definition = built(data)
    assert definition["scale"]["labels"] == [
        {"value": 1, "label": "Not at all like me"},
        {"value": 3, "label": "Somewhat like me"},
    ]


@pytest.mark.parametrize(
    "data",
    [
        rq_like(),
        ecr_rs_like(),
        phq_9_like(
            [
                {
                    "item": "9",
                    "operator": ">",
                    "value": "0",
                    "message": "Item 9.",
                    "critical": "on",
                },
                {"subscale": "total", "operator": "<=", "value": "4", "message": "Minimal."},
            ]
        ),
        {
            **phq_9_like([]),
            "subscales-0-max_missing": "2",
            "subscales-0-prorate": "on",
            "subscales-0-missing_source": "Test rule, not any instrument's.",
        },
    ],
    ids=["prototype-weighted", "quadrant", "alerts", "missing"],
)
def test_every_part_reads_back_into_the_builder_unchanged(data):
    """Editing starts from the stored definition: its rows build the same definition again."""
    definition = built(data)
    fields, rows = builder.rows_from_definition(definition)
    rebuilt, problems = builder.build(fields, rows)
    assert problems == []
    (again,) = builder.check(rebuilt)
    assert again == definition
