"""Practices (tenants), the people in them, invitations, API tokens and the audit log, one module
per subject:

- ``users``: the people who log in;
- ``practices``: practices and their settings (with ``validate_time_zone`` and the reminder-day
  validators that migrations name by their old path, ``practice.models.validate_time_zone``);
- ``memberships``: roles, memberships, staff invitations, API tokens, ``hash_token``/``new_token``/``new_api_key``;
- ``audit``: audit events, the chain head and the refusal tally;
- ``emails``: outbound e-mail rows;
- ``idempotency``: the first answers to API creates sent with an ``Idempotency-Key``;
- ``progress``: the caseload dashboard's precomputed rows;
- ``safety``: what a client sees after a critical answer, and who hears of overdue alerts;
- ``webhooks``: the endpoints a practice registers, and each event's deliveries and attempts.

Everything is re-exported here, so ``from practice.models import Practice`` and the dotted paths
in migrations keep working.

The modules are imported in the order their models were defined before the split (users first),
so the app registry lists the models, and ``migrate`` creates their content types, as before.
Nothing here imports ``practice.acting``, which imports this package (``clients.models`` imports
both), so there is no cycle to order around.
"""

# isort: off
from practice.models.users import User, UserManager
from practice.models.practices import (
    QUESTIONNAIRE_LINK_MAX_DAYS,
    QUESTIONNAIRE_MAX_REMINDERS,
    REPORT_RETENTION_MAX_DAYS,
    PaperSize,
    Practice,
    default_reminder_days,
    time_zone_choices,
    validate_reminder_days,
    validate_time_zone,
)
from practice.models.memberships import (
    ApiToken,
    Membership,
    MembershipQuerySet,
    Role,
    StaffInvitation,
    hash_token,
    new_api_key,
    new_token,
)
from practice.models.audit import (
    AppendOnlyQuerySet,
    AuditAction,
    AuditChainHead,
    AuditEvent,
    DeniedAccessTally,
)
from practice.models.emails import OutboundEmail
from practice.models.idempotency import IdempotencyKey
from practice.models.progress import (
    ClientProgress,
    PracticeBaselineScores,
    PracticeOverview,
    ProgressChange,
)
from practice.models.safety import ESCALATION_MAX_HOURS, SafetySettings
from practice.models.webhooks import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

# isort: on

__all__ = [
    "ESCALATION_MAX_HOURS",
    "QUESTIONNAIRE_LINK_MAX_DAYS",
    "QUESTIONNAIRE_MAX_REMINDERS",
    "REPORT_RETENTION_MAX_DAYS",
    "ApiToken",
    "AppendOnlyQuerySet",
    "AuditAction",
    "AuditChainHead",
    "AuditEvent",
    "ClientProgress",
    "DeniedAccessTally",
    "IdempotencyKey",
    "Membership",
    "MembershipQuerySet",
    "OutboundEmail",
    "PaperSize",
    "Practice",
    "PracticeBaselineScores",
    "PracticeOverview",
    "ProgressChange",
    "Role",
    "SafetySettings",
    "StaffInvitation",
    "User",
    "UserManager",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "default_reminder_days",
    "hash_token",
    "new_api_key",
    "new_token",
    "time_zone_choices",
    "validate_reminder_days",
    "validate_time_zone",
]
