"""The language a report is written in (issue 15), read back from the real PDF: the client-friendly
report in the client's language (``Client.language``), its plain words included, and the clinical
record in the site's, whoever it is about."""

import calendar
import datetime

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise

from assessments import scoring
from clients.models import Report
from clients.reports import content, sections
from clients.reports.plain_words import PLAIN_WORDS
from tests.clients.reports_helpers import (
    FakeSource,
    ecr_history,
    make_report,
    media,  # noqa: F401 - fixture
)
from tests.clients.test_reports_content import rendered
from tests.clients.test_reports_plain_words import ecr_numbers, flat
from tests.test_choices_marked import PREFIX, every_string_in_spanish  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def english(text) -> str:
    with translation.override("en"):
        return flat(str(text))


def texts(words, path=()):
    """Every text of ``words`` (a nest of dicts) with the keys that lead to it."""
    for key, value in words.items():
        if isinstance(value, dict):
            yield from texts(value, (*path, key))
        else:
            yield (*path, key), value


class TestPlainWordsAreMarked:
    def test_every_plain_words_text_is_a_lazy_translation(self):
        found = list(texts(PLAIN_WORDS))
        assert len(found) > 40
        assert [path for path, text in found if not isinstance(text, Promise)] == []

    @pytest.mark.usefixtures("every_string_in_spanish")
    def test_every_plain_words_text_comes_out_translated(self):
        untranslated = [
            path for path, text in texts(PLAIN_WORDS) if not str(text).startswith(PREFIX)
        ]
        assert untranslated == []

    @pytest.mark.parametrize(
        "worse, key",
        [
            ({"anxiety"}, "moved_with_worse_anxiety"),
            ({"avoidance"}, "moved_with_worse_avoidance"),
            ({"anxiety", "avoidance"}, "moved_with_worse_both"),
        ],
    )
    def test_a_move_to_secure_while_a_dimension_rose_has_a_whole_sentence(self, worse, key):
        verdict = {
            "baseline": "fearful-avoidant",
            "latest": "secure",
            "status": "not_earned",
            "dimensions": {
                name: scoring.DETERIORATED if name in worse else scoring.IMPROVED
                for name in ("anxiety", "avoidance")
            },
        }
        assert sections._plain_move(verdict) == key
        assert "rose by more than everyday ups and downs" in str(PLAIN_WORDS["moves"][key]["text"])


class TestTheReportsLanguage:
    @pytest.mark.parametrize(
        "audience, language, expected",
        [
            (Report.Audience.CLIENT, "es", "es"),
            (Report.Audience.CLIENT, "en", "en"),
            (Report.Audience.CLINICAL, "es", "en-gb"),
        ],
    )
    def test_the_client_friendly_report_speaks_the_clients_language(
        self, erin, bob, audience, language, expected
    ):
        erin.language = language
        erin.save(update_fields=["language"])
        assert content.report_language(make_report(erin, bob, audience=audience)) == expected

    @pytest.mark.usefixtures("every_string_in_spanish")
    def test_a_spanish_clients_report_is_written_through_the_catalogue(self, erin, bob, practice_a):
        """Under a catalogue that prefixes every string, the client-friendly PDF shows the
        template's words, the sections' sentences and the plain words prefixed; the clinical
        record of the same client stays in the site's language."""
        erin.language = "es"
        erin.save(update_fields=["language"])
        ecr_numbers(practice_a)
        history = ecr_history(practice_a, [(6, 6), (4, 4), (2, 2)])
        report = make_report(erin, bob, audience=Report.Audience.CLIENT)
        text = rendered(report, FakeSource([history]))
        area = PLAIN_WORDS["areas"]["secure"]
        with_prefix = [
            "Your progress report",
            "What answers like these can mean",
            "About this report",
            *(
                english(words)
                for words in (
                    PLAIN_WORDS["dimensions"]["anxiety"],
                    PLAIN_WORDS["lower_is_better"],
                    area["feel"],
                    PLAIN_WORDS["moves"]["moved_reliably"]["text"],
                    PLAIN_WORDS["earned_security"],
                )
            ),
        ]
        assert [words for words in with_prefix if f"{PREFIX}{words}" not in text] == []
        assert f"{PREFIX}Your latest answers are {PREFIX}{english(area['where'])}" in text

        clinical = rendered(make_report(erin, bob), FakeSource([history]))
        assert "Clinical record report" in clinical
        assert PREFIX.strip() not in clinical.split()


def test_a_spanish_clients_report_reads_in_spanish(erin, bob, practice_a):
    """With the shipped catalogue: the template's words, the sentences, the plain words, the
    dates and the chart's words in Spanish, and none of the English ones left."""
    erin.language = "es"
    erin.save(update_fields=["language"])
    ecr_numbers(practice_a)
    history = ecr_history(practice_a, [(6, 6), (4, 4), (2, 2)])
    text = rendered(make_report(erin, bob, audience=Report.Audience.CLIENT), FakeSource([history]))

    today = timezone.localdate()  # make_report: the year up to today
    with translation.override("es"):
        start, end = (
            date_format(day, r"j \d\e F \d\e Y")  # "6 de diciembre de 2026"
            for day in (today - datetime.timedelta(days=365), today)
        )
    secure = PLAIN_WORDS["areas"]["secure"]
    shown = [
        PLAIN_WORDS["dimensions"]["anxiety"],
        PLAIN_WORDS["dimensions"]["avoidance"],
        PLAIN_WORDS["lower_is_better"],
        secure["feel"],
        secure["common"],
        secure["help"],
        PLAIN_WORDS["moves"]["moved_reliably"]["text"],
        PLAIN_WORDS["earned_security"],
    ]
    with translation.override("es"):
        spanish = [flat(str(words)) for words in shown]
    assert [words for words in spanish if words not in text] == []
    for words in (
        "Su informe de progreso",
        "De un vistazo",
        "Qué pueden significar respuestas como estas",
        "Sobre este informe",
        "Sus respuestas más recientes son bajas tanto en ansiedad como en evitación",
        f"Del {start} al {end}",  # the dates, in full as Spanish writes them
        "Ansiedad, más alto hacia arriba",  # the chart's axes
        "Evitación, más alto hacia la derecha",
    ):
        assert words in text, words
    left_in_english = [
        words
        for words in (
            "Your progress report",
            "At a glance",
            "About this report",
            "Change since the start",
            "Confidential",
            "Your latest answers",
            "Baseline",
            "Latest",
            "higher",
            *calendar.month_name[1:],
            *(english(words) for _path, words in texts(PLAIN_WORDS)),
        )
        if words in text
    ]
    assert left_in_english == []


def test_the_page_footers_words_are_css_strings_in_the_translations_order():
    assert content.css_content('Say "hi" <b>%(n)s', n="counter(page)") == (
        '"Say \\22 hi\\22  \\3c b\\3e " counter(page)'
    )
    assert content.css_content("%(pages)s: %(page)s", page="A", pages="B") == 'B ": " A'
