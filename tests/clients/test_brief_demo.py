"""``seed_demo`` gives each demo clinician three clients with a session today, so the dashboard's
*Today* shows their briefs (issue 14)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from practice.models import User
from tests.conftest import logged_in


@pytest.mark.slow
@pytest.mark.django_db
def test_the_demo_clinicians_have_briefs_today(settings, monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)
    settings.DEBUG = True  # seed_demo refuses to run without it
    call_command("seed_demo", stdout=None)
    settings.DEBUG = False  # as the URLconf was loaded (no development outbox link to reverse)
    browser = logged_in(User.objects.get(email="clinician@example.com"))
    page = browser.get(reverse("clients:today")).content.decode()
    assert page.count('class="card brief-client"') == 3
    assert "Plan from the last session" in page and "No signed note yet" not in page
