"""The dashboard's precomputed rows: what a refresh stores, baseline samples, and the rebuild
command giving the same rows."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from assessments import scoring, services
from assessments.models import Alert, Instrument, Packet
from practice import tasks
from practice.dashboard import progress
from practice.models import ClientProgress, PracticeBaselineScores, ProgressChange
from tests.assessments.assign_helpers import send_now
from tests.clients.test_notes_models import make_note
from tests.factories import ClientFactory
from tests.practice.progress_helpers import cite, cite_ecr, day, ecr, phq9, respond

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_mail(monkeypatch):
    monkeypatch.setattr(tasks.send_outbound_email, "delay", lambda *args: None)


def row_of(client) -> dict:
    row = ClientProgress.objects.filter(client=client).values().get()
    row.pop("updated_at")
    return row


class TestRefresh:
    def test_attachment_change_and_earned_security(self, erin):
        cite_ecr(erin.practice)
        respond(erin, "ecr-r", ecr(6, 5), day(2025, 1, 6))
        respond(erin, "ecr-r", ecr(2, 2), day(2025, 2, 3))
        row = progress.refresh_client_progress(erin)
        assert row.attachment_instrument.code == "ecr-r"
        assert (row.style, row.anxiety, row.avoidance) == ("secure", 2.0, 2.0)
        assert (row.anxiety_change, row.avoidance_change) == (scoring.IMPROVED, scoring.IMPROVED)
        assert row.earned_security == "earned"
        assert row.earned_security_since == day(2025, 2, 3)
        assert row.change == ProgressChange.IMPROVED
        assert row.changes == [
            {
                "code": "ecr-r",
                "name": "ECR-R",
                "labels": [
                    {"subscale": "Anxiety", "label": scoring.IMPROVED},
                    {"subscale": "Avoidance", "label": scoring.IMPROVED},
                ],
            }
        ]
        assert row.last_completed_at == day(2025, 2, 3)
        assert row.responses == 2

    def test_a_deterioration_anywhere_outranks_an_improvement(self, erin):
        cite_ecr(erin.practice)
        cite(erin.practice, "phq-9", "total", sd=4.0)
        respond(erin, "ecr-r", ecr(6, 5), day(2025, 1, 6))
        respond(erin, "ecr-r", ecr(2, 2), day(2025, 2, 3))
        respond(erin, "phq-9", phq9(5), day(2025, 1, 6))
        respond(erin, "phq-9", phq9(20), day(2025, 2, 3))
        assert progress.refresh_client_progress(erin).change == ProgressChange.DETERIORATED

    def test_the_most_recent_attachment_instrument_is_the_headline(self, erin):
        respond(erin, "ecr-r", ecr(6, 5), day(2025, 1, 6))
        respond(erin, "ecr-rs-partner", dict.fromkeys(range(1, 10), 2), day(2025, 2, 3))
        row = progress.refresh_client_progress(erin)
        assert row.attachment_instrument.code == "ecr-rs-partner"
        assert row.change == ProgressChange.NOT_COMPARED  # one administration each

    def test_without_numbers_the_change_is_not_available(self, erin):
        respond(erin, "ecr-r", ecr(6, 5), day(2025, 1, 6))
        respond(erin, "ecr-r", ecr(2, 2), day(2025, 2, 3))
        row = progress.refresh_client_progress(erin)
        assert row.change == ProgressChange.NOT_AVAILABLE
        assert row.earned_security == "quadrant_move_only"
        assert row.earned_security_since is None

    def test_alerts_questionnaires_and_sessions(self, erin, bob):
        with time_machine.travel(day(2025, 3, 1, 9), tick=False):
            _, expired = send_now(erin, "gad-7", actor=bob)
        with time_machine.travel(day(2025, 3, 20, 9), tick=False):
            services.expire_packets()
            _, open_link = send_now(erin, "phq-9", actor=bob)
        respond(erin, "phq-9", phq9(3), day(2025, 2, 1))
        alert_response = respond(erin, "phq-9", phq9(3), day(2025, 2, 2))
        Alert.objects.create(
            practice=erin.practice,
            client=erin,
            response=alert_response,
            rule_key="item-9-safety",
            raised_at=day(2025, 2, 2),
        )
        make_note(erin, session_date=datetime.date(2025, 3, 10))
        row = progress.refresh_client_progress(erin)
        expired.refresh_from_db()
        open_link.refresh_from_db()
        assert expired.status == Packet.Status.EXPIRED
        assert row.missed_since == expired.expires_at
        assert row.link_expires_at == open_link.expires_at
        assert row.awaiting_since == open_link.sent_at
        assert (row.open_alerts, row.oldest_open_alert_at) == (1, day(2025, 2, 2))
        assert row.last_session_at.date() == datetime.date(2025, 3, 10)
        # An answer after the missed link means it no longer counts as missed.
        respond(erin, "phq-9", phq9(3), day(2025, 3, 21))
        assert progress.refresh_client_progress(erin).missed_since is None

    def test_next_due_is_the_first_scheduled_questionnaire_of_an_active_schedule(self, erin, bob):
        gad = Instrument.objects.shipped().get(code="gad-7")
        from tests.assessments.assign_helpers import cleared

        cleared(erin.practice, "gad-7")
        with time_machine.travel(day(2025, 3, 1, 9), tick=False):
            assignment = services.assign(
                bob,
                erin,
                [gad],
                services.Plan(
                    schedule="every_n_weeks",
                    interval_weeks=2,
                    start_date=datetime.date(2025, 3, 3),
                    send_time=datetime.time(9),
                ),
            )
        row = progress.refresh_client_progress(erin)
        assert row.next_due_at == day(2025, 3, 3, 9)
        services.pause_assignment(bob, assignment)
        assert progress.refresh_client_progress(erin).next_due_at is None

    def test_a_client_with_nothing_yet(self, erin):
        row = progress.refresh_client_progress(erin)
        assert (row.responses, row.change, row.last_completed_at) == (0, "", None)
        assert row.attachment_instrument is None
        assert row.glance == {"measures": []}

    def test_the_glance_keeps_each_outcome_measures_last_scores_and_bands(self, erin):
        """What the dashboard's chips and sparklines draw, stored on the row: the last six
        administrations of each outcome measure with their bands, the worst band 4 and the best
        0 on the file's own bands, the reliable change; the attachment plane's range and split."""
        cite(erin.practice, "phq-9", "total", sd=4.0)
        for week, total in enumerate([22, 18, 16, 12, 9, 7, 3]):
            respond(erin, "phq-9", phq9(total), day(2025, 1, 6) + datetime.timedelta(weeks=week))
        respond(erin, "gad-7", dict.fromkeys(range(1, 8), 2), day(2025, 1, 8))
        respond(erin, "ecr-r", ecr(6, 5), day(2025, 1, 6))
        glance = progress.refresh_client_progress(erin).glance
        gad, phq = glance["measures"]
        assert (gad["name"], gad["band"], gad["severity"], gad["change"]) == (
            "GAD-7",
            "Moderate",
            3,  # the third of four bands
            "",
        )
        assert [p["score"] for p in gad["points"]] == [14.0]
        assert phq["name"] == "PHQ-9" and phq["subscale"] == "Total"
        assert [p["score"] for p in phq["points"]] == [18.0, 16.0, 12.0, 9.0, 7.0, 3.0]
        assert [p["band"] for p in phq["points"]][:2] == ["Moderately severe", "Moderately severe"]
        assert phq["points"][0]["date"] == "2025-01-13"
        assert (phq["band"], phq["severity"], phq["change"], phq["count"]) == (
            "None-minimal",
            0,
            scoring.IMPROVED,
            7,
        )
        assert phq["range"] == [0.0, 27.0]
        assert glance["plane"] == {
            "anxiety": {"range": [1.0, 7.0], "split": 4.0},
            "avoidance": {"range": [1.0, 7.0], "split": 4.0},
        }


class TestBaselineSample:
    def test_a_new_baseline_joins_the_practice_sample(self, erin, frank):
        respond(erin, "phq-9", phq9(12), day(2025, 1, 6))
        progress.refresh_client_progress(erin)
        respond(frank, "phq-9", phq9(20), day(2025, 1, 7))
        respond(frank, "phq-9", phq9(2), day(2025, 2, 7))  # not a baseline
        progress.refresh_client_progress(frank)
        sample = PracticeBaselineScores.objects.get(practice=erin.practice)
        assert sorted(sample.scores["total"]) == [12, 20]
        assert sample.clients == 2

    def test_practice_rebuild_is_queued_when_the_sample_sets_the_sd(
        self, erin, practice_a, monkeypatch, django_capture_on_commit_callbacks
    ):
        queued = []
        monkeypatch.setattr(tasks.rebuild_practice_progress, "delay", queued.append)
        phq = Instrument.objects.shipped().get(code="phq-9")
        from assessments.models import PracticeInstrumentSettings

        PracticeInstrumentSettings.objects.create(
            practice=practice_a, instrument=phq, min_baselines=2
        )
        others = ClientFactory.create_batch(
            2, practice=practice_a, primary_clinician=erin.primary_clinician
        )
        with django_capture_on_commit_callbacks(execute=True):
            respond(others[0], "phq-9", phq9(4), day(2025, 1, 5))
            progress.refresh_client_progress(others[0])
        assert queued == []  # one baseline: the practice SD is not used yet
        with django_capture_on_commit_callbacks(execute=True):
            respond(others[1], "phq-9", phq9(20), day(2025, 1, 5))
            progress.refresh_client_progress(others[1])
        assert queued == [practice_a.pk]
        with django_capture_on_commit_callbacks(execute=True):
            progress.refresh_client_progress(others[1])  # nothing new
        assert queued == [practice_a.pk]

    def test_the_queued_task_rebuilds_the_practice(self, erin, frank):
        respond(erin, "phq-9", phq9(12), day(2025, 1, 6))
        assert tasks.rebuild_practice_progress(erin.practice_id) == 2
        assert ClientProgress.objects.filter(practice=erin.practice).count() == 2


class TestRebuild:
    @pytest.fixture
    def caseload(self, erin, frank, gina, bob):
        cite_ecr(erin.practice)
        for week, (anxiety, avoidance) in enumerate([(6, 6), (5, 5), (3, 2), (2, 2)]):
            at = day(2025, 1, 6) + datetime.timedelta(weeks=week)
            respond(erin, "ecr-r", ecr(anxiety, avoidance), at)
            respond(frank, "phq-9", phq9(10 + week), at)
        respond(gina, "gad-7", dict.fromkeys(range(1, 9), 1), day(2025, 1, 6))
        make_note(frank, session_date=datetime.date(2025, 2, 1))
        return [erin, frank, gina]

    def test_rebuilt_rows_equal_refreshed_rows(self, caseload):
        for client in caseload:
            progress.refresh_client_progress(client)
        refreshed = {c.pk: row_of(c) for c in caseload}
        ClientProgress.objects.all().delete()
        PracticeBaselineScores.objects.all().delete()
        assert progress.rebuild_progress(chunk=2) == 3
        assert {c.pk: row_of(c) for c in caseload} == refreshed

    def test_one_practice_only(self, caseload, practice_a):
        assert progress.rebuild_progress(practice_a.pk) == 2
        assert not ClientProgress.objects.exclude(practice=practice_a).exists()

    def test_the_command(self, caseload, practice_a):
        out = StringIO()
        call_command("rebuild_progress", stdout=out)
        assert out.getvalue().strip() == "Rebuilt 3 client progress rows."
        call_command("rebuild_progress", "--practice", str(practice_a.pk), stdout=out)
        assert "Rebuilt 2 client progress rows." in out.getvalue()
        with pytest.raises(CommandError, match="no practice with id 999999"):
            call_command("rebuild_progress", "--practice", "999999")

    @pytest.mark.parametrize("clients", [5, 60])
    def test_queries_per_chunk_do_not_grow_with_clients(
        self, practice_a, bob, clients, django_assert_max_num_queries
    ):
        for n in range(clients):
            client = ClientFactory(practice=practice_a, primary_clinician=bob)
            respond(client, "phq-9", phq9(n % 20), day(2025, 1, 6))
        # With the owners' overview counted again at the end (overview_counts.recount_overview:
        # read the rows, mark where each is counted, replace the counts; in a transaction).
        with django_assert_max_num_queries(36):
            progress.rebuild_progress(practice_a.pk)


class TestEveryEventKeepsTheRowCurrent:
    """After each service that changes what the dashboard shows, its caller (a page, the API, a
    task) rewrites the row in the same transaction; here each step calls the same pair, the
    service and then ``refresh_client_progress``, and the row equals what a rebuild from scratch
    computes."""

    def assert_current(self, client) -> dict:
        incremental = row_of(client)
        progress.rebuild_progress(client_ids=[client.pk])
        assert row_of(client) == incremental
        return incremental

    def test_through_the_services(
        self, erin, bob, practice_a, monkeypatch, django_capture_on_commit_callbacks
    ):
        from assessments.services import responses
        from clients import notes
        from tests.assessments.assign_helpers import answer_everything, cleared, phq9_answers

        monkeypatch.setattr(responses, "notify_clinician", lambda ids: None)
        sent = day(2025, 3, 3, 10)
        # Sent now: a packet goes out.
        with time_machine.travel(sent, tick=False):
            _, packet = send_now(erin, "phq-9", actor=bob)
        progress.refresh_client_progress(erin)  # as the assign page and the API do
        assert self.assert_current(erin)["awaiting_since"] == sent
        # Submitted with item 9 above 0: a response and an alert.
        answer_everything(packet, overrides=phq9_answers(2), now=sent)
        services.submit_packet(packet, now=sent + datetime.timedelta(hours=2))
        progress.refresh_client_progress(erin)  # as the questionnaire page does
        row = self.assert_current(erin)
        assert (row["open_alerts"], row["responses"], row["awaiting_since"]) == (1, 1, None)
        # Acknowledged.
        services.acknowledge_alert(bob, Alert.objects.get(client=erin), action="referred")
        progress.refresh_client_progress(erin)  # as the alert page does
        assert self.assert_current(erin)["open_alerts"] == 0
        # A schedule: the next occasion is due.
        with time_machine.travel(sent, tick=False):
            assignment = services.assign(
                bob,
                erin,
                cleared(practice_a, "gad-7"),
                services.Plan(
                    schedule="every_n_weeks",
                    interval_weeks=1,
                    start_date=datetime.date(2025, 3, 10),
                    send_time=datetime.time(9),
                ),
            )
        progress.refresh_client_progress(erin)
        assert self.assert_current(erin)["next_due_at"] == day(2025, 3, 10, 9)
        services.update_assignment(
            bob,
            assignment,
            services.Plan(
                schedule="every_n_weeks",
                interval_weeks=1,
                start_date=datetime.date(2025, 3, 11),
                send_time=datetime.time(9),
            ),
            now=sent,
        )
        progress.refresh_client_progress(assignment.client_id)
        assert self.assert_current(erin)["next_due_at"] == day(2025, 3, 11, 9)
        # The scheduler sends it (its task refreshes the clients the report names); the link
        # later expires unanswered.
        report = services.dispatch_due_occasions(now=day(2025, 3, 11, 9))
        assert report.clients == [erin.pk]
        progress.refresh_client_progress(erin)
        row = self.assert_current(erin)
        assert row["awaiting_since"] == day(2025, 3, 11, 9)
        assert row["next_due_at"] == day(2025, 3, 18, 9)
        services.pause_assignment(bob, assignment)
        progress.refresh_client_progress(erin)
        assert self.assert_current(erin)["next_due_at"] is None
        services.expire_packets(now=day(2025, 4, 30))
        progress.refresh_client_progress(erin)  # as the expiry task does
        assert self.assert_current(erin)["missed_since"] is not None
        # Resent (a fresh link) and revoked.
        expired = Packet.objects.filter(client=erin, status=Packet.Status.EXPIRED).get()
        services.resend_packet(bob, expired, now=day(2025, 5, 1))
        progress.refresh_client_progress(erin)  # as the pages and the API do
        row = self.assert_current(erin)
        assert row["missed_since"] is None and row["awaiting_since"] == day(2025, 5, 1)
        services.revoke_packet(bob, expired)
        progress.refresh_client_progress(erin)
        assert self.assert_current(erin)["awaiting_since"] is None
        # A session note, then its draft moved to another day: each the notes service, then the
        # dashboard's refresh, the pair the note pages and the API call (notes sit below the
        # dashboard, so their services leave its rows to the caller).
        note = make_note(erin, session_date=datetime.date(2025, 5, 2))
        progress.refresh_client_progress(erin)
        assert self.assert_current(erin)["last_session_at"].date() == datetime.date(2025, 5, 2)
        data = notes.NoteInput.from_note(note)
        data.session_date = datetime.date(2025, 5, 5)
        saved = notes.update_draft(bob, note, data)
        assert saved.version != note.version
        progress.refresh_client_progress(saved.client_id)
        assert self.assert_current(erin)["last_session_at"].date() == datetime.date(2025, 5, 5)

    def test_changed_practice_numbers_rebuild_the_practice(
        self, as_alice, practice_a, monkeypatch, django_capture_on_commit_callbacks
    ):
        queued = []
        monkeypatch.setattr(tasks.rebuild_practice_progress, "delay", queued.append)
        with django_capture_on_commit_callbacks(execute=True):
            response = as_alice.post(
                "/instruments/gad-7/settings/",
                {"total__sd": "4", "total__sd__citation": "Clinical sample, table 1"},
            )
        assert response.status_code == 302
        assert queued == [practice_a.pk]
