"""Episodes of care (issue 14): a readmitted client's charts start a new baseline.

Existing clients get one episode each (the migration's function); discharge ends the current
episode with a reason; reactivation starts a new one or resumes the last, the clinician's choice;
each instrument's baseline, change and earned security are judged within the current episode,
while earlier episodes stay on the charts, grey; the dashboard's rows judge the same way."""

import datetime
import importlib

import pytest
import time_machine
from django.apps import apps as django_apps
from django.urls import reverse

from assessments import charts
from assessments import trajectory as service
from assessments.trajectory_serializers import ClientTrajectorySerializer, trajectory_data
from clients import services
from clients.models import EndReason, Episode
from clients.reports import content
from clients.reports import services as reports
from practice.dashboard import progress
from practice.models import AuditEvent, ClientProgress, ProgressChange
from tests.clients.reports_helpers import make_report, media, pdf_text  # noqa: F401 - fixture
from tests.clients.test_api import api_as
from tests.factories import ClientFactory
from tests.practice.progress_helpers import cite_ecr, day, ecr, phq9, respond

pytestmark = pytest.mark.django_db

migration = importlib.import_module("clients.migrations.0011_episodes")


def by_code(result, code):
    return next(t for t in result.instruments if t.code == code)


def request_of(rf, user):
    request = rf.post("/")
    request.user = user
    request.membership = user.memberships.get()
    return request


def discharge(rf, user, client, at, reason=EndReason.COMPLETED):
    with time_machine.travel(at, tick=False):
        services.discharge_client(
            request_of(rf, user), client, close_open_work=lambda c: None, reason=reason
        )


def reactivate(rf, user, client, at, *, resume=False):
    with time_machine.travel(at, tick=False):
        services.reactivate_client(request_of(rf, user), client, resume=resume)


def first_episode(client, created=day(2025, 1, 1)):
    """``client``'s record dated ``created``, with the one episode the migration gives it."""
    type(client).objects.filter(pk=client.pk).update(created_at=created)
    migration.create_first_episodes(django_apps, None)


def readmit(rf, user, client):
    """``client``'s first episode, ended on 1 March 2025; a new one from 2 June 2025."""
    first_episode(client)
    discharge(rf, user, client, day(2025, 3, 1))
    reactivate(rf, user, client, day(2025, 6, 2))


@pytest.fixture
def readmitted(rf, bob, erin):
    """Erin answered the PHQ-9 twice in a first episode (20, then 8), was discharged on 1 March
    2025 and readmitted in a new episode on 2 June, then answered 15 and 14."""
    respond(erin, "phq-9", phq9(20), day(2025, 1, 6))
    respond(erin, "phq-9", phq9(8), day(2025, 2, 3))
    readmit(rf, bob, erin)
    respond(erin, "phq-9", phq9(15), day(2025, 6, 9))
    respond(erin, "phq-9", phq9(14), day(2025, 7, 7))
    return erin


class TestMigration:
    def test_one_episode_per_client_from_creation_or_first_answer(self, practice_a, bob, erin):
        respond(erin, "phq-9", phq9(5), day(2020, 5, 4))  # before Erin's record was created
        with time_machine.travel(day(2024, 1, 2), tick=False):
            gone = ClientFactory(practice=practice_a, primary_clinician=bob)
        with time_machine.travel(day(2024, 9, 30), tick=False):
            gone.status, gone.discharged_at = "discharged", day(2024, 9, 30)
            gone.save()

        migration.create_first_episodes(django_apps, None)
        migration.create_first_episodes(django_apps, None)  # again: nothing doubles

        (erins,) = Episode.objects.filter(client=erin)
        assert erins.started_at == day(2020, 5, 4) and erins.ended_at is None
        (gones,) = Episode.objects.filter(client=gone)
        assert (gones.started_at, gones.ended_at) == (day(2024, 1, 2), day(2024, 9, 30))
        assert gones.end_reason == ""  # not recorded before episodes were kept
        assert gones.practice_id == practice_a.pk


