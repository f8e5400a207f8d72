"""``seed_demo`` gives the demo clients months of questionnaires, made through the services."""

from collections import Counter

import pytest
from django.core.management import call_command

from assessments import services
from assessments.models import Alert, ClientInstrumentSummary, Packet, PracticeCitedValue, Response
from practice.models import OutboundEmail


@pytest.mark.slow
@pytest.mark.django_db
def test_seed_demo_writes_a_questionnaire_history_once(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):  # as the command's commit would
        call_command("seed_demo", stdout=None)
    statuses = Counter(Packet.objects.values_list("status", flat=True))
    assert statuses["completed"] > 100
    assert statuses["sent"] >= 2 and statuses["in_progress"] == 1 and statuses["expired"] == 2
    (alert,) = Alert.objects.open()
    assert alert.rule_label == "Item 9 answered above 0"
    assert alert.response.instrument.code == "phq-9"
    assert alert.notice_email is not None
    # Every response was stored and scored by the services, and the summaries agree.
    for summary in ClientInstrumentSummary.objects.select_related("latest"):
        latest = Response.objects.filter(client=summary.client, instrument=summary.instrument)
        assert summary.latest == latest.order_by("-submitted_at", "-pk").first()
    ecr = ClientInstrumentSummary.objects.filter(instrument__code="ecr-r").select_related(
        "practice", "instrument", "baseline", "latest"
    )
    verdicts = Counter(
        services.compare_results(s.practice, s.instrument, s.baseline.result, s.latest.result)[
            "earned_security"
        ]["status"]
        for s in ecr
    )
    assert verdicts["earned"] == 1
    moved = [
        s
        for s in ecr
        if s.latest.scores["anxiety"]["score"] < s.baseline.scores["anxiety"]["score"]
    ]
    assert len(moved) > len(ecr) / 2
    phq = ClientInstrumentSummary.objects.filter(instrument__code="phq-9").select_related(
        "baseline", "latest"
    )
    improved = [s for s in phq if s.latest.total < s.baseline.total]
    assert len(improved) > len(phq) / 2
    # Homework: both worksheets answered in one link, each a complete response.
    worksheets = Response.objects.filter(
        instrument__code__in=["limiting-beliefs", "support-figures"]
    )
    by_code = Counter(worksheets.values_list("instrument__code", flat=True))
    assert by_code["limiting-beliefs"] == by_code["support-figures"] > 0
    assert set(worksheets.values_list("status", flat=True)) == {"complete"}
    # The illustrative numbers say what they are.
    assert all("not from a publication" in v.citation for v in PracticeCitedValue.objects.all())
    # Only the open links' latest e-mails wait to be delivered; the past counts as sent.
    waiting = OutboundEmail.objects.filter(status="queued").exclude(kind="alert_notice")
    open_links = Packet.objects.filter(status__in=Packet.OPEN_STATUSES)
    assert set(waiting.values_list("pk", flat=True)) == set(
        open_links.values_list("last_email_id", flat=True)
    )

    before = (Packet.objects.count(), Response.objects.count(), OutboundEmail.objects.count())
    call_command("seed_demo", stdout=None)
    assert (Packet.objects.count(), Response.objects.count(), OutboundEmail.objects.count()) == (
        before
    )
