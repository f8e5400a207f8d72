"""One walk over every route: anonymous, another practice, another clinician, the right person,
and members of two practices acting in the other one.

Routes are collected from the URLconf, so a new route without a row here fails
``test_every_route_has_a_row``. Third-party routes (allauth, admin) are tested by their owners.

Bob (clinician in A) also owns practice B, and Alice (owner of A) is also a clinician in B. Acting
under A they are the Bob and Alice of every row; acting under B (``bob_in_b`` through an API token
of practice B, ``alice_in_b`` through the browser session after switching) every object of A must
answer as it does to Charlie, whatever roles they hold in A: one practice per request.
"""

import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client as DjangoClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from practice import services
from practice.middleware import CURRENT_PRACTICE_SESSION_KEY
from practice.models import ApiToken, Role, StaffInvitation
from tests.assessments.helpers import custom_instrument_for
from tests.clients.exports_helpers import permission_world as exports_permission_world
from tests.conftest import logged_in
from tests.factories import MembershipFactory

THIRD_PARTY = ("allauth.", "django.contrib.")
LOGIN = "/accounts/login/"
OK = frozenset({200})
# Members of two practices acting under B answer as Charlie (B's owner, nothing of A) unless a row
# says otherwise.
ACTING_IN_B = {"bob_in_b": "charlie", "alice_in_b": "charlie"}
ACTORS = ["anonymous", "charlie", "dana", "bob", "alice", *ACTING_IN_B]


@dataclass
class Row:
    """Expected status per actor. ``args`` names the world objects the URL needs, ``data_args``
    the world objects whose ids go in form fields (resolved like ``args``)."""

    args: tuple = ()
    method: str = "get"
    expect: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    api: bool = False
    data_args: dict = field(default_factory=dict)

    def expected(self, actor: str):
        return self.expect[actor] if actor in self.expect else self.expect[ACTING_IN_B[actor]]


def client_object(method="get", ok=OK, args=("erin",), data=None):
    """A route about Erin (Bob's client in practice A)."""
    return Row(
        args=args,
        method=method,
        data=data or {},
        expect={"anonymous": "login", "charlie": {404}, "dana": {404}, "bob": ok, "alice": ok},
    )


def member_page(method="get", ok=OK):
    return Row(
        method=method,
        expect=dict.fromkeys(("charlie", "dana", "bob", "alice"), ok) | {"anonymous": "login"},
    )


def owner_page(method="get", ok=OK):
    """A page of the current practice for its owners: Alice acting as a clinician of B is 403
    there, whatever she is in A."""
    return Row(
        method=method,
        expect={
            "anonymous": "login",
            "charlie": ok,
            "dana": {403},
            "bob": {403},
            "alice": ok,
            "alice_in_b": {403},
        },
    )


def api_member(args=()):
    """An API route any practice member may call (results are scoped inside)."""
    return Row(
        args=args,
        api=True,
        expect={"anonymous": {401, 403}}
        | dict.fromkeys(("charlie", "dana", "bob", "alice"), frozenset({200})),
    )


def api_client_object(method="get", ok=frozenset({200}), args=("erin",), data=None):
    """An API route about Erin: out of scope is 404 whoever asks."""
    return Row(
        args=args,
        method=method,
        data=data or {},
        api=True,
        expect={"anonymous": {401, 403}, "charlie": {404}, "dana": {404}, "bob": ok, "alice": ok},
    )


def owner_object(args, ok=OK):
    """A GET of an object only the owners of its practice may open. A clinician of B is refused
    for her role before any object is looked up: 403 whatever the id, which tells nothing."""
    return Row(
        args=args,
        expect={
            "anonymous": "login",
            "charlie": {404},
            "dana": {403},
            "bob": {403},
            "alice": ok,
            "alice_in_b": {403},
        },
    )


def owner_action(args, data=None, data_args=None):
    """A POST only the owners of the object's practice may make. A clinician of B is refused
    for her role before any object is looked up: 403 whatever the id, which tells nothing."""
    return Row(
        args=args,
        method="post",
        data=data or {},
        data_args=data_args or {},
        expect={
            "anonymous": "login",
            "charlie": {404},
            "dana": {403},
            "bob": {403},
            "alice": {302},
            "alice_in_b": {403},
        },
    )