class TestDischargeAndReactivation:
    def test_a_new_client_starts_an_open_episode(self, rf, bob, practice_a):
        client = services.add_client(
            bob, bob.memberships.get(), practice_a, preferred_name="Ann", full_name="Ann Other"
        )
        (episode,) = client.episodes.all()
        assert episode.is_open and episode.started_at == client.created_at

    def test_discharge_ends_the_episode_and_reactivation_starts_a_new_one(self, rf, bob, erin):
        first_episode(erin)
        discharge(rf, bob, erin, day(2025, 3, 1), reason=EndReason.REFERRED)
        (first,) = erin.episodes.all()
        assert (first.ended_at, first.end_reason) == (day(2025, 3, 1), "referred")
        reactivate(rf, bob, erin, day(2025, 6, 2))
        first_again, second = erin.episodes.order_by("started_at")
        assert first_again.ended_at == day(2025, 3, 1)
        assert (second.started_at, second.ended_at) == (day(2025, 6, 2), None)
        assert services.current_episode(erin) == second
        audited = AuditEvent.objects.filter(client_id=erin.pk, object_type="episode")
        assert sorted(audited.values_list("action", "object_id")) == sorted(
            [("update", str(first.pk)), ("create", str(second.pk))]
        )

    def test_resuming_reopens_the_last_episode(self, rf, bob, erin):
        first_episode(erin)
        discharge(rf, bob, erin, day(2025, 3, 1))
        reactivate(rf, bob, erin, day(2025, 3, 8), resume=True)
        (episode,) = erin.episodes.all()
        assert episode.ended_at is None and episode.end_reason == ""
        assert episode.resumed_at == day(2025, 3, 8)
        erin.refresh_from_db()
        assert erin.is_active
        assert AuditEvent.objects.filter(
            object_type="episode", object_id=str(episode.pk), fields=["ended_at", "resumed_at"]
        ).exists()

    def test_a_client_from_before_episodes_gets_one_at_discharge(self, rf, bob, erin):
        discharge(rf, bob, erin, erin.created_at + datetime.timedelta(days=30))
        (episode,) = erin.episodes.all()
        assert episode.started_at == erin.created_at and episode.ended_at is not None

    def test_an_unknown_reason_is_refused(self, rf, bob, erin):
        with pytest.raises(services.ValidationError):
            services.discharge_client(
                request_of(rf, bob), erin, close_open_work=lambda c: None, reason="bored"
            )


class TestPages:
    def test_discharge_asks_why_and_records_it(self, as_bob, erin):
        url = reverse("clients:discharge", args=[erin.pk])
        assert "Why does this episode of care end?" in as_bob.get(url).content.decode()
        assert as_bob.post(url, {"reason": "nonsense"}).status_code == 400
        erin.refresh_from_db()
        assert erin.is_active
        assert as_bob.post(url, {"reason": "lost_contact"}).status_code == 302
        (episode,) = erin.episodes.all()
        assert episode.end_reason == "lost_contact" and episode.ended_at is not None

    def test_reactivation_is_the_clinicians_choice_confirmed(self, as_bob, rf, bob, erin):
        first_episode(erin)
        discharge(rf, bob, erin, day(2025, 3, 1))
        url = reverse("clients:reactivate", args=[erin.pk])
        page = as_bob.get(url).content.decode()
        assert "Start a new episode of care" in page and "Resume the last episode" in page
        assert "1 March 2025" in page  # when the last episode ended
        refused = as_bob.post(url, {})
        assert refused.status_code == 400
        assert "Choose a new episode or to resume the last one." in refused.content.decode()
        erin.refresh_from_db()
        assert not erin.is_active
        assert as_bob.post(url, {"episode": "new"}).status_code == 302
        assert erin.episodes.count() == 2
        assert as_bob.get(url).status_code == 302  # active again: nothing to ask

    def test_the_client_page_lists_episodes_with_the_current_one_marked(self, as_bob, readmitted):
        page = as_bob.get(reverse("clients:detail", args=[readmitted.pk])).content.decode()
        section = page[page.index('id="episodes-heading"') :]
        section = section[: section.index("</section>")]
        assert section.count("<tr") == 3  # the header and two episodes
        assert "1 Mar 2025" in section and "Therapy completed" in section
        assert "2 Jun 2025" in section and "Open" in section
        current = section[section.index('class="current-episode"') :]
        assert "2 Jun 2025" in current and "Current" in current

    def test_the_api_lists_episodes_on_the_client(self, readmitted, bob):
        data = api_as(bob).get(f"/api/v1/clients/{readmitted.pk}/").json()
        assert [(e["number"], e["end_reason"], e["current"]) for e in data["episodes"]] == [
            (1, "completed", False),
            (2, "", True),
        ]
        assert data["episodes"][1]["ended_at"] is None


