"""The assessments app's operations, one module per subject:

- ``instruments``: the shipped library, custom uploads, licence acknowledgement, the numbers a
  practice enters, and scoring with all of them;
- ``assignments``: assigning instruments, schedules, occasions and the scheduler's dispatch;
- ``packets``: packets and their links, reminders, expiry, resend and revoke, the client's visit;
- ``responses``: submission (online, or imported from another system), scoring, summaries
  and alerts;
- ``alerts``: after an alert is raised: notices, escalation when overdue, acknowledgement with
  the action taken, whether the client is shown crisis resources;
- ``overview``: what the clinician's pages read.

Everything is re-exported here, so ``from assessments import services`` and
``services.score_answers(...)`` keep working as before the split.
"""

from assessments.services.alerts import (
    acknowledge_alert,
    crisis_raised,
    escalate_overdue_alerts,
    notify_clinician,
)
from assessments.services.assignments import (
    Plan,
    assign,
    assign_many,
    dispatch_due_occasions,
    end_assignment,
    end_client_questionnaires,
    materialise_occasions,
    open_work,
    pause_assignment,
    resume_assignment,
    update_assignment,
    usable_instruments,
)
from assessments.services.instruments import (
    RESERVED_CODES,
    InstrumentNotUsable,
    SyncReport,
    _store_definition,
    acknowledge_licence,
    add_custom_instruments,
    cited_values,
    compare_results,
    describe,
    discard_custom_instrument,
    is_acknowledged,
    numbers_for_form,
    numbers_in_use,
    practice_settings,
    reliable_change_parameters,
    require_usable,
    save_practice_numbers,
    score_answers,
    sync_after_migrate,
    sync_shipped_instruments,
    upload_custom_instrument,
)
from assessments.services.packets import (
    PacketClosed,
    expire_packets,
    find_packet,
    form_pages,
    open_packet,
    resend_packet,
    revoke_packet,
    save_answers,
    send_reminders,
    start_visit,
)
from assessments.services.responses import (
    IncompleteSubmission,
    import_response,
    submit_packet,
)

__all__ = [
    "RESERVED_CODES",
    "IncompleteSubmission",
    "InstrumentNotUsable",
    "PacketClosed",
    "Plan",
    "SyncReport",
    "_store_definition",
    "acknowledge_alert",
    "acknowledge_licence",
    "add_custom_instruments",
    "assign",
    "assign_many",
    "cited_values",
    "compare_results",
    "crisis_raised",
    "describe",
    "discard_custom_instrument",
    "dispatch_due_occasions",
    "end_assignment",
    "end_client_questionnaires",
    "escalate_overdue_alerts",
    "expire_packets",
    "find_packet",
    "form_pages",
    "import_response",
    "is_acknowledged",
    "materialise_occasions",
    "notify_clinician",
    "numbers_for_form",
    "numbers_in_use",
    "open_packet",
    "open_work",
    "pause_assignment",
    "practice_settings",
    "reliable_change_parameters",
    "require_usable",
    "resend_packet",
    "resume_assignment",
    "revoke_packet",
    "save_answers",
    "save_practice_numbers",
    "score_answers",
    "send_reminders",
    "start_visit",
    "submit_packet",
    "sync_after_migrate",
    "sync_shipped_instruments",
    "update_assignment",
    "upload_custom_instrument",
    "usable_instruments",
]