def api_owner_object(method="get", ok=frozenset({200}), args=()):
    """An API route about an object only the owners of its practice may reach: a clinician is
    refused for her role (403) before any lookup, another practice's owner finds nothing."""
    return Row(
        args=args,
        method=method,
        api=True,
        expect={
            "anonymous": {401, 403},
            "charlie": {404},
            "dana": {403},
            "bob": {403},
            "alice": ok,
            "alice_in_b": {403},
        },
    )


def api_owner_page():
    """An API route about the acting practice as a whole, for its owners: Charlie reads B's."""
    return Row(
        api=True,
        expect={
            "anonymous": {401, 403},
            "charlie": frozenset({200}),
            "dana": {403},
            "bob": {403},
            "alice": frozenset({200}),
            "alice_in_b": {403},
        },
    )


def note_author_only(method="get", ok=OK, api=False, args=("erin", "erin_note")):
    """A change to Bob's draft note about Erin: only Bob, its author; Alice sees it but may not."""
    return Row(
        args=args,
        method=method,
        api=api,
        expect={
            "anonymous": {401, 403} if api else "login",
            "charlie": {404},
            "dana": {404},
            "bob": ok,
            "alice": {403},
        },
    )


def own_import(method="get", ok=OK):
    """A page of Bob's caseload import: an import is its requester's own, 404 to all others."""
    return Row(
        args=("bob_import",),
        method=method,
        expect={"anonymous": "login", "charlie": {404}, "dana": {404}, "bob": ok, "alice": {404}},
    )


def public(ok=OK):
    return Row(expect=dict.fromkeys(("anonymous", "charlie", "dana", "bob", "alice"), ok))


