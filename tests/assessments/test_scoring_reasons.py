"""The engine's stored reasons (why an alert was not checked, why a style was not classified)
stay English in the result and read in the reader's language where a page shows them (issue 15).

A result is stored when answers are submitted, and exports, the API and exact comparisons read
its ``reason``; so the engine writes each reason from a sentence marked with ``gettext_noop``,
and ``scoring.shown_reason`` finds the sentence and its values again to translate them. The
catalogue faked by ``every_string_in_spanish`` translates every string to the English with a
prefix, so each translated piece shows.
"""

from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from assessments import scoring
from assessments.scoring import reasons
from clients.reports import sections
from tests.assessments.test_scoring_tables import ECR_R_REVERSED, ecr_r, shipped
from tests.practice.progress_helpers import day, ecr, respond
from tests.test_choices_marked import every_string_in_spanish  # noqa: F401 - fixture

VALUES = {
    reasons.ITEM_UNANSWERED: {"item": "9"},
    reasons.SCORE_INCOMPLETE: {"subscale": "total"},
    reasons.ONE_ON_SPLIT: {"dimension": "avoidance"},
    reasons.TIED: {"styles": "Secure, Fearful-avoidant"},
    reasons.TIED_NOT_CHOSEN: {"styles": "Secure, Fearful-avoidant", "item": "1"},
    reasons.TIED_CHOSEN_OTHER: {
        "styles": "Secure, Fearful-avoidant",
        "item": "1",
        "style": "Dismissive-avoidant",
    },
}
SPANISH = pytest.mark.usefixtures("every_string_in_spanish")
ON_SPLIT = "anxiety is exactly on the split point; the rule leaves such scores unclassified"


@pytest.mark.parametrize("sentence", reasons.REASONS)
def test_every_reason_is_found_again_with_its_values(sentence):
    values = VALUES.get(sentence, {})
    assert reasons.parse_reason(sentence % values) == (sentence, values)


def test_a_reason_the_engine_does_not_write_is_not_found():
    assert reasons.parse_reason("the moon is full") is None
    assert reasons.parse_reason("") is None


@SPANISH
def test_the_stored_reason_is_english_whatever_language_is_active():
    answers = ecr_r(4)
    answers.update({n: (7 if n in ECR_R_REVERSED else 1) for n in range(19, 37)})
    style = scoring.score(shipped("ecr-r"), answers)["style"]
    assert style["reason"] == ON_SPLIT
    assert scoring.shown_reason(style["reason"]) == (
        "ES ES anxiety is exactly on the split point; the rule leaves such scores unclassified"
    )


@SPANISH
def test_the_sentence_and_the_words_in_it_are_translated():
    stored = reasons.TIED_CHOSEN_OTHER % VALUES[reasons.TIED_CHOSEN_OTHER]
    assert scoring.shown_reason(stored) == (
        "ES ES Secure, ES Fearful-avoidant are rated equally highest; the forced choice "
        "(item 1) named ES Dismissive-avoidant, not one of them"
    )
    # Numbers and subscale keys are not words to translate.
    assert scoring.shown_reason("item 9 was not answered") == "ES item 9 was not answered"
    assert scoring.shown_reason("the total score is incomplete") == (
        "ES the total score is incomplete"
    )


@SPANISH
def test_a_reason_it_does_not_know_is_shown_as_stored():
    assert scoring.shown_reason("an older wording of a reason") == "an older wording of a reason"
    assert scoring.shown_reason(None) == ""


def test_without_a_language_the_reason_reads_as_stored():
    for sentence in reasons.REASONS:
        stored = sentence % VALUES.get(sentence, {})
        assert scoring.shown_reason(stored) == stored


@pytest.mark.django_db
@SPANISH
def test_the_progress_page_shows_why_a_style_is_missing_in_spanish(as_bob, erin):
    response = respond(erin, "ecr-r", ecr(4, 2), day(2025, 1, 6))
    assert response.result["style"]["reason"] == ON_SPLIT
    html = as_bob.get(reverse("clients:progress", args=[erin.pk])).content.decode()
    assert "(ES ES anxiety is exactly on the split point;" in html
    assert f"({ON_SPLIT})" not in html


@SPANISH
def test_the_reports_style_line_reads_in_the_active_language():
    section = SimpleNamespace(style_line="", earned_security=None)
    latest = SimpleNamespace(result={"style": {"label": None, "reason": ON_SPLIT}})
    sections._style(section, {"classification": {"method": "quadrant"}}, latest, None)
    assert section.style_line == (
        "ES Latest style: not classified (ES ES anxiety is exactly on the split point; "
        "the rule leaves such scores unclassified)"
    )
    latest.result["style"] = {"label": "Secure", "quadrant": "secure", "rule": "midpoint"}
    sections._style(section, {"classification": {"method": "quadrant"}}, latest, None)
    assert section.style_line == "ES Latest style: ES Secure (midpoint rule)"


@SPANISH
def test_the_builders_test_scoring_reads_in_the_active_language():
    stored = reasons.TIED_NOT_CHOSEN % VALUES[reasons.TIED_NOT_CHOSEN]
    result = {
        "status": "complete",
        "subscales": {},
        "alerts": [],
        "style": {"label": None, "reason": stored, "rule": "highest prototype rating"},
    }
    html = render_to_string("assessments/builder/_preview.html", {"result": result})
    assert "ES ES Secure, ES Fearful-avoidant are rated equally highest" in html
    classified = {**result, "style": {"label": "Secure", "quadrant": "secure", "rule": "x"}}
    html = render_to_string("assessments/builder/_preview.html", {"result": classified})
    assert "<strong>ES Secure</strong>" in html
