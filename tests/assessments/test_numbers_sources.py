"""Where the reliable-change numbers come from (issue 14): the progress page says from which
reliability and SD a margin comes, with their sources, marks illustrative numbers, says when the
practice last changed them, and shows the style's rule beside the style (there and on the
dashboard); the owners' overview
says which numbers its counts use and when they last changed."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from assessments.demo import DEMO_CITATION
from assessments.models import PracticeCitedValue
from practice.dashboard import progress
from tests.practice.progress_helpers import cite_ecr, day, ecr, respond

pytestmark = pytest.mark.django_db


def progress_page(as_user, client) -> str:
    return as_user.get(reverse("clients:progress", args=[client.pk])).content.decode()


@pytest.fixture
def erin_secure(erin):
    with time_machine.travel(datetime.datetime(2025, 5, 2, 9, tzinfo=datetime.UTC)):
        cite_ecr(erin.practice)
    respond(erin, "ecr-r", ecr(6, 5), day(2025, 1, 6))
    respond(erin, "ecr-r", ecr(2, 2), day(2025, 3, 3))
    return erin


class TestProgressPage:
    def test_a_margin_names_its_numbers_and_their_sources(self, as_bob, erin_secure):
        html = progress_page(as_bob, erin_secure)
        assert (
            "reliable beyond ±0.88, from reliability 0.9 and SD 1 "
            '(<a href="#numbers-ecr-r">sources</a>)' in html
        )
        assert 'id="numbers-ecr-r"' in html
        assert "reliability 0.9 (Test citation for reliability)" in html
        assert "SD 1 (Test citation for sd)" in html
        assert "(the practice's, last changed 2 May 2025)" in html
        assert "Illustrative" not in html

    def test_illustrative_numbers_are_marked(self, as_bob, erin_secure):
        PracticeCitedValue.objects.update(citation=DEMO_CITATION)
        html = progress_page(as_bob, erin_secure)
        assert "Illustrative numbers, not from a publication" in html
        assert "<strong>illustrative</strong>" in html

    def test_the_style_comes_with_its_rule(self, as_bob, erin_secure):
        html = progress_page(as_bob, erin_secure)
        assert (
            '<strong>Secure</strong> <span class="muted">by the ECR-R&#x27;s scale midpoint' in html
        )


class TestOverview:
    def overview(self, as_alice) -> str:
        html = as_alice.get(reverse("dashboard"), {"scope": "practice"}).content.decode()
        return html.split('class="muted overview-numbers"')[1].split("</p>")[0]

    def test_without_numbers_of_its_own(self, as_alice, erin):
        assert "the practice has entered none of its own" in self.overview(as_alice)

    def test_which_numbers_and_when_they_last_changed(self, as_alice, erin_secure):
        line = self.overview(as_alice)
        assert "own numbers for Experiences in Close Relationships" in line
        assert "last changed 2 May 2025" in line
        assert "changing them changes these counts" in line
        with time_machine.travel(datetime.datetime(2025, 6, 9, 9, tzinfo=datetime.UTC)):
            row = PracticeCitedValue.objects.first()
            row.citation = DEMO_CITATION
            row.save()
        line = self.overview(as_alice)
        assert "last changed 9 Jun 2025; illustrative, not from a publication" in line


def test_the_dashboard_gives_the_styles_rule_beside_it(as_bob, erin_secure):
    progress.refresh_client_progress(erin_secure)
    html = as_bob.get(reverse("dashboard")).content.decode()
    assert (
        '<strong>Secure</strong> <span class="muted">by the ECR-R&#x27;s scale midpoint</span>'
        in html
    )


def test_the_client_pages_progress_card_gives_the_rule_too(as_bob, erin_secure):
    progress.refresh_client_progress(erin_secure)
    html = as_bob.get(reverse("clients:detail", args=[erin_secure.pk])).content.decode()
    assert "<strong>Secure</strong> by the ECR-R&#x27;s scale midpoint" in html