class TestTrajectory:
    def test_a_readmitted_clients_baseline_starts_again(self, bob, readmitted):
        result = service.client_trajectory(bob, readmitted)
        phq = by_code(result, "phq-9")
        assert [(a.episode, a.earlier_episode) for a in phq.administrations] == [
            (1, True),
            (1, True),
            (2, False),
            (2, False),
        ]
        first, second, new_baseline, latest = phq.administrations
        assert first.is_baseline and new_baseline.is_baseline  # one baseline per episode
        assert phq.baseline is new_baseline and phq.latest is latest
        assert phq.since_baseline["total"].before == 15  # not the first episode's 20
        assert second.since_baseline["total"].before == 20  # earlier ones keep their own
        assert new_baseline.since_previous is None  # nothing before it in its episode
        assert phq.previous is new_baseline

    def test_the_api_says_each_points_episode(self, bob, readmitted):
        data = ClientTrajectorySerializer(
            trajectory_data(service.client_trajectory(bob, readmitted))
        ).data
        points = data["instruments"][0]["administrations"]
        assert [(p["episode"], p["earlier_episode"], p["is_baseline"]) for p in points] == [
            (1, True, True),
            (1, True, False),
            (2, False, True),
            (2, False, False),
        ]
        assert [e["current"] for e in data["episodes"]] == [False, True]
        assert data["instruments"][0]["change_since_baseline"][0]["before"] == 15

    def test_just_readmitted_nothing_is_judged_yet(self, rf, bob, erin):
        respond(erin, "phq-9", phq9(20), day(2025, 1, 6))
        respond(erin, "phq-9", phq9(8), day(2025, 2, 3))
        readmit(rf, bob, erin)
        phq = by_code(service.client_trajectory(bob, erin), "phq-9")
        assert phq.baseline is None and phq.latest is None and phq.since_baseline is None
        assert len(phq.administrations) == 2
        svg = charts.trajectory_svg(phq.charts[0])
        assert "No scores yet in the current episode of care." in svg

    def test_without_episodes_the_whole_history_is_one(self, bob, erin):
        respond(erin, "phq-9", phq9(20), day(2025, 1, 6))
        respond(erin, "phq-9", phq9(8), day(2025, 2, 3))
        phq = by_code(service.client_trajectory(bob, erin), "phq-9")
        assert phq.baseline.date == datetime.date(2025, 1, 6)
        assert not any(a.earlier_episode for a in phq.administrations)


class TestCharts:
    def test_the_time_chart_greys_the_earlier_episode(self, bob, readmitted):
        phq = by_code(service.client_trajectory(bob, readmitted), "phq-9")
        (chart,) = phq.charts
        assert chart.episode_start == datetime.date(2025, 6, 2)
        svg = charts.trajectory_svg(chart)
        earlier = svg[svg.index('class="att-earlier"') :]
        earlier = earlier[: earlier.index("</g>")]
        assert earlier.count('class="att-earlier-point"') == 2
        assert 'fill="#8c9491"' in earlier  # grey
        assert "Earlier episode: Total, 6 Jan 2025: 20" in earlier
        assert 'class="att-earlier-area"' in svg and ">Earlier episode</text>" in svg
        # Only the current episode's points are the chart's own: focusable, coloured.
        assert svg.count('class="att-focus att-point') == 2
        assert "2 scores from earlier episodes of care before 2 Jun 2025 shown in grey" in svg
        assert "Baseline 9 Jun 2025." in svg

    def test_the_plane_greys_the_earlier_episode(self, rf, bob, erin):
        cite_ecr(erin.practice)
        respond(erin, "ecr-r", ecr(6, 6), day(2025, 1, 6))
        respond(erin, "ecr-r", ecr(3, 3), day(2025, 2, 3))
        readmit(rf, bob, erin)
        respond(erin, "ecr-r", ecr(5, 5), day(2025, 6, 9))
        respond(erin, "ecr-r", ecr(4, 4), day(2025, 7, 7))
        ecr_r = by_code(service.client_trajectory(bob, erin), "ecr-r")
        plane = ecr_r.plane
        assert [p.date for p in plane.path] == [
            datetime.date(2025, 6, 9),
            datetime.date(2025, 7, 7),
        ]
        assert [p.date for p in plane.earlier] == [
            datetime.date(2025, 1, 6),
            datetime.date(2025, 2, 3),
        ]
        svg = charts.plane_svg(plane)
        assert svg.count('class="att-earlier-point"') == 2
        assert "Baseline, 9 Jun 2025" in svg  # the path starts at the current baseline
        assert "2 scores from earlier episodes of care shown in grey" in svg


