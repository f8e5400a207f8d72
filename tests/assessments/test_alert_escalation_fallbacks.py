"""An overdue alert still reaches someone when the people first in line are gone (issue 14): the
client's clinician deactivated, the safety lead's membership ended, their account switched off,
or the lead a member of another practice only. The owners who are still active are told, and
the history says who."""

import datetime

import pytest

from assessments import services
from assessments.models import AlertEvent
from practice.models import Membership, Role, SafetySettings
from tests.assessments.test_alert_escalation import RAISED, overdue_emails, raised  # noqa: F401
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.usefixtures("_no_broker")

DUE = RAISED + datetime.timedelta(hours=24)


@pytest.fixture
def alert(request):
    """Erin's open alert (item 9 = 1), raised at RAISED; Bob, her clinician, was told."""
    return request.getfixturevalue("raised")


@pytest.fixture
def _no_broker(monkeypatch):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)


def escalated_to(alert) -> list[str]:
    assert services.escalate_overdue_alerts(now=DUE) == [alert.pk]
    events = alert.events.filter(kind=AlertEvent.Kind.ESCALATED)
    assert sorted(e.person.email for e in events) == sorted(m.to for m in overdue_emails())
    return [email.to for email in overdue_emails()]


@pytest.mark.django_db
def test_escalation_reaches_the_owner_when_the_clinician_was_deactivated(alert, bob, alice):
    Membership.objects.filter(user=bob).update(is_active=False)
    assert escalated_to(alert) == [alice.email]


@pytest.mark.django_db
def test_escalation_reaches_the_lead_when_the_clinician_was_deactivated(
    alert, practice_a, bob, dana
):
    SafetySettings.objects.create(practice=practice_a, safety_lead=dana)
    Membership.objects.filter(user=bob).update(is_active=False)
    assert escalated_to(alert) == [dana.email]


@pytest.mark.django_db
def test_a_lead_whose_membership_was_removed_is_passed_over(alert, practice_a, dana, alice):
    SafetySettings.objects.create(practice=practice_a, safety_lead=dana)
    Membership.objects.filter(user=dana, practice=practice_a).delete()
    MembershipFactory(user=dana, practice=practice_a.__class__.objects.create(name="Elsewhere"))
    assert escalated_to(alert) == [alice.email]


@pytest.mark.django_db
def test_a_lead_whose_account_was_switched_off_is_passed_over(alert, practice_a, dana, alice):
    SafetySettings.objects.create(practice=practice_a, safety_lead=dana)
    dana.is_active = False
    dana.save()
    assert escalated_to(alert) == [alice.email]


@pytest.mark.django_db
def test_every_active_owner_is_told_and_a_deactivated_owner_is_not(alert, practice_a, dana, alice):
    SafetySettings.objects.create(practice=practice_a, safety_lead=dana)
    Membership.objects.filter(user=dana).update(is_active=False)
    second = UserFactory(email="olive@example.com", full_name="Olive Owner")
    MembershipFactory(user=second, practice=practice_a, role=Role.OWNER)
    gone = UserFactory(email="gone@example.com", full_name="Gone Owner")
    MembershipFactory(user=gone, practice=practice_a, role=Role.OWNER, is_active=False)
    assert escalated_to(alert) == [alice.email, second.email]


@pytest.mark.django_db
def test_with_no_one_left_to_tell_the_log_says_so(alert, alice, caplog):
    alice.is_active = False  # the only owner's account switched off (the membership stays)
    alice.save()
    assert escalated_to(alert) == []
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert (
        record.getMessage() == f"overdue alert {alert.pk}: no active safety lead or owner to tell"
    )
