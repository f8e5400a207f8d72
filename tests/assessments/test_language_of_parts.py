"""WCAG 3.1.2, Language of Parts (issue 15): on a client's page in Spanish, the words that stay in
another language (an instrument's name, instructions, questions and answers, which no instrument
ships translated; a crisis line's words the shipped file does not translate) sit inside an element
whose ``lang`` names that language, so a screen reader reads them with the right voice. On an
English page nothing is marked."""

import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.utils import translation

from assessments import loader
from assessments.forms import QuestionnairePageForm
from assessments.loader.definitions import words_language
from practice.crisis_lines import crisis_lines
from tests.assessments.test_client_language_pages import (
    LATER,
    _no_broker,  # noqa: F401 - fixture
    crisis_page,
    page,
    start,
)
from tests.assessments.test_client_language_pages import (
    rosa as rosa,  # fixture
)

pytestmark = pytest.mark.django_db


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Languages(HTMLParser):
    """Each text of a page with the ``lang`` of its innermost element that has one."""

    def __init__(self):
        super().__init__()
        self.open: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.open.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if not any(tag == "body" for tag, _lang in self.open):
            return
        langs = [lang for _tag, lang in self.open if lang]
        self.texts.append((data, langs[-1] if langs else None))


def inside_lang(html: str, text: str) -> str | None:
    """The ``lang`` the first text holding ``text`` in the page's body is read in."""
    parser = _Languages()
    parser.feed(html)
    return next(lang for data, lang in parser.texts if text in data)


def ecr_rs_definition() -> dict:
    return loader.load_text((loader.INSTRUMENTS_DIR / "ecr-rs.yaml").read_text(), "ecr-rs.yaml")[0]


class TestTheInstrumentsWordsLanguage:
    @pytest.mark.parametrize(
        "own, page_language, expected",
        [("en", "es", "en"), ("en", "en-gb", ""), ("en-GB", "en", ""), ("fr", "es", "fr")],
    )
    def test_marked_only_when_not_the_pages(self, own, page_language, expected):
        assert words_language({"language": own}, page_language) == expected

    def test_the_anchors_words_in_a_spanish_key_are_marked_with_the_instruments_language(self):
        definition = ecr_rs_definition() | {"language": "fr"}
        with translation.override("es"):
            form = QuestionnairePageForm(
                questions=definition["items"][:1], definition=definition, require_answers=True
            )
        (key,) = form.scale_keys
        assert '1 <span lang="fr">Strongly disagree</span>' in key
        assert '7 <span lang="fr">Strongly agree</span>' in key
        assert key.startswith("Responda de 1 a 7.")

    def test_an_english_key_marks_nothing(self):
        definition = ecr_rs_definition()
        with translation.override("en"):
            form = QuestionnairePageForm(
                questions=definition["items"][:1], definition=definition, require_answers=True
            )
        assert "lang=" not in form.scale_keys[0]
        assert "1 Strongly disagree" in form.scale_keys[0]


class TestTheSpanishQuestionnairePage:
    def test_the_instruments_words_sit_inside_lang_en(self, rosa):
        token, browser, _ = start(rosa)
        with time_machine.travel(LATER, tick=False):
            html = browser.get(page(token, 1)).content.decode()
        assert '<html lang="es">' in html
        for words in (
            "Patient Health Questionnaire",  # the name, in the page's heading
            "Little interest or pleasure in doing things",  # a question
            "Not at all",  # an answer
            "Developed by",  # the attribution
        ):
            assert inside_lang(html, words) == "en", words
        assert inside_lang(html, "Guardar y continuar") == "es"  # the page's own words

    def test_an_anchors_only_scales_key_marks_its_words(self, rosa):
        token, browser, _ = start(rosa, "ecr-r")
        with time_machine.travel(LATER, tick=False):
            html = browser.get(page(token, 1)).content.decode()
        key = re.search(r'<p class="q-scale-key">(.*?)</p>', html).group(1)
        assert key.startswith("Responda de 1 a 7.")
        assert re.search(r'1 <span lang="en">[^<]+</span>', key), key
        assert inside_lang(html, "Responda de 1 a 7.") == "es"

    def test_an_english_page_marks_nothing(self, erin):
        token, browser, _ = start(erin, "ecr-r")
        with time_machine.travel(LATER, tick=False):
            html = browser.get(page(token, 1)).content.decode()
        body = html[html.index("<main") :]
        assert [lang for lang in re.findall(r'\slang="([^"]+)"', body) if lang != "en"] == []
        assert ' lang="en"' not in body.split('class="language-switch"')[0]
        assert "<h1>" in body


def test_the_crisis_pages_untranslated_line_words_are_marked(rosa, practice_a):
    html = crisis_page(rosa, practice_a)
    assert '<strong lang="en">Samaritans</strong>' in html  # the service's own name
    hours = "Las 24 horas, todos los días"  # translated in the file: the page's language
    assert inside_lang(html, hours) == "es"


def test_a_lines_words_left_in_english_are_named_only_on_another_languages_page():
    samaritans = crisis_lines()["gb-samaritans"]
    assert samaritans.in_language("es").in_english == {"name"}
    assert samaritans.in_language("de").in_english == {"name", "country_name", "hours"}
    assert samaritans.in_language("en").in_english == frozenset()
