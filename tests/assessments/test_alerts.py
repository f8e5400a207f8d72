"""Submission: raw answers kept with their version, scored at once, summaries kept in step, and
alert rules raised in the same transaction, with a notice to the clinician that carries nothing
clinical and whose failure never loses the alert."""

import datetime
import smtplib

import pytest
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from assessments import services
from assessments.models import Alert, ClientInstrumentSummary, Packet, Response
from practice import emails
from practice.models import AuditEvent, OutboundEmail
from tests.assessments.assign_helpers import answer_everything, at, phq9_answers, send_now

SENT = at(2025, 3, 3, 10)
LATER = SENT + datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


def submitted(client, item9, *, now=LATER, sent=SENT, rest=1, codes=("phq-9",)):
    _, packet = send_now(client, *codes, now=sent)
    answer_everything(packet, value=rest, overrides=phq9_answers(item9, rest), now=sent)
    return packet, services.submit_packet(packet, now=now)


@pytest.mark.django_db
def test_submission_stores_raw_answers_with_the_version_and_the_score(erin):
    packet, (response,) = submitted(erin, item9=0, rest=2)
    item = packet.items.get()
    assert response.packet_item == item
    assert response.instrument_version == item.instrument_version
    assert response.answers == {str(n): (0 if n == 9 else 2) for n in range(1, 11)}
    assert response.total == 16 and response.band == "Moderately severe"
    assert response.result["total"] == 16
    assert response.scores == {
        "total": {"label": "Total", "score": 16, "band": "Moderately severe"}
    }
    assert response.submitted_at == LATER
    packet.refresh_from_db()
    assert packet.status == Packet.Status.COMPLETED and packet.completed_at == LATER
    assert not Alert.objects.exists()
    assert AuditEvent.objects.filter(object_type="response", action="create").count() == 1


@pytest.mark.django_db
def test_the_attachment_style_is_kept_with_the_response(erin):
    _, packet = send_now(erin, "ecr-r", now=SENT)
    # Anxiety items (1-18) high, avoidance items (19-36) low, with reverse keys respected.
    item = packet.items.get()
    answers = {}
    for question in item.definition["items"]:
        high = question["subscale"] == "anxiety"
        value = 6 if high else 2
        answers[question["number"]] = 8 - value if question.get("reverse") else value
    services.save_answers(packet, item, answers, now=SENT)
    (response,) = services.submit_packet(packet, now=LATER)
    assert response.quadrant == "anxious-preoccupied"
    assert response.style_label == "Anxious-preoccupied"
    assert response.scores["anxiety"]["score"] == 6.0


@pytest.mark.django_db
def test_a_submission_is_never_changed(erin):
    _, (response,) = submitted(erin, item9=0)
    response.total = 0
    with pytest.raises(PermissionError):
        response.save()


@pytest.mark.django_db
def test_the_summary_row_holds_baseline_previous_and_latest(erin):
    _, (first,) = submitted(
        erin, item9=0, rest=3, sent=SENT, now=SENT + datetime.timedelta(hours=2)
    )
    summary = ClientInstrumentSummary.objects.get(client=erin)
    assert (summary.baseline, summary.previous, summary.latest) == (first, None, first)
    week = datetime.timedelta(days=7)
    _, (second,) = submitted(erin, item9=0, rest=2, sent=SENT + week, now=SENT + week)
    _, (third,) = submitted(erin, item9=0, rest=1, sent=SENT + 2 * week, now=SENT + 2 * week)
    summary.refresh_from_db()
    assert (summary.baseline, summary.previous, summary.latest) == (first, second, third)
    assert summary.responses_count == 3
    assert [third.total, second.total, first.total] == [8, 16, 24]