class TestDashboard:
    def test_rows_judge_change_within_the_current_episode(self, rf, bob, erin):
        respond(erin, "phq-9", phq9(20), day(2025, 1, 6))
        respond(erin, "phq-9", phq9(8), day(2025, 2, 3))
        migration.create_first_episodes(django_apps, None)
        progress.refresh_client_progress(erin)
        assert ClientProgress.objects.get(client=erin).change != ProgressChange.NOT_COMPARED
        discharge(rf, bob, erin, day(2025, 3, 1))
        reactivate(rf, bob, erin, day(2025, 6, 2))
        progress.refresh_client_progress(erin)  # as the reactivation page does
        row = ClientProgress.objects.get(client=erin)
        assert (row.change, row.changes, row.baselines) == (ProgressChange.NOT_COMPARED, [], {})
        new = respond(erin, "phq-9", phq9(15), day(2025, 6, 9))
        respond(erin, "phq-9", phq9(14), day(2025, 7, 7))
        progress.refresh_client_progress(erin)
        refreshed = ClientProgress.objects.filter(client=erin).values().get()
        assert refreshed["baselines"] == {str(new.instrument_id): new.pk}
        assert refreshed["responses"] == 4
        # The rebuild from scratch agrees with the incremental row.
        ClientProgress.objects.all().delete()
        progress.rebuild_progress(client_ids=[erin.pk])
        rebuilt = ClientProgress.objects.filter(client=erin).values().get()
        refreshed.pop("updated_at"), rebuilt.pop("updated_at")
        assert rebuilt == refreshed


class TestReport:
    def test_the_stored_histories_judge_within_the_current_episode(self, readmitted):
        start, end = day(2025, 1, 1), day(2026, 1, 1)
        (phq,) = content.StoredResponses().histories(readmitted, start, end, ())
        assert [a.result["total"] for a in phq.earlier] == [20, 8]
        assert [a.result["total"] for a in phq.administrations] == [15, 14]
        assert phq.baseline.result["total"] == 15
        assert phq.episode_start == day(2025, 6, 2)

    @pytest.mark.usefixtures("media")
    def test_the_clinical_report_starts_a_new_baseline(self, bob, readmitted):
        report = make_report(
            readmitted,
            bob,
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 12, 31),
        )
        reports.render(report.pk)
        text = pdf_text(report)
        assert "Episode of care 2 of 2, since 2 Jun 2025." in text
        assert "Total: 15 (Moderately severe) at baseline → 14 (Moderate) latest" in text
        # Earlier episodes stay in the table and on the chart, not judged.
        assert "6 Jan 2025 Earlier episode 20 · Severe \u2013" in text
        assert "3 Feb 2025 Earlier episode 8 · Mild \u2013" in text
        assert "9 Jun 2025 Baseline 15 · Moderately severe" in text
        assert "first complete administration in the current episode of care" in text


class TestProgressPage:
    def test_the_page_names_the_current_episode_and_marks_earlier_rows(self, as_bob, readmitted):
        page = as_bob.get(reverse("clients:progress", args=[readmitted.pk])).content.decode()
        assert "the first complete one in the current episode of care" in page
        assert "Episode of care 2, since 2 Jun 2025." in page
        assert "Earlier episodes (1 Jan 2025 to 1 Mar 2025)" in page
        assert page.count("(earlier episode 1)") == 2
        assert page.count('class="muted earlier-episode"') == 2

    def test_just_readmitted_the_page_says_nothing_is_judged_yet(self, as_bob, rf, bob, erin):
        respond(erin, "phq-9", phq9(20), day(2025, 1, 6))
        readmit(rf, bob, erin)
        page = as_bob.get(reverse("clients:progress", args=[erin.pk])).content.decode()
        assert "No administrations yet in the current episode of care" in page
        assert "(earlier episode 1)" in page


