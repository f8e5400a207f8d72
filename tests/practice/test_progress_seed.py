"""``seed_demo`` leaves the demo dashboard lived-in: a progress row for every demo client."""

from collections import Counter

import pytest
from django.core.management import call_command

from clients.models import Client
from practice.dashboard import progress
from practice.models import ClientProgress


@pytest.mark.slow
@pytest.mark.django_db
def test_seed_demo_builds_the_dashboard_rows(settings, monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    rows = ClientProgress.objects.all()
    assert rows.count() == Client.objects.count()
    changes = Counter(rows.values_list("change", flat=True))
    assert changes["improved"] > 0 and changes["no_change"] > 0  # toward security; stuck
    assert rows.filter(earned_security="earned").exists()
    assert rows.filter(open_alerts__gt=0).exists()
    assert rows.filter(last_session_at__isnull=False).count() == rows.count()
    # The rows are what a rebuild from scratch computes.
    before = {row.pk: row for row in rows}
    progress.rebuild_progress()
    for row in ClientProgress.objects.all():
        old = before[row.pk]
        assert [getattr(row, f) for f in progress._FIELDS] == [
            getattr(old, f) for f in progress._FIELDS
        ]
