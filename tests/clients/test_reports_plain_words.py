"""The client-friendly report in plain words (issue 14), read back from the real PDF: the two
dimensions first, each attachment pattern explained in Attune's own words, earned security in
plain language, category names only when the practice asks for them and never on their own,
and the reasons a change cannot be judged said as they are."""

import datetime
import re

import pytest
from django.utils import timezone

from assessments.models import CitedValueKind, PracticeInstrumentSettings
from clients.models import Report
from clients.reports import sections
from practice.models import AuditEvent
from tests.clients.reports_helpers import (
    FakeSource,
    ecr_history,
    make_report,
    media,  # noqa: F401 - fixture
    phq9_history,
    shipped,
)
from tests.clients.test_reports_content import cite, rendered

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

WORDS = sections.PLAIN_WORDS
CATEGORY_NAMES = ("Secure", "Anxious-preoccupied", "Dismissive-avoidant", "Fearful-avoidant")
# ECR-R means on a 1-7 scale whose midpoint (4) splits the plane.
PATTERNS = {
    "secure": [(2, 2), (2, 2)],
    "anxious-preoccupied": [(6, 2), (6, 2)],
    "dismissive-avoidant": [(2, 6), (2, 6)],
    "fearful-avoidant": [(6, 6), (6, 6)],
}


def ecr_numbers(practice, sd=1):
    for dimension in ("anxiety", "avoidance"):
        cite(practice, "ecr-r", dimension, CitedValueKind.RELIABILITY, "0.5")
        cite(practice, "ecr-r", dimension, CitedValueKind.SD, sd)


def client_report(erin, bob, *histories) -> str:
    report = make_report(erin, bob, audience=Report.Audience.CLIENT)
    return rendered(report, FakeSource(histories))


def flat(text: str) -> str:
    return " ".join(text.split())


def names_on(practice):
    PracticeInstrumentSettings.objects.update_or_create(
        practice=practice, instrument=shipped("ecr-r"), defaults={"pattern_names_for_clients": True}
    )


class TestEachPattern:
    @pytest.mark.parametrize("pattern", list(PATTERNS))
    def test_the_patterns_own_explanation_and_no_other(self, erin, bob, practice_a, pattern):
        ecr_numbers(practice_a)
        text = client_report(erin, bob, ecr_history(practice_a, PATTERNS[pattern]))
        area = WORDS["areas"][pattern]
        for part in ("feel", "common", "help"):
            assert flat(area[part]) in text, part
        for other, words in WORDS["areas"].items():
            if other != pattern:
                assert flat(words["feel"]) not in text, other
        # Dimensions first: what each means, that lower is better, start and now.
        assert flat(WORDS["dimensions"]["anxiety"]) in text
        assert flat(WORDS["dimensions"]["avoidance"]) in text
        assert flat(WORDS["lower_is_better"]) in text
        assert f"Your latest answers are {area['where']}" in text
        assert "compared with" in text and "at the start" in text
        # Names are off by default for client reports: no category name anywhere.
        for name in CATEGORY_NAMES:
            assert name not in text, name

    def test_a_client_who_moved_to_secure(self, erin, bob, practice_a):
        ecr_numbers(practice_a)
        text = client_report(erin, bob, ecr_history(practice_a, [(6, 6), (4, 4), (2, 2)]))
        assert flat(WORDS["moves"]["moved_reliably"]["text"]) in text
        assert flat(WORDS["earned_security"]) in text
        assert flat(WORDS["areas"]["secure"]["feel"]) in text
        assert "Not yet in the secure area" not in text

    def test_names_when_the_practice_asks_never_alone(self, erin, bob, practice_a):
        ecr_numbers(practice_a)
        names_on(practice_a)
        text = client_report(erin, bob, ecr_history(practice_a, PATTERNS["fearful-avoidant"]))
        area = WORDS["areas"]["fearful-avoidant"]
        assert f'often called "Fearful-avoidant" ({area["where"]})' in text
        assert f"Fearful-avoidant ({area['where']})" in text  # the table's style column
        for name in CATEGORY_NAMES:  # every name comes with what it means
            assert re.findall(rf"{name}\b(?!\"? \()", text) == [], name

    def test_the_clinical_record_keeps_its_names(self, erin, bob, practice_a):
        ecr_numbers(practice_a)
        report = make_report(erin, bob)
        text = rendered(report, FakeSource([ecr_history(practice_a, PATTERNS["secure"])]))
        assert "Latest style: Secure" in text
        assert flat(WORDS["areas"]["secure"]["feel"]) not in text