@pytest.mark.django_db
def test_item_9_above_zero_raises_an_alert_and_queues_a_notice_on_commit(
    erin, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _, (response,) = submitted(erin, item9=1, rest=0)
    assert callbacks, "the notice is queued only after the submission commits"
    alert = Alert.objects.get()
    assert alert.response == response and alert.client == erin
    assert alert.rule_key == "item-9-safety"
    assert alert.rule_label == "Item 9 answered above 0"
    assert "suicide risk" in alert.guidance
    assert alert.is_open
    notice = OutboundEmail.objects.get(kind="alert_notice")
    assert notice.to == bob.email
    assert alert.notice_email == notice
    assert AuditEvent.objects.filter(object_type="alert", action="create").exists()


@pytest.mark.django_db
def test_the_alert_notice_carries_nothing_clinical_and_no_client_name(
    erin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted(erin, item9=3, rest=2)
    notice = OutboundEmail.objects.get(kind="alert_notice")
    for part in (notice.subject, notice.text_body, notice.html_body):
        lowered = part.lower()
        for forbidden in (
            "erin",
            "fictional",
            "phq",
            "item 9",
            "item",
            "score",
            "19",
            "suicid",
            "better off dead",
            "harm",
        ):
            assert forbidden not in lowered, forbidden
    assert "needs your attention" in notice.text_body
    alert = Alert.objects.get()
    assert f"/instruments/alerts/{alert.pk}/" in notice.text_body  # the alert page


@pytest.mark.django_db
def test_no_alert_when_item_9_is_zero(erin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submitted(erin, item9=0, rest=3)
    assert not Alert.objects.exists()
    assert not OutboundEmail.objects.filter(kind="alert_notice").exists()


@pytest.mark.django_db
def test_the_alert_survives_when_the_notice_cannot_even_be_queued(
    erin, monkeypatch, django_capture_on_commit_callbacks
):
    real = emails.queue_email

    def broken(**kwargs):
        if kwargs["kind"] == "alert_notice":
            raise RuntimeError("template error")
        return real(**kwargs)

    monkeypatch.setattr(emails, "queue_email", broken)
    with django_capture_on_commit_callbacks(execute=True):
        packet, _ = submitted(erin, item9=2)
    alert = Alert.objects.get()
    assert alert.is_open and alert.notice_email is None
    packet.refresh_from_db()
    assert packet.status == Packet.Status.COMPLETED
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_the_alert_survives_when_the_notice_fails_to_send(
    erin, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted(erin, item9=1)
    notice = OutboundEmail.objects.get(kind="alert_notice")

    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({notice.to: (550, b"no such mailbox")})

    monkeypatch.setattr(LocmemBackend, "send_messages", refuse)
    emails.deliver_email(notice.pk)
    notice.refresh_from_db()
    assert notice.status == OutboundEmail.Status.FAILED
    alert = Alert.objects.get()
    assert alert.is_open and alert.notice_email == notice


@pytest.mark.django_db
def test_acknowledging_records_who_and_when_once(erin, bob, dana):
    submitted(erin, item9=1)
    alert = Alert.objects.get()
    when = LATER + datetime.timedelta(hours=1)
    services.acknowledge_alert(bob, alert, action="contacted_client", now=when)
    services.acknowledge_alert(
        dana, alert, action="other", note="Later", now=when + datetime.timedelta(hours=1)
    )
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.acknowledged_at) == (bob, when)
    assert (alert.action, alert.action_note) == ("contacted_client", "")
    assert not alert.is_open
    assert AuditEvent.objects.filter(object_type="alert", action="update").count() == 1


@pytest.mark.django_db
def test_blank_or_partial_answers_cannot_be_submitted(erin):
    _, packet = send_now(erin, "phq-9", "limiting-beliefs", now=SENT)
    with pytest.raises(services.IncompleteSubmission) as blank:
        services.submit_packet(packet, now=LATER)
    assert {p.message for p in blank.value.problems} == {"This questionnaire has no answers yet."}
    phq = packet.items.get(instrument__code="phq-9")
    services.save_answers(packet, phq, dict.fromkeys(range(1, 9), 1), now=SENT)
    with pytest.raises(services.IncompleteSubmission) as partial:
        services.submit_packet(packet, now=LATER)
    missing = {(p.position, p.number) for p in partial.value.problems}
    assert (phq.position, 9) in missing
    assert (phq.position, 10) not in missing  # the functional question is optional
    assert not Response.objects.exists()
    packet.refresh_from_db()
    assert packet.status == Packet.Status.IN_PROGRESS


@pytest.mark.django_db
def test_free_text_answers_are_kept_unscored(erin):
    _, packet = send_now(erin, "limiting-beliefs", now=SENT)
    item = packet.items.get()
    services.save_answers(
        packet, item, {1: "I am too much.", 2: "Friends stayed.", 3: "Some stay."}, now=SENT
    )
    (response,) = services.submit_packet(packet, now=LATER)
    assert response.answers["1"] == "I am too much."
    assert response.total is None and response.scores == {}


@pytest.mark.django_db
def test_a_double_submit_stores_one_response(erin):
    _, packet = send_now(erin, now=SENT)
    answer_everything(packet, value=1, now=SENT)
    services.submit_packet(packet, now=LATER)
    with pytest.raises(services.PacketClosed):
        services.submit_packet(packet, now=LATER)
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_an_expired_or_revoked_packet_cannot_be_submitted(erin, bob):
    _, packet = send_now(erin, now=SENT)
    answer_everything(packet, value=1, now=SENT)
    with pytest.raises(services.PacketClosed):
        services.submit_packet(packet, now=SENT + datetime.timedelta(days=7))
    services.revoke_packet(bob, packet, now=LATER)
    with pytest.raises(services.PacketClosed):
        services.submit_packet(packet, now=LATER)
    assert not Response.objects.exists()