ROUTES: dict[str, Row] = {
    "home": public(ok={302}),
    "healthz": public(ok={200, 503}),
    "readyz": public(ok={200, 503}),
    "livez": public(),
    # Without METRICS_TOKEN (as here) /metrics is off: 404 for everyone; tests/practice/test_metrics.py.
    "metrics": public(ok={404}),
    "dashboard": member_page(),
    # Closing one's own first-run guide (practice/dashboard/guide.py).
    "dashboard_guide_dismiss": member_page(method="post", ok={302}),
    "clients:list": member_page(),
    "clients:create": member_page(),
    "clients:detail": client_object(),
    # The pre-session brief (clients/views/brief.py): today's caseload, one client's brief.
    "clients:today": member_page(),
    "clients:brief": client_object(),
    "clients:edit": client_object(),
    "clients:share": client_object(),
    "clients:discharge": client_object(method="post", ok={302}),
    "clients:reactivate": client_object(method="post", ok={302}),
    "clients:unshare": client_object(method="post", ok={302}, args=("erin", "dana.pk")),
    "clients:timeline": client_object(),
    "clients:progress": client_object(),
    # FHIR (assessments/fhir): the record as a Bundle, importing a QuestionnaireResponse
    "clients:fhir_bundle": client_object(),
    "clients:fhir_import": client_object(),
    "clients:notes": client_object(),
    "clients:note_create": client_object(),
    "clients:note_detail": client_object(args=("erin", "erin_note")),
    "clients:note_edit": note_author_only(),
    "clients:note_sign": note_author_only(method="post", ok={302}),
    "clients:note_addendum": client_object(
        method="post", ok={302}, args=("erin", "erin_signed_note"), data={"text": "Called back."}
    ),
    "clients:note_versions": client_object(args=("erin", "erin_note")),
    "clients:note_search": member_page(),
    "clients:note_tags": owner_page(),
    "clients:note_tag_edit": owner_object(args=("a_tag",)),
    "practice_members": owner_page(),
    "practice_audit": owner_page(),
    "practice_settings": owner_page(),
    "safety_settings": owner_page(),
    # Acting under practice A: its members may; Charlie, a member of B only, gets 404.
    "practice_switch": Row(
        method="post",
        data_args={"practice": "practice_a"},
        expect={
            "anonymous": "login",
            "charlie": {404},
            "dana": {302},
            "bob": {302},
            "alice": {302},
            "bob_in_b": {302},
            "alice_in_b": {302},
        },
    ),
    "account_security": member_page(),
    # The lock screen's form; a session that is not locked is sent to the dashboard.
    "session_unlock": member_page(ok={302}),
    "account_token_create": member_page(method="post", ok={400}),
    "account_token_revoke": Row(
        args=("bob_token",),
        method="post",
        expect={
            "anonymous": "login",
            "charlie": {404},
            "dana": {404},
            "bob": {302},
            "alice": {404},
            "bob_in_b": {302},  # his own token, whichever practice he acts in
        },
    ),
    "practice_member_role": owner_action(args=("bob_membership",), data={"role": "clinician"}),
    # Bob holds Erin, so deactivating him names who takes his active clients over.
    "practice_member_deactivate": owner_action(
        args=("bob_membership",), data_args={"successor": "alice"}
    ),
    "practice_member_reactivate": owner_action(args=("bob_membership",)),
    "practice_invitation_resend": owner_action(args=("invitation",)),
    "practice_invitation_revoke": owner_action(args=("invitation",)),
    "invitation_accept": Row(
        args=("bogus_token.value",),
        expect=dict.fromkeys(("anonymous", "charlie", "dana", "bob", "alice"), frozenset({404})),
    ),
    "assessments:list": member_page(),
    "assessments:upload": owner_page(),
    "assessments:detail": Row(
        args=("custom_a.code",),
        expect={"anonymous": "login", "charlie": {404}, "dana": OK, "bob": OK, "alice": OK},
    ),
    "assessments:settings": owner_object(args=("custom_a.code",)),
    "assessments:acknowledge": owner_action(args=("custom_a.code",), data={"confirm": "on"}),
    "assessments:discard": owner_action(args=("custom_a.code",)),
    "assessments:upload_fhir": owner_page(),
    # The instrument builder (issue 16): a new one, and a new version of the practice's own.
    "assessments:build": owner_page(),
    "assessments:rebuild": owner_object(args=("custom_a.code",)),
    "assessments:fhir_questionnaire": Row(
        args=("custom_a.code",),
        expect={"anonymous": "login", "charlie": {404}, "dana": OK, "bob": OK, "alice": OK},
    ),
    # Questionnaires: assigning, schedules, links, alerts and responses (assessments).
    "assessments:assign": client_object(),
    "assessments:assign_many": member_page(),
    "assessments:assignment_edit": client_object(args=("erin_assignment",)),
    "assessments:assignment_pause": client_object(
        method="post", ok={302}, args=("erin_assignment",)
    ),
    "assessments:assignment_resume": client_object(
        method="post", ok={302}, args=("erin_assignment",)
    ),
    "assessments:assignment_end": client_object(method="post", ok={302}, args=("erin_assignment",)),
    "assessments:invitation_resend": client_object(method="post", ok={302}, args=("erin_packet",)),
    "assessments:invitation_revoke": client_object(method="post", ok={302}, args=("erin_packet",)),
    "assessments:alert_detail": client_object(args=("erin_alert",)),
    "assessments:alert_acknowledge": client_object(
        method="post", ok={302}, args=("erin_alert",), data={"action": "referred"}
    ),
    "assessments:alert_offer": client_object(method="post", ok={302}, args=("erin_alert",)),
    "assessments:response_detail": client_object(args=("erin_response",)),
    # In session (assessments/views/kiosk.py): choosing, then the page that locks the session.
    "assessments:in_session_start": client_object(),
    "assessments:in_session_page": client_object(args=("erin_in_session", "one.value")),
    # The crisis page after an in-session submission needs the submission's signed mark: without
    # one (as here, and the packet still open) it is 404 even to Bob.
    "assessments:in_session_support": client_object(ok={404}, args=("erin_in_session",)),
    # Reports (clients/reports): pages, the owner's batches, the API.
    "clients:report_request": client_object(),
    "clients:report_detail": client_object(args=("erin", "erin_report")),
    # Without HTMX the status fragment sends the browser to the report's page.
    "clients:report_status": client_object(ok={302}, args=("erin", "erin_report")),
    "clients:report_download": client_object(ok={200}, args=("erin", "erin_ready_report")),
    "clients:report_retry": client_object(
        method="post", ok={302}, args=("erin", "erin_failed_report")
    ),
    "clients:report_delete": client_object(method="post", ok={302}, args=("erin", "erin_report")),
    "clients:my_reports": member_page(),
    # Exports (clients/exports): CSV scores, archives of a record or the practice, the API.
    "clients:client_export": client_object(),
    "clients:export_scores": client_object(),
    "clients:caseload_scores": member_page(),
    "clients:practice_export": owner_page(),
    "clients:export_detail": client_object(args=("erin_export",)),
    # Without HTMX the status fragment sends the browser to the export's page.
    "clients:export_status": client_object(ok={302}, args=("erin_export",)),
    "clients:export_download": client_object(args=("erin_ready_export",)),
    "clients:export_again": client_object(method="post", ok={302}, args=("erin_failed_export",)),
    "export-list": api_member(),
    "export-detail": api_client_object(args=("erin_export",)),
    "export-download": api_client_object(args=("erin_ready_export",)),
    "administration-list": api_member(),
    "administration-detail": api_client_object(args=("erin_response",)),
    "alert-list": api_member(),
    "alert-detail": api_client_object(args=("erin_alert",)),
    "alert-acknowledge": api_client_object(
        method="post", args=("erin_alert",), data={"action": "contacted_client"}
    ),
    # Importing a caseload (clients/imports)
    "clients:import": member_page(),
    "clients:import_template": member_page(),
    "clients:import_detail": own_import(),
    "clients:import_confirm": own_import(method="post", ok={302}),
    # Without HTMX the status fragment sends the browser to the import's page.
    "clients:import_status": own_import(ok={302}),
    "clients:import_administrations": member_page(),
    "clients:import_administrations_template": Row(
        args=("custom_a.code",),
        expect={"anonymous": "login", "charlie": {404}, "dana": OK, "bob": OK, "alice": OK},
    ),
    # A POST without a file is refused for what it lacks, after the member is let in.
    "client-import": Row(
        method="post",
        api=True,
        expect={"anonymous": {401, 403}}
        | dict.fromkeys(("charlie", "dana", "bob", "alice"), frozenset({400})),
    ),
    "client-import-detail": Row(
        args=("bob_import",),
        api=True,
        expect={
            "anonymous": {401, 403},
            "charlie": {404},
            "dana": {404},
            "bob": frozenset({200}),
            "alice": {404},
        },
    ),
    "clients:batch_request": owner_page(),
    "clients:batch_detail": owner_object(args=("a_batch",)),
    # Without HTMX the status fragment sends the browser to the batch's page.
    "clients:batch_status": owner_object(args=("a_batch",), ok={302}),
    "clients:batch_retry": owner_action(args=("a_batch",)),
    "clients:batch_download": owner_object(args=("a_batch",)),
    "report-list": api_member(),
    "report-detail": api_client_object(args=("erin_report",)),
    "report-download": api_client_object(args=("erin_ready_report",)),
    "assignment-list": api_member(),
    "assignment-detail": api_client_object(args=("erin_assignment",)),
    "assignment-end": api_client_object(method="post", args=("erin_assignment",)),
    "invitation-list": api_member(),
    "invitation-detail": api_client_object(args=("erin_packet",)),
    "invitation-resend": api_client_object(method="post", args=("erin_packet",)),
    "invitation-revoke": api_client_object(method="post", args=("erin_packet",)),
    "instrument-list": api_member(),
    "instrument-detail": Row(
        args=("custom_a.code",),
        api=True,
        expect={"anonymous": {401, 403}, "charlie": {404}}
        | dict.fromkeys(("dana", "bob", "alice"), frozenset({200})),
    ),
    "instrument-score": Row(
        args=("custom_a.code",),
        method="post",
        api=True,
        data={"answers": "[1, 1, 1, 1, 1, 1]"},
        expect={"anonymous": {401, 403}, "charlie": {404}}
        | dict.fromkeys(("dana", "bob", "alice"), frozenset({200})),
    ),
    # The client's questionnaire pages: no login. A link that does not work is 404 for anyone.
    "questionnaire:landing": Row(
        args=("bogus_token.value",),
        expect=dict.fromkeys(("anonymous", "charlie", "dana", "bob", "alice"), frozenset({404})),
    ),
    "questionnaire:page": Row(
        args=("bogus_token.value", "one.value"),
        expect=dict.fromkeys(("anonymous", "charlie", "dana", "bob", "alice"), frozenset({404})),
    ),
    # The crisis page after submitting: needs a submitted link and its signed mark.
    "questionnaire:support": Row(
        args=("bogus_token.value",),
        expect=dict.fromkeys(("anonymous", "charlie", "dana", "bob", "alice"), frozenset({404})),
    ),
    "questionnaire:thanks": public(ok={200}),
    "api-root": api_member(),
    "client-list": api_member(),
    "client-detail": api_client_object(),
    "client-trajectory": api_client_object(),
    "client-discharge": api_client_object(method="post"),
    "client-reactivate": api_client_object(method="post", data={"episode": "new"}),
    "client-fhir-bundle": api_client_object(),
    # It reads JSON only: the walk's form body is a 415, once the client is found.
    "client-fhir-import": api_client_object(method="post", ok=frozenset({415})),
    # Owners only; the walk's form body is a 415 once the role is checked.
    "instrument-fhir-import": Row(
        method="post",
        api=True,
        expect={
            "anonymous": {401, 403},
            "charlie": {415},
            "dana": {403},
            "bob": {403},
            "alice": {415},
            "alice_in_b": {403},
        },
    ),
    "instrument-fhir-questionnaire": Row(
        args=("custom_a.code",),
        api=True,
        expect={"anonymous": {401, 403}, "charlie": {404}}
        | dict.fromkeys(("dana", "bob", "alice"), frozenset({200})),
    ),
    "note-list": api_member(),
    "note-detail": api_client_object(args=("erin_note",)),
    "note-sign": note_author_only(method="post", ok={200}, api=True, args=("erin_note",)),
    "note-addenda": api_client_object(args=("erin_signed_note",)),
    "note-versions": api_client_object(args=("erin_note",)),
    "note-search": Row(
        method="post",
        api=True,
        data={"q": "sleep"},
        expect={"anonymous": {401, 403}}
        | dict.fromkeys(("charlie", "dana", "bob", "alice"), frozenset({200})),
    ),
    "note-tag-list": api_member(),
    # Webhooks (practice/views/webhooks.py, practice/webhook_api.py): owners of the practice.
    "practice_webhooks": owner_page(),
    "practice_webhook_create": owner_page(),
    "practice_webhook_detail": owner_object(args=("a_webhook",)),
    "practice_webhook_secret": Row(
        args=("a_webhook",),
        method="post",
        data={"action": "show"},
        expect=owner_object(args=()).expect,
    ),
    "practice_webhook_delete": owner_action(args=("a_webhook",)),
    "practice_webhook_send_again": owner_action(args=("a_webhook", "a_webhook_delivery")),
    "webhook-list": api_owner_page(),
    # The acting practice's safety settings (practice/safety_api.py): owners only; Charlie, the
    # owner of B, reads B's (one set per practice, so none of A's can be named).
    "safety-settings": api_owner_page(),
    "webhook-detail": api_owner_object(args=("a_webhook",)),
    "webhook-deliveries": api_owner_object(args=("a_webhook",)),
    "webhook-secret": api_owner_object(method="post", args=("a_webhook",)),
    "webhook-redeliver": api_owner_object(
        method="post", ok=frozenset({202}), args=("a_webhook", "a_webhook_delivery")
    ),
    "api_schema": api_member(),
    "api_docs": api_member(),
}
# Routes that exist only with DEBUG on (the development outbox) are checked in their own tests.
DEBUG_ONLY = {"dev_outbox", "dev_outbox_message"}


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # mounted only with ADMIN_ENABLED; tests/practice/test_admin.py
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            module = getattr(pattern.callback, "__module__", "") or ""
            if not module.startswith(THIRD_PARTY):
                yield f"{namespace}{pattern.name}"


