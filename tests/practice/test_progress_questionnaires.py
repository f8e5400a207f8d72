"""Questionnaire work done through the pages brings the dashboard's row up to date.

The questionnaire services sit below the dashboard and leave its rows alone; the pages that call
them (the client's questionnaire form, the clinician's alert page) refresh the client's row after
the service, in the request's transaction. These tests fail when a caller forgets to.
"""

import datetime

import pytest
from django.test import Client as Browser
from django.urls import reverse

from assessments import services
from assessments.models import Alert
from practice import progress, tasks
from tests.assessments.assign_helpers import answer_everything, phq9_answers, send_now, token_of
from tests.practice.test_progress_notes import assert_current

NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def _no_mail(monkeypatch):
    from assessments.services import responses

    monkeypatch.setattr(tasks.send_outbound_email, "delay", lambda *args: None)
    monkeypatch.setattr(responses, "notify_clinician", lambda ids: None)


def sent_phq9(client, actor):
    """A PHQ-9 sent now, the row refreshed as the assign page does."""
    _, packet = send_now(client, "phq-9", actor=actor)
    progress.refresh_client_progress(client)
    return packet


def test_the_questionnaire_page_refreshes_the_row_on_submit(erin, bob):
    packet = sent_phq9(erin, bob)
    assert assert_current(erin)["awaiting_since"] == NOW
    token = token_of(packet)
    browser = Browser()
    browser.post(reverse("questionnaire:landing", args=[token]))
    answer_everything(packet, overrides=phq9_answers(2), now=NOW)
    last = {f"item-{n}": "1" for n in range(6, 11)} | {"item-9": "2", "action": "submit"}
    response = browser.post(reverse("questionnaire:page", args=[token, 2]), last)
    assert response.status_code == 302
    assert response["Location"] == reverse("questionnaire:thanks")
    row = assert_current(erin)
    assert (row["responses"], row["open_alerts"], row["awaiting_since"]) == (1, 1, None)


def test_the_alert_page_refreshes_the_row(as_bob, erin, bob):
    packet = sent_phq9(erin, bob)
    answer_everything(packet, overrides=phq9_answers(2), now=NOW)
    services.submit_packet(packet)
    progress.refresh_client_progress(erin)
    assert assert_current(erin)["open_alerts"] == 1
    alert = Alert.objects.get(client=erin)
    response = as_bob.post(reverse("assessments:alert_acknowledge", args=[alert.pk]))
    assert response.status_code == 302
    assert assert_current(erin)["open_alerts"] == 0
