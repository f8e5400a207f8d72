"""The check contract: after ``seed_demo``, a demo client who answers PHQ-9 item 9 above 0
through their link sees the demo practice's own phone number on the page after submitting."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments.models import Packet
from clients.models import Client
from practice.management.commands.seed_demo import DEMO_PRACTICE_PHONE
from tests.assessments.test_crisis_page import submit_phq9


@pytest.mark.slow
@pytest.mark.django_db
def test_a_demo_client_answering_item_9_sees_the_demo_practice_number(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=None)
    open_links = Packet.objects.filter(status__in=Packet.OPEN_STATUSES).values("client_id")
    client = (
        Client.objects.filter(status=Client.Status.ACTIVE)
        .exclude(pk__in=open_links)
        .order_by("full_name")
        .first()
    )
    response, _, _ = submit_phq9(client, item9=1, sent=timezone.now())
    html = response.content.decode()
    assert response.status_code == 200
    assert DEMO_PRACTICE_PHONE == "01632 960 000" and DEMO_PRACTICE_PHONE in html
    assert "Samaritans" in html and "116 123" in html
    assert "we will make time to talk with you today" in html