def project_routes() -> set[str]:
    return set(_walk(get_resolver().url_patterns)) - DEBUG_ONLY


def test_every_route_has_a_row():
    missing = project_routes() - set(ROUTES)
    assert not missing, f"Add a row to ROUTES in tests/test_permissions.py for: {sorted(missing)}"
    stale = set(ROUTES) - project_routes()
    assert not stale, f"ROUTES lists routes that no longer exist: {sorted(stale)}"


@pytest.fixture
def notes_world(erin, practice_a):
    """Session notes about Erin by Bob: a draft and a signed one, and a tag of practice A."""
    from tests.clients.test_notes_models import make_note, tag

    return {
        "erin_note": make_note(erin),
        "erin_signed_note": make_note(erin, days_ago=8, signed=True),
        "a_tag": tag(practice_a, "Crisis"),
    }


class _BuiltOnUse:
    """A world object made the first time a row asks for its ``pk``, so the routes that do not
    need it do not pay for it."""

    def __init__(self, build, key):
        self._build, self._key = build, key

    @property
    def pk(self):
        return self._build()[self._key].pk


@pytest.fixture
def questionnaire_world(erin, bob, monkeypatch):
    """Erin's weekly schedule, an open link, and a submitted PHQ-9 that raised an alert."""
    import datetime
    from functools import cache

    from assessments import services
    from assessments.services import packets
    from practice.tasks import send_outbound_email
    from tests.assessments.assign_helpers import answer_everything, cleared, phq9_answers, send_now

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)

    @cache
    def build():
        assignment = services.assign(
            bob,
            erin,
            cleared(erin.practice, "gad-7"),
            services.Plan(
                schedule="every_n_weeks",
                interval_weeks=1,
                start_date=timezone.localdate() + datetime.timedelta(days=1),
                send_time=datetime.time(9),
            ),
        )
        _, answered = send_now(erin, "phq-9", actor=bob)
        answer_everything(answered, overrides=phq9_answers(1), now=timezone.now())
        (response,) = services.submit_packet(answered)
        _, packet = send_now(erin, "gad-7", actor=bob)
        return {
            "erin_assignment": assignment,
            "erin_packet": packet,
            "erin_in_session": packets.open_in_session(erin, cleared(erin.practice, "phq-9")),
            "erin_response": response,
            "erin_alert": response.alerts.get(),
        }

    keys = ("erin_assignment", "erin_packet", "erin_in_session", "erin_response", "erin_alert")
    return {key: _BuiltOnUse(build, key) for key in keys}