class TestExport:
    def test_scores_csv_judges_within_each_episode(self, bob, readmitted):
        from clients.exports import scores

        clients = type(readmitted).objects.visible_to(bob).filter(pk=readmitted.pk)
        rows = [
            dict(zip(scores.COLUMNS, row, strict=True)) for row in scores.score_rows(bob, clients)
        ]
        assert [
            (r["episode"], r["score"], r["baseline_score"], r["is_baseline"]) for r in rows
        ] == [
            (1, 20, 20, True),
            (1, 8, 20, False),
            (2, 15, 15, True),
            (2, 14, 15, False),
        ]
        assert rows[3]["change_since_baseline"] == -1

    def test_the_archive_keeps_the_episodes(self, bob, readmitted):
        import io
        import json
        import zipfile

        from clients.exports import archive

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as written:
            archive.write_client(written, bob, readmitted)
        record = json.loads(zipfile.ZipFile(buffer).read("client.json"))
        episodes = [e["fields"] for e in record["episodes"]]
        assert [(e["end_reason"], e["ended_at"] is None) for e in episodes] == [
            ("completed", False),
            ("", True),
        ]

    @pytest.mark.usefixtures("media")
    @pytest.mark.parametrize("audience", ["clinical", "client"])
    def test_a_report_with_only_earlier_answers_in_its_period(self, rf, bob, erin, audience):
        cite_ecr(erin.practice)
        respond(erin, "ecr-r", ecr(6, 6), day(2025, 1, 6))
        respond(erin, "phq-9", phq9(20), day(2025, 1, 6))
        readmit(rf, bob, erin)
        report = make_report(
            erin,
            bob,
            audience=audience,
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 12, 31),
        )
        reports.render(report.pk)
        text = pdf_text(report)
        assert "Episode of care 2 of 2, since 2 Jun 2025." in text
        assert "6 Jan 2025 Earlier episode 20" in text
        if audience == "client":
            assert "Change is counted from the start of this course of therapy" in text


class TestFirstEpisodes:
    def test_open_first_episodes_as_the_migration_did(self, practice_a, bob, erin):
        with time_machine.travel(day(2024, 1, 2), tick=False):
            gone = ClientFactory(practice=practice_a, primary_clinician=bob, status="discharged")
        clients = type(erin).objects.filter(pk__in=[erin.pk, gone.pk])
        assert services.open_first_episodes(clients, {erin.pk: day(2020, 5, 4)}) == 2
        assert services.open_first_episodes(clients, {}) == 0  # once only
        assert erin.episodes.get().started_at == day(2020, 5, 4)
        assert (gone.episodes.get().started_at, gone.episodes.get().ended_at) == (
            day(2024, 1, 2),
            day(2024, 1, 2),
        )

    @pytest.mark.slow
    def test_the_demo_clients_have_their_episode(self, settings, monkeypatch):
        from django.core.management import call_command

        from assessments.models import Response
        from clients.models import Client
        from practice.tasks import send_outbound_email

        monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)
        settings.DEBUG = True
        call_command("seed_demo", stdout=None)
        settings.DEBUG = False
        for client in Client.objects.exclude(external_reference="WL-1009"):
            (episode,) = client.episodes.all()
            first = Response.objects.filter(client=client).order_by("submitted_at").first()
            assert first is None or episode.started_at <= first.submitted_at
            assert (episode.ended_at is None) == client.is_active
        # One readmission, so the demo shows an earlier episode greyed: Isla's first three
        # administrations in an episode she ended, the rest in her current one.
        isla = Client.objects.get(external_reference="WL-1009")
        earlier, current = isla.episodes.order_by("started_at")
        assert earlier.end_reason == EndReason.CLIENT_ENDED
        assert earlier.ended_at <= current.started_at and current.ended_at is None
        phq = Response.objects.filter(client=isla, instrument__code="phq-9")
        assert phq.filter(submitted_at__lt=earlier.ended_at).count() == 3
        assert phq.filter(submitted_at__gte=current.started_at).count() >= 2
        phq_trajectory = by_code(service.client_trajectory(isla.primary_clinician, isla), "phq-9")
        assert [a.earlier_episode for a in phq_trajectory.administrations][:4] == [
            *(True, True, True),
            False,
        ]
        svg = charts.trajectory_svg(phq_trajectory.charts[0])
        assert svg.count('class="att-earlier-point"') == 3
