"""Alerts after they are raised: who is told at once, who is told when one stays open too long,
acknowledging one with the action taken, and each alert's history (``AlertEvent``).

- ``notify_clinician`` (after the submitting transaction commits) e-mails the client's primary
  clinician while they are an active member of the practice, else the practice's active owners.
- ``escalate_overdue_alerts`` (the beat task ``escalate-overdue-alerts``) e-mails the practice's
  safety lead, else its owners, about each alert still open past the practice's escalation time
  (default 24 hours), once: the alert is claimed with a compare-and-set on ``escalated_at``.
  With no one active to tell, the alert is still marked overdue and the log says so (an error).
- ``acknowledge_alert`` records who acknowledged, when, and the action taken.

E-mails carry a first name and a link only: no client name, no score, no item text. Each
notice and acknowledgement is an ``AlertEvent`` row, shown on the alert page. Nothing here
refreshes the dashboard's rows: the caller does, as for every questionnaire service.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from assessments.models import Alert, AlertAction, AlertEvent
from practice import audit, emails, webhooks
from practice.models import AuditAction, Membership, Role, SafetySettings

logger = logging.getLogger(__name__)

ACTION_NOTE_MAX_LENGTH = 2000
DEFAULT_ESCALATION_HOURS = SafetySettings._meta.get_field("escalation_hours").default


def alerts_url() -> str:
    return settings.SITE_URL + reverse("dashboard") + "#open-alerts"


def alert_url(alert_id: int) -> str:
    return settings.SITE_URL + reverse("assessments:alert_detail", args=[alert_id])


def _active_members(practice, **filters):
    return [
        membership.user
        for membership in Membership.objects.active()
        .filter(practice=practice, **filters)
        .select_related("user")
        .order_by("user__email")
    ]


def notice_recipients(client) -> list:
    """Who hears of a new alert: the primary clinician while an active member of the client's
    practice, else the practice's active owners (a deactivated clinician is told nothing)."""
    clinician = _active_members(client.practice, user_id=client.primary_clinician_id)
    return clinician or _active_members(client.practice, role=Role.OWNER)


def escalation_recipients(practice) -> list:
    """Who hears of an overdue alert: the practice's safety lead while an active member, else
    its active owners."""
    lead = SafetySettings.for_practice(practice).safety_lead_id
    found = _active_members(practice, user_id=lead) if lead else []
    return found or _active_members(practice, role=Role.OWNER)


def _send(alert: Alert, user, *, template: str, kind: str, event_kind: str, url: str, now):
    """Queue one e-mail to ``user`` about ``alert`` and record it in the alert's history.
    Returns the e-mail, or None when it could not be queued (logged by id)."""
    try:
        email = emails.queue_email(
            practice=alert.practice,
            to=user.email,
            template=template,
            context={
                "recipient_name": user.get_short_name(),
                "url": url,
                "action_url": url,
                "action_label": "Sign in to Attune",
            },
            kind=kind,
        )
    except Exception:
        logger.exception("%s for alert %s to user %s could not be queued", kind, alert.pk, user.pk)
        return None
    _record(alert, event_kind, user, now, email=email)
    return email


def _record(alert: Alert, kind: str, person, now, **fields) -> AlertEvent:
    """One line of the alert's history."""
    return AlertEvent.objects.create(
        practice_id=alert.practice_id, alert=alert, kind=kind, person=person, at=now, **fields
    )


def notify_clinician(alert_ids: list[int], *, now=None) -> None:
    """E-mail that a response needs attention, to ``notice_recipients``: one e-mail each, with a
    link to the alert (to the dashboard's open alerts when one response raised several). A
    failure is logged by id and changes nothing about the alerts, which stay open on the
    dashboard and the client page."""
    now = now or timezone.now()
    alerts = list(
        Alert.objects.filter(pk__in=alert_ids).select_related("practice", "client__practice")
    )
    if not alerts:
        return
    url = alert_url(alerts[0].pk) if len(alerts) == 1 else alerts_url()
    first = None
    for user in notice_recipients(alerts[0].client):
        email = _send(
            alerts[0],
            user,
            template="emails/alert_notice",
            kind="alert_notice",
            event_kind=AlertEvent.Kind.NOTIFIED,
            url=url,
            now=now,
        )
        first = first or email
        for alert in alerts[1:] if email is not None else ():
            _record(alert, AlertEvent.Kind.NOTIFIED, user, now, email=email)
    if first is not None:
        Alert.objects.filter(pk__in=alert_ids).update(notice_email=first)