@pytest.fixture
def reports_world(erin, bob, alice, practice_a, settings, tmp_path):
    """Reports about Erin by Bob (queued, failed, ready with a file) and an owner's batch."""
    from tests.clients.reports_helpers import permission_world

    settings.MEDIA_ROOT = tmp_path / "media"
    return permission_world(erin, bob, alice)


@pytest.fixture
def imports_world(bob, settings, tmp_path):
    """A caseload file Bob uploaded in practice A, not yet confirmed."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from clients.imports import jobs

    settings.MEDIA_ROOT = tmp_path / "media"
    upload = SimpleUploadedFile("c.csv", b"full_name,preferred_name\nRobin Fictional,Robin\n")
    return {"bob_import": jobs.upload(bob, bob.memberships.get(), upload)}


@pytest.fixture
def world(
    alice,
    bob,
    dana,
    charlie,
    erin,
    frank,
    gina,
    practice_a,
    practice_b,
    notes_world,
    questionnaire_world,
    reports_world,
    imports_world,
):
    # Bob also owns B and Alice is also a clinician in B; A stays their default practice.
    MembershipFactory(user=bob, practice=practice_b, role=Role.OWNER)
    MembershipFactory(user=alice, practice=practice_b, role=Role.CLINICIAN)
    _, bob_key_in_b = services.create_api_token(None, bob, "walk", practice=practice_b)
    invitation = StaffInvitation.objects.create(
        practice=practice_a,
        email="newcomer@example.com",
        role=Role.CLINICIAN,
        token_hash="0" * 64,
        invited_by=alice,
        expires_at=timezone.now() + timedelta(days=7),
    )
    return {
        "alice": alice,
        "bob": bob,
        "dana": dana,
        "charlie": charlie,
        "erin": erin,
        "frank": frank,
        "gina": gina,
        "practice_a": practice_a,
        "bob_membership": bob.memberships.get(practice=practice_a),
        "practice_b": practice_b,
        "bob_key_in_b": bob_key_in_b,
        "invitation": invitation,
        "bob_token": ApiToken.objects.create(
            user=bob, name="cli", prefix="abcd1234", key_hash="1" * 64
        ),
        "bogus_token": SimpleNamespace(value="not-a-real-token"),
        "one": SimpleNamespace(value=1),
        "custom_a": custom_instrument_for(practice_a, alice),
        **notes_world,
        **webhooks_world(practice_a),
        **questionnaire_world,
        **reports_world,
        **imports_world,
        # Bob's exports of Erin's record, stored in the media root reports_world set.
        **exports_permission_world(erin, bob),
    }


def webhooks_world(practice):
    """A webhook endpoint of practice A and one delivery to it (no request is made)."""
    from practice import webhooks
    from tests.practice.webhook_helpers import endpoint_for

    endpoint = endpoint_for(practice, "https://hooks.example.org/attune")
    (delivery,) = webhooks.emit(practice.pk, webhooks.ALERT_RAISED, alert_id=1)
    return {"a_webhook": endpoint, "a_webhook_delivery": delivery}


def _resolve_arg(world, spec):
    name, _, attr = spec.partition(".")
    obj = world[name]
    return getattr(obj, attr) if attr else obj.pk


def _switched_to_b(world, user, web):
    """``web`` signed in as ``user``, acting under practice B (as the header's switcher does)."""
    session = web.session
    session[CURRENT_PRACTICE_SESSION_KEY] = world["practice_b"].pk
    session.save()
    return web


def _browser(world, actor, row):
    if actor == "bob_in_b" and row.api:
        api = APIClient()  # a token of practice B: the request acts under B whatever Bob is in A
        api.credentials(HTTP_AUTHORIZATION=f"Token {world['bob_key_in_b']}")
        return api
    if actor in ACTING_IN_B:
        user = world[actor.removesuffix("_in_b")]
        web = APIClient() if row.api else DjangoClient()
        web.force_login(user)
        return _switched_to_b(world, user, web)
    if row.api:
        api = APIClient()
        if actor != "anonymous":
            api.force_authenticate(world[actor])
        return api
    if actor == "anonymous":
        return DjangoClient()
    return logged_in(world[actor])


# What an allowed page about Erin must show, so a 200 that renders the wrong thing fails.
ERIN_PAGES = {
    "clients:detail",
    "clients:edit",
    "clients:share",
    "clients:timeline",
    "clients:progress",
    "clients:notes",
    "clients:note_detail",
    "clients:report_request",
    "clients:report_detail",
    "clients:client_export",
    "clients:export_detail",
    "assessments:assign",
    "assessments:in_session_start",
    "clients:brief",
}


def _answers_as_expected(world, route, actor, url, data):
    row = ROUTES[route]
    response = getattr(_browser(world, actor, row), row.method)(url, data)
    expected = row.expected(actor)
    if expected == "login":
        assert response.status_code == 302, f"{route} as {actor}: {response.status_code}"
        assert response["Location"].startswith(LOGIN), f"{route} as {actor}: {response['Location']}"
        return
    assert response.status_code in expected, f"{route} as {actor}: {response.status_code}"
    if response.status_code == 302 and actor != "anonymous":
        # An allowed action lands somewhere of ours, never on the sign-in or set-up pages.
        location = response["Location"]
        assert not location.startswith(("/accounts/", "/mfa/")), f"{route} as {actor}: {location}"
    if response.status_code == 200 and route in ERIN_PAGES:
        assert "Erin" in response.content.decode(), f"{route} as {actor} does not show Erin"


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_route_answers_each_actor_as_expected(world, route, tmp_path):
    """Every actor in turn against one world, each as if alone: a request runs in a savepoint
    rolled back after it, with the cache emptied before and the media files put back after, so
    what one actor changes (a POST that deletes, a rate-limit count) never reaches the next.
    One world per route rather than one per route and actor: building the world is most of
    the cost of a request here. Every actor is asked; the failures are listed together."""
    row = ROUTES[route]
    # Resolved before the first savepoint: an object made on first use must outlive it.
    url = reverse(route, args=[_resolve_arg(world, a) for a in row.args])
    data = row.data | {name: _resolve_arg(world, spec) for name, spec in row.data_args.items()}
    media, as_built = Path(settings.MEDIA_ROOT), tmp_path / "media-as-built"
    shutil.copytree(media, as_built)
    failures = []
    for actor in ACTORS:
        cache.clear()
        with transaction.atomic():
            try:
                _answers_as_expected(world, route, actor, url, data)
            except AssertionError as failure:
                failures.append(str(failure))
            finally:
                transaction.set_rollback(True)
        shutil.rmtree(media)
        shutil.copytree(as_built, media)
    assert not failures, "\n".join(failures)
