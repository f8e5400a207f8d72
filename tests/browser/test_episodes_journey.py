"""Discharge, then reactivation in a new episode of care, in real Chromium (issue 14): the
clinician gives the reason on the discharge page and chooses a new episode on the reactivation
page; the client's page then lists two episodes (the first ended, for that reason; the second
current), and the progress page's trajectory chart shades the earlier episode and draws its
scores in grey."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Episode
from tests.browser.test_reflow import signed_in
from tests.practice.progress_helpers import phq9, respond


@pytest.mark.django_db(transaction=True)
def test_discharge_then_a_new_episode_shows_two_episodes_and_the_earlier_one_shaded(
    chromium, live_server, bob, erin
):
    now = timezone.now()
    Episode.objects.create(
        practice=erin.practice, client=erin, started_at=now - datetime.timedelta(days=90)
    )
    respond(erin, "phq-9", phq9(19), now - datetime.timedelta(days=60))
    respond(erin, "phq-9", phq9(11), now - datetime.timedelta(days=30))
    context, page = signed_in(chromium, live_server, bob)
    try:
        page.goto(reverse("clients:detail", args=[erin.pk]))
        page.get_by_role("link", name="Discharge…").click()
        page.get_by_label("Why does this episode of care end?").select_option(
            label="Therapy completed"
        )
        page.get_by_role("button", name="Discharge Erin").click()
        page.wait_for_url(f"**{reverse('clients:detail', args=[erin.pk])}")
        assert "Erin was discharged" in page.inner_text("body")

        page.get_by_role("link", name="Reactivate…").click()
        page.get_by_label("Start a new episode of care", exact=False).check()
        page.get_by_role("button", name="Reactivate Erin").click()
        page.wait_for_url(f"**{reverse('clients:detail', args=[erin.pk])}")
        assert "Erin is active again, in a new episode of care." in page.inner_text("body")

        rows = page.locator("table.episodes tbody tr")
        assert rows.count() == 2
        assert "Therapy completed" in rows.nth(0).inner_text()
        assert "Current" in rows.nth(1).inner_text()
        assert rows.nth(1).get_attribute("aria-current") == "true"

        # The first answers of the new episode: its own baseline; the earlier two in grey.
        respond(erin, "phq-9", phq9(14), timezone.now())
        page.goto(reverse("clients:progress", args=[erin.pk]))
        chart = page.locator("figure.chart svg", has=page.locator(".att-earlier-area")).first
        assert chart.is_visible()
        assert chart.locator(".att-earlier-area").bounding_box()["width"] > 0
        assert chart.locator(".att-earlier-point").count() == 2
        assert "Earlier episode" in chart.inner_html()
    finally:
        context.close()
