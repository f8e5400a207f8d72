"""The header's count of unseen reports, its SQL compiled once per role (issue 17): for every
user, role and practice it acted under, the same answer as the ORM's queryset."""

import pytest
from django.utils import timezone

from clients.models import ClientShare, Report, ReportBatch
from clients.reports import unseen
from practice.acting import act_as, act_in
from practice.dashboard import client_page
from practice.models import Membership, Role
from tests.clients.reports_helpers import make_report
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
READY, QUEUED = Report.Status.READY, Report.Status.QUEUED


@pytest.fixture
def history(alice, bob, dana, charlie, erin, frank, gina, practice_a, practice_b):
    """Bob: two ready reports on his Erin, one on Dana's Frank (seen by him only once shared),
    and reports he may not count. Alice owns A and B: a report and a finished batch in A, a
    report in B."""
    now = timezone.now()
    make_report(erin, bob, status=READY)
    make_report(erin, bob, status=Report.Status.FAILED)
    make_report(erin, bob, status=READY, seen_at=now)  # seen
    make_report(erin, bob, status=QUEUED)  # not finished
    make_report(frank, bob, status=READY)  # Dana's client: Bob sees it when shared
    make_report(frank, dana, status=READY)
    make_report(erin, dana, status=READY)  # not Bob's request, nor Dana's client
    batch = ReportBatch.objects.create(practice=practice_a, requested_by=alice, scope="All")
    make_report(erin, alice, status=READY, batch=batch)  # counted through its batch
    ReportBatch.objects.create(
        practice=practice_a, requested_by=alice, scope="Done", finished_at=now
    )
    ReportBatch.objects.create(
        practice=practice_a, requested_by=alice, scope="Seen", finished_at=now, seen_at=now
    )
    make_report(frank, alice, status=READY)
    MembershipFactory(user=alice, practice=practice_b, role=Role.OWNER)
    make_report(gina, alice, status=READY)
    make_report(gina, charlie, status=READY)


def both_answers(user):
    """(compiled, ORM) counts for ``user`` as now bound."""
    return unseen.unseen_total(user), unseen.unseen(user).count()


def test_the_compiled_count_is_the_orms(history, alice, bob, dana, charlie, erin, frank):
    cases = [
        (bob, erin.practice_id, 2),
        (dana, erin.practice_id, 1),
        (alice, erin.practice_id, 2),  # her report on Frank and the finished batch
        (alice, frank.practice_id, 2),
        (charlie, None, 1),
    ]
    for user, practice_id, expected in cases:
        if practice_id is None:
            act_as(user, Membership.objects.get(user=user))
        else:
            act_in(user, practice_id)
        assert both_answers(user) == (expected, expected), user.email
    alice_in_b = Membership.objects.get(
        user=alice, role=Role.OWNER, practice__name__contains="Hill"
    )
    act_as(alice, alice_in_b)
    assert both_answers(alice) == (1, 1)

    ClientShare.objects.create(client=frank, clinician=bob)
    assert both_answers(bob) == (3, 3)
    # Demoted to clinician, Alice no longer counts the owners' batch nor Frank's report.
    membership = Membership.objects.get(user=alice, practice=erin.practice)
    membership.role = Role.CLINICIAN
    membership.save()
    act_as(alice, membership)
    assert both_answers(alice) == (0, 0)
    membership.is_active = False
    act_as(alice, membership)
    assert both_answers(alice) == (0, 0)


def test_an_unbound_user_is_counted_through_the_orm(history, bob):
    assert both_answers(bob) == (2, 2)


def test_the_sql_is_compiled_once_per_role(
    history, alice, bob, dana, erin, monkeypatch, django_assert_num_queries
):
    act_in(bob, erin.practice_id)
    act_in(alice, erin.practice_id)
    assert unseen.unseen_total(bob) == 2
    assert unseen.unseen_total(alice) == 2
    # Neither the querysets nor their compilation again: one query, the stand-ins' SQL.
    monkeypatch.setattr(unseen, "_unseen", lambda user: pytest.fail("built again"))
    act_in(dana, erin.practice_id)
    with django_assert_num_queries(1):
        assert unseen.unseen_total(dana) == 1
    with django_assert_num_queries(1):
        assert unseen.unseen_total(alice) == 2


def test_the_client_page_reads_the_count_with_the_client(
    history, bob, erin, django_assert_num_queries
):
    act_in(bob, erin.practice_id)
    with django_assert_num_queries(1):
        client = client_page.visible_client(bob, erin.pk)
    assert client.unseen_reports == 2
