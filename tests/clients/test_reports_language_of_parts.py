"""WCAG 3.1.2, Language of Parts, in the report (issue 15): a Spanish client's client-friendly
report keeps each instrument's own words (its name, citations, subscale labels, bands) in the
instrument's language, English, and its HTML marks them lang="en", the numbers beside them left
in the page's language; the clinical record, in English, marks nothing."""

import re

import pytest
from django.utils import translation

from clients.models import Report
from clients.reports import content
from tests.assessments.test_language_of_parts import inside_lang
from tests.clients.reports_helpers import (
    FakeSource,
    ecr_history,
    make_report,
    media,  # noqa: F401 - fixture
    phq9_history,
)
from tests.clients.test_reports_content import PHQ9_TOTALS, numbers, rendered  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media", "numbers")]


@pytest.fixture
def histories(practice_a):
    return [phq9_history(practice_a, PHQ9_TOTALS), ecr_history(practice_a, [(6, 6), (3, 2)])]


def report_html(report, histories, language) -> str:
    with translation.override(language):
        return content.render_html(content.gather(report, FakeSource(histories)))


def test_a_spanish_reports_instrument_words_are_marked_english(erin, bob, histories):
    erin.language = "es"
    erin.save(update_fields=["language"])
    report = make_report(erin, bob, audience=Report.Audience.CLIENT)
    html = report_html(report, histories, "es")
    assert '<html lang="es">' in html
    for words in (
        "Patient Health Questionnaire",  # the section's heading
        "Kroenke",  # a citation
        "Experiences in Close Relationships",
        "Anxiety",  # a subscale label: the table's column, and in the sentences
        "Mild",  # a band, in the table and the sentences
    ):
        assert inside_lang(html, words) == "en", words
    assert inside_lang(html, "Su informe de progreso") == "es"
    # The bands in the cells and sentences are marked, the score beside them is not.
    assert re.search(r'<td class="num">\d+ · <span lang="en">[A-Z][a-z]', html)
    sentence = next(
        line for line in re.findall(r"<p>([^\n]*?)</p>", html) if "Su puntuación" in line
    )
    assert '<span lang="en">' in sentence and "&lt;" not in sentence, sentence
    assert "\ue000" not in html and "\ue001" not in html

    # The PDF made from it reads the same words, without the markup.
    text = rendered(report, FakeSource(histories))
    assert "Patient Health Questionnaire" in text and "lang=" not in text


def test_the_clinical_record_in_english_marks_nothing(erin, bob, histories):
    html = report_html(make_report(erin, bob), histories, "en-gb")
    assert re.findall(r'\slang="[^"]*"', html) == [' lang="en-gb"']
    assert "\ue000" not in html and "Mild" in html