def escalation_hours(practice) -> int:
    return SafetySettings.for_practice(practice).escalation_hours


def is_overdue(alert: Alert, hours: int, now=None) -> bool:
    """Open past ``hours`` after it was raised."""
    now = now or timezone.now()
    return alert.is_open and alert.raised_at + datetime.timedelta(hours=hours) <= now


def escalate_overdue_alerts(now=None) -> list[int]:
    """E-mail ``escalation_recipients`` about every alert open past its practice's escalation
    time and not yet escalated; the ids escalated. Each alert is claimed with a compare-and-set
    on ``escalated_at`` in its own transaction, so overlapping or repeated runs escalate it
    once, and an alert acknowledged meanwhile is left alone."""
    now = now or timezone.now()
    earliest = now - datetime.timedelta(hours=1)  # the shortest escalation time a practice sets
    candidates = (
        Alert.objects.open()
        .filter(escalated_at__isnull=True, raised_at__lte=earliest)
        .select_related("practice__safety_settings")
        .order_by("raised_at", "pk")
    )
    escalated = []
    for alert in candidates:
        safety = getattr(alert.practice, "safety_settings", None)
        hours = safety.escalation_hours if safety else DEFAULT_ESCALATION_HOURS
        if not is_overdue(alert, hours, now):
            continue
        with transaction.atomic():
            claimed = Alert.objects.filter(
                pk=alert.pk, escalated_at__isnull=True, acknowledged_at__isnull=True
            ).update(escalated_at=now)
            if not claimed:
                continue
            audit.record(None, AuditAction.UPDATE, alert, fields=["escalated_at"])
            recipients = escalation_recipients(alert.practice)
            if not recipients:  # every owner's account switched off: say so, loudly
                logger.error("overdue alert %s: no active safety lead or owner to tell", alert.pk)
            for user in recipients:
                _send(
                    alert,
                    user,
                    template="emails/alert_overdue",
                    kind="alert_overdue",
                    event_kind=AlertEvent.Kind.ESCALATED,
                    url=alert_url(alert.pk),
                    now=now,
                )
        escalated.append(alert.pk)
    if escalated:
        logger.info("escalated %d overdue alert(s): %s", len(escalated), escalated)
    return escalated


def _check_action(action: str, note: str) -> None:
    errors = {}
    if action not in AlertAction.values:
        errors["action"] = gettext("Choose the action taken.")
    elif action == AlertAction.OTHER and not note.strip():
        errors["note"] = gettext("Describe the action taken.")
    if len(note) > ACTION_NOTE_MAX_LENGTH:
        errors["note"] = gettext("Keep the note to %(limit)s characters.") % {
            "limit": ACTION_NOTE_MAX_LENGTH
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def acknowledge_alert(
    actor, alert: Alert, *, action: str, note: str = "", request=None, now=None
) -> Alert:
    """Record that ``actor`` acknowledged the alert, when, and the action taken: ``action`` is
    one of ``AlertAction`` (contacted the client, reviewed the safety plan, referred, other) and
    ``note`` free text, required for "other". Raises ``ValidationError`` (keyed ``action`` or
    ``note``) otherwise. Acknowledging twice keeps the first acknowledgement and emits the
    ``alert.acknowledged`` webhook once. The caller refreshes the client's dashboard row."""
    now = now or timezone.now()
    note = (note or "").strip()
    _check_action(action, note)
    if Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_by=actor, acknowledged_at=now, action=action, action_note=note
    ):
        _record(alert, AlertEvent.Kind.ACKNOWLEDGED, actor, now, action=action, note=note)
        audit.record(
            request,
            AuditAction.UPDATE,
            alert,
            actor=actor,
            fields=["acknowledged_by", "acknowledged_at", "action", "action_note"],
        )
        webhooks.emit(
            alert.practice_id,
            webhooks.ALERT_ACKNOWLEDGED,
            alert_id=alert.pk,
            client_id=alert.client_id,
            acknowledged_at=now,
        )
    alert.refresh_from_db()
    return alert


def crisis_raised(responses) -> bool:
    """Whether any of ``responses`` raised an alert whose rule the instrument file marks
    ``critical`` (PHQ-9 item 9 above 0): the client's next page shows crisis resources."""
    raised = Alert.objects.filter(response__in=responses).select_related(
        "response__instrument_version"
    )
    return any(alert.critical for alert in raised)
