"""Two report rules that once passed the whole suite when broken (issue 11, defect 12), each
checked by breaking it in the source and watching these tests fail.

- Only the person who asked for a report (or a batch) clears its notification by looking at it:
  an owner or a colleague opening the same report leaves the requester's "new" badge alone.
- A ready report's file lives exactly the practice's retention: still there at the instant the
  retention ends, deleted just after.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import ClientShare, Report, ReportBatch
from clients.reports import batches, services
from clients.tasks import expire_reports
from practice.models import Role
from tests.clients.reports_helpers import media, ready_report, stored_files  # noqa: F401
from tests.conftest import logged_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
HTMX = {"HTTP_HX_REQUEST": "true"}
Status = Report.Status


def new_badge(browser) -> str | None:
    """The header's count of new reports ("2 new"), or None when it shows none."""
    found = re.search(
        r"Reports <span[^>]*>(\d+) new</span>", browser.get(reverse("dashboard")).content.decode()
    )
    return found.group(1) if found else None


def seen_at(row):
    """When the requester saw ``row`` (a report or batch), read afresh; None while unseen."""
    row.refresh_from_db()
    return row.seen_at


class TestOnlyTheRequesterClearsTheNotification:
    @pytest.fixture
    def bobs_report(self, bob, erin):
        return ready_report(erin, bob)

    def test_an_owner_opening_bobs_report_leaves_it_new_for_bob(
        self, as_alice, as_bob, bobs_report
    ):
        args = [bobs_report.client_id, bobs_report.pk]
        assert as_alice.get(reverse("clients:report_detail", args=args)).status_code == 200
        assert as_alice.get(reverse("clients:report_status", args=args), **HTMX).status_code == 200
        assert as_alice.get(reverse("clients:report_download", args=args)).status_code == 200
        assert seen_at(bobs_report) is None
        assert new_badge(as_bob) == "1"

        as_bob.get(reverse("clients:report_detail", args=args))
        assert seen_at(bobs_report) is not None
        assert new_badge(as_bob) is None

    def test_a_colleague_it_is_shared_with_leaves_it_new_too(
        self, as_dana, as_bob, dana, bob, erin, bobs_report
    ):
        ClientShare.objects.create(client=erin, clinician=dana, shared_by=bob)
        args = [bobs_report.client_id, bobs_report.pk]
        assert as_dana.get(reverse("clients:report_detail", args=args)).status_code == 200
        assert seen_at(bobs_report) is None
        assert new_badge(as_bob) == "1"

    def test_the_service_ignores_anyone_else(self, alice, bob, bobs_report):
        services.mark_seen(alice, [bobs_report])
        assert seen_at(bobs_report) is None
        services.mark_seen(bob, [bobs_report])
        assert seen_at(bobs_report) is not None


class TestOnlyTheRequesterClearsABatchNotification:
    @pytest.fixture
    def olivia(self, practice_a):
        """A second owner of practice A."""
        user = UserFactory(email="olivia@example.com", full_name="Olivia Owner")
        MembershipFactory(user=user, practice=practice_a, role=Role.OWNER)
        return user

    @pytest.fixture
    def alices_batch(self, alice, erin):
        batch = ReportBatch.objects.create(
            practice=erin.practice, requested_by=alice, scope="All", finished_at=timezone.now()
        )
        ready_report(erin, alice, batch=batch)
        return batch

    def test_another_owner_watching_it_leaves_it_new_for_alice(
        self, as_alice, olivia, alices_batch
    ):
        as_olivia = logged_in(olivia)
        detail = reverse("clients:batch_detail", args=[alices_batch.pk])
        assert as_olivia.get(detail).status_code == 200
        status = reverse("clients:batch_status", args=[alices_batch.pk])
        assert as_olivia.get(status, **HTMX).status_code == 200
        assert seen_at(alices_batch) is None
        assert new_badge(as_alice) == "1"

        as_alice.get(detail)
        assert seen_at(alices_batch) is not None
        assert new_badge(as_alice) is None

    def test_the_service_ignores_anyone_else(self, alice, olivia, alices_batch):
        batches.mark_batch_seen(olivia, alices_batch)
        assert seen_at(alices_batch) is None


class TestRetentionBoundary:
    """With a 30-day retention, a report finished at 09:00 on 1 March is kept until 09:00 on
    31 March exactly (its ``expires_at``) and deleted by the first sweep after that instant."""

    FINISHED = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)

    @pytest.fixture
    def report(self, bob, erin, practice_a):
        practice_a.report_retention_days = 30
        practice_a.save()
        report = ready_report(erin, bob)
        Report.objects.filter(pk=report.pk).update(finished_at=self.FINISHED)
        report.refresh_from_db()
        assert report.expires_at == self.FINISHED + datetime.timedelta(days=30)
        return report

    def test_kept_at_the_instant_the_retention_ends(self, report, time_machine):
        time_machine.move_to(report.expires_at, tick=False)
        assert expire_reports.run() == 0
        report.refresh_from_db()
        assert report.status == Status.READY and stored_files(report)

    def test_deleted_just_after(self, report, time_machine):
        time_machine.move_to(report.expires_at + datetime.timedelta(microseconds=1), tick=False)
        assert expire_reports.run() == 1
        report.refresh_from_db()
        assert report.status == Status.EXPIRED and report.file_name == ""
        assert stored_files(report) == []