class TestSecureAreaWording:
    """The report said "Your latest answers sit in the secure area ... Not yet in the secure
    area" to clients who were secure all along or moved within measurement error."""

    def test_secure_throughout(self, erin, bob, practice_a):
        ecr_numbers(practice_a)
        text = client_report(erin, bob, ecr_history(practice_a, [(2, 2), (3, 3), (2, 2)]))
        assert "Not yet in the secure area" not in text
        assert flat(WORDS["moves"]["secure_throughout"]["text"]) in text

    def test_moved_within_measurement_error(self, erin, bob, practice_a):
        ecr_numbers(practice_a, sd=2)  # a margin of about 3.9: a move of 2 is within error
        text = client_report(erin, bob, ecr_history(practice_a, [(5, 5), (3, 3)]))
        assert "Not yet in the secure area" not in text
        assert flat(WORDS["moves"]["moved_within_error"]["text"]) in text

    def test_still_outside_the_secure_area(self, erin, bob, practice_a):
        ecr_numbers(practice_a)
        text = client_report(erin, bob, ecr_history(practice_a, [(6, 6), (5, 5)]))
        assert flat(WORDS["moves"]["not_yet"]["text"]) in text


class TestWhyChangeIsNotJudged:
    """ "Too early to say" was shown when the real reason was that no cited reliability numbers
    were entered."""

    def test_the_client_is_told_the_numbers_are_missing(self, erin, bob, practice_a):
        text = client_report(erin, bob, phq9_history(practice_a, [20, 5]))
        assert "too early to say" not in text.lower()
        assert flat(WORDS["not_judged"]["no_numbers"]) in text

    def test_a_move_to_secure_without_numbers(self, erin, bob, practice_a):
        text = client_report(erin, bob, ecr_history(practice_a, [(6, 6), (2, 2)]))
        assert "too early to say" not in text.lower()
        assert flat(WORDS["moves"]["moved_not_judged"]["text"]) in text

    def test_the_clinician_is_told_where_to_enter_them(self, erin, bob, practice_a):
        report = make_report(erin, bob)
        text = rendered(report, FakeSource([phq9_history(practice_a, [20, 5])]))
        assert "no cited standard deviation" in text
        assert "Instruments → PHQ-9 → Practice settings" in text


def test_a_period_whose_only_answers_are_the_baseline(erin, bob, practice_a):
    start = timezone.now() - datetime.timedelta(days=30)
    text = client_report(erin, bob, ecr_history(practice_a, [(6, 2)], start=start))
    assert flat(WORDS["areas"]["anxious-preoccupied"]["feel"]) in text
    assert "Not yet in the secure area" not in text


class TestTheSetting:
    """Owners choose on the attachment instrument's practice settings whether client reports
    name the pattern; the choice is audited and moves no reliable-change label."""

    def test_owner_turns_names_on_and_off(self, as_alice, practice_a):
        url = "/instruments/ecr-r/settings/"
        page = as_alice.get(url).content.decode()
        assert "Name attachment patterns in client-friendly reports" in page
        assert 'name="pattern_names_for_clients"' in page
        assert as_alice.post(url, {"pattern_names_for_clients": "on"}).status_code == 302
        row = PracticeInstrumentSettings.objects.get(practice=practice_a)
        assert row.pattern_names_for_clients
        assert AuditEvent.objects.filter(
            object_type="practiceinstrumentsettings", fields=["pattern_names_for_clients"]
        ).exists()
        practice_a.refresh_from_db()
        assert practice_a.progress_rebuild_requested_at is None  # no label moved
        # A browser posts every field; an unticked box is simply absent.
        off = as_alice.post(url, {"classification_rule": "", "rci_critical_value": ""})
        assert off.status_code == 302
        row.refresh_from_db()
        assert not row.pattern_names_for_clients

    def test_only_attachment_instruments_offer_it(self, as_alice):
        page = as_alice.get("/instruments/gad-7/settings/").content.decode()
        assert "pattern_names_for_clients" not in page
