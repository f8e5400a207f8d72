"""Rules that keep one practice's clients away from everyone else, each pinned by a test that
fails when the rule is deleted (issue 11, defect 12: these bugs once passed the whole suite).

Every test here was checked by removing its rule from the source and watching it fail: the
practice check when sharing, the current practice on the client list and in note search, a
deactivated user seeing nothing, a report reached only through its own client, and batches
requested only by an owner of that practice. Tests assert what a person sees, not how the query
is built, so they hold whichever way the scoping is implemented.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from clients import notes, services
from clients.models import Client, ClientShare, Report, ReportBatch, SessionNote
from clients.reports import batches, content
from clients.reports import services as report_services
from practice.acting import act_as, act_in
from practice.middleware import CURRENT_PRACTICE_SESSION_KEY
from practice.models import AuditEvent, Role
from tests.clients.reports_helpers import (  # noqa: F401 - media: fixture
    FakeSource,
    make_report,
    media,
    ready_report,
    stored_files,
)
from tests.clients.test_notes_models import make_note
from tests.factories import MembershipFactory
from tests.practice.test_api_tokens import api, create_on_page
from tests.practice.test_practice_switch import bob_in_b  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
SWITCH = reverse("practice_switch")
CLIENT_LIST = reverse("clients:list")
NOTE_SEARCH = reverse("clients:note_search")


def acting(user, membership=None):
    """A request made by ``user`` under ``membership`` (their only one unless given), as the
    middleware would have prepared it for a service."""
    request = RequestFactory().post("/")
    request.user = user
    request.membership = membership or user.memberships.get()
    request.practice = request.membership.practice
    return request


def work_in(browser, practice):
    """Switch ``browser``'s session to ``practice`` through the header's switcher."""
    assert browser.post(SWITCH, {"practice": practice.pk}).status_code == 302
    assert browser.session[CURRENT_PRACTICE_SESSION_KEY] == practice.pk


def listed(browser, **query) -> str:
    response = browser.get(CLIENT_LIST, query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def hugo(request):
    """Bob also works in practice B (Charlie's) as a clinician, with Hugo on his caseload."""
    return request.getfixturevalue("bob_in_b")


class TestSharingStaysInThePractice:
    """``share_client`` refuses anyone who is not an active member of the client's own practice.
    The share form offers only those people, so the service is tested directly: an API or a
    forged form must meet the same rule."""

    def test_a_member_of_another_practice_is_refused(self, bob, erin, charlie):
        with pytest.raises(ValidationError, match="member of this practice"):
            services.share_client(acting(bob), erin, charlie)
        assert not ClientShare.objects.exists()
        assert not Client.objects.visible_to(charlie).filter(pk=erin.pk).exists()
        assert not AuditEvent.objects.filter(action="share").exists()

    def test_a_former_member_of_the_practice_is_refused(self, bob, dana, erin):
        dana.memberships.update(is_active=False)
        with pytest.raises(ValidationError, match="member of this practice"):
            services.share_client(acting(bob), erin, dana)
        assert not ClientShare.objects.exists()

    def test_a_colleague_in_the_practice_is_accepted(self, bob, dana, erin):
        share = services.share_client(acting(bob), erin, dana)
        assert (share.client, share.clinician, share.shared_by) == (erin, dana, bob)


class TestClientListShowsTheCurrentPracticeOnly:
    """A member of two practices sees, on the client list, only the clients of the practice
    they are working in; the other practice's appear after switching, and only then."""

    def test_a_clinician_in_two_practices(self, as_bob, erin, hugo, practice_a, practice_b):
        work_in(as_bob, practice_a)
        page = listed(as_bob)
        assert "Erin Fictional" in page and "Hugo Fictional" not in page
        assert "Hugo Fictional" not in listed(as_bob, q="Fictional")

        work_in(as_bob, practice_b)
        page = listed(as_bob)
        assert "Hugo Fictional" in page and "Erin Fictional" not in page
        assert "Erin Fictional" not in listed(as_bob, q="Fictional")

    def test_an_owner_working_as_a_clinician_elsewhere(
        self, as_alice, alice, erin, frank, gina, charlie, practice_a, practice_b
    ):
        MembershipFactory(user=alice, practice=practice_b, role=Role.CLINICIAN)
        ClientShare.objects.create(client=gina, clinician=alice, shared_by=charlie)

        work_in(as_alice, practice_b)
        page = listed(as_alice)
        assert "Gina Fictional" in page
        assert "Erin Fictional" not in page and "Frank Fictional" not in page

        work_in(as_alice, practice_a)
        page = listed(as_alice)
        assert "Erin Fictional" in page and "Frank Fictional" in page
        assert "Gina Fictional" not in page


class TestNoteSearchStaysInThePractice:
    """Searching notes finds only notes of the practice the request works in, on the page, the
    API and in the service both call."""

    @pytest.fixture
    def both(self, erin, hugo):
        return {
            "erin": make_note(erin, text="Nightmares most nights."),
            "hugo": make_note(hugo, text="Nightmares after the move."),
        }

    def test_the_service_searches_only_the_practice_it_is_given(
        self, bob, both, practice_a, practice_b
    ):
        def found(practice):
            return {note.pk for note in notes.search_notes(bob, practice, "nightmares")}

        act_in(bob, practice_a.pk)
        assert found(practice_a) == {both["erin"].pk}
        assert found(practice_b) == set()  # a caller asking about another practice gets nothing
        act_in(bob, practice_b.pk)
        assert found(practice_b) == {both["hugo"].pk}
        assert found(practice_a) == set()

    def test_the_search_page(self, as_bob, both, practice_a, practice_b):
        for practice, expected in ((practice_a, both["erin"]), (practice_b, both["hugo"])):
            work_in(as_bob, practice)
            response = as_bob.post(NOTE_SEARCH, {"q": "nightmares"})
            assert response.status_code == 200
            assert [note.pk for note in response.context["page_obj"]] == [expected.pk]

    def test_the_api(self, as_bob, both, practice_a, practice_b):
        for practice, expected in ((practice_a, both["erin"]), (practice_b, both["hugo"])):
            work_in(as_bob, practice)
            response = as_bob.post(
                "/api/v1/notes/search/", {"q": "nightmares"}, content_type="application/json"
            )
            assert response.status_code == 200
            assert [row["id"] for row in response.json()["results"]] == [str(expected.pk)]


class TestADeactivatedUserSeesNothing:
    """``user.is_active = False`` (the account switched off, whatever its memberships say)
    leaves nothing visible: not through the visibility entry points, not to a report task
    still queued for them, not through an open session or an API token made earlier."""

    @pytest.fixture
    def bobs_world(self, bob, erin):
        make_note(erin, text="Bob wrote this one.")
        return make_report(erin, bob)

    def deactivate(self, user):
        user.is_active = False
        user.save(update_fields=["is_active"])

    def test_the_visibility_entry_points_return_nothing(self, bob, erin, bobs_world):
        assert Client.objects.visible_to(bob).exists()  # before: Erin, her note, the report
        self.deactivate(bob)
        assert not Client.objects.visible_to(bob).exists()
        assert not SessionNote.objects.visible_to(bob).exists()  # not even his own note
        assert not Report.objects.visible_to(bob).exists()

    def test_deactivated_while_acting_under_a_membership(self, bob, erin, bobs_world):
        """A request or task binds its membership once (``practice.acting``); an account
        switched off after that must see nothing from then on, though the binding remains."""
        membership = bob.memberships.get()
        act_as(bob, membership)
        assert Client.objects.visible_to(bob).exists()
        self.deactivate(bob)
        assert not Client.objects.visible_to(bob).exists()
        assert not Client.objects.visible_in(bob, membership).exists()
        assert not SessionNote.objects.visible_to(bob).exists()
        assert not Report.objects.visible_to(bob).exists()

    @pytest.mark.usefixtures("media")
    def test_a_report_queued_for_them_is_not_rendered(self, bob, bobs_world, monkeypatch):
        monkeypatch.setattr(content, "StoredResponses", FakeSource)
        self.deactivate(bob)
        report_services.render(bobs_world.pk)
        bobs_world.refresh_from_db()
        assert bobs_world.status == Report.Status.FAILED
        assert bobs_world.error_message == report_services.NOT_ALLOWED
        assert stored_files(bobs_world) == []

    def test_an_open_session_shows_nothing(self, as_bob, bob, erin):
        page = reverse("clients:detail", args=[erin.pk])
        assert as_bob.get(page).status_code == 200
        self.deactivate(bob)
        response = as_bob.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    def test_an_api_token_made_earlier_is_refused(self, as_bob, bob, erin):
        key, _ = create_on_page(as_bob)
        assert api(key).get("/api/v1/clients/").status_code == 200
        self.deactivate(bob)
        response = api(key).get("/api/v1/clients/")
        assert response.status_code == 401
        assert str(erin.pk) not in response.content.decode()


@pytest.mark.usefixtures("media")
class TestAReportIsReachedOnlyThroughItsOwnClient:
    """Report pages take the client and the report. The report is looked up among that client's
    reports only, so a visible client's address cannot reach another client's report, in the
    practice or outside it (found missing: no test failed when the lookup was unscoped)."""

    @pytest.mark.parametrize(
        ("name", "method"),
        [
            ("report_detail", "get"),
            ("report_status", "get"),
            ("report_download", "get"),
            ("report_retry", "post"),
            ("report_delete", "post"),
        ],
    )
    def test_another_clients_report_through_erins_address_is_404(
        self, as_bob, erin, frank, gina, name, method
    ):
        for other in (
            ready_report(frank, frank.primary_clinician),
            ready_report(gina, gina.primary_clinician),
        ):
            url = reverse(f"clients:{name}", args=[erin.pk, other.pk])
            response = getattr(as_bob, method)(url, HTTP_HX_REQUEST="true")
            assert response.status_code == 404
            assert Report.objects.filter(pk=other.pk, status=Report.Status.READY).exists()
        assert not AuditEvent.objects.filter(
            object_type="report", action__in=["view", "export", "update", "delete"]
        ).exists()


class TestBatchesNeedAnOwnerOfThatPractice:
    def test_an_owner_elsewhere_cannot_request_one_here(self, bob, erin, practice_a, practice_b):
        """Bob is a clinician in A and owns B: owning B gives him no batch of A's clients."""
        MembershipFactory(user=bob, practice=practice_b, role=Role.OWNER)
        today = timezone.localdate()
        options = report_services.ReportOptions(today - datetime.timedelta(days=30), today)
        with pytest.raises(PermissionDenied):
            batches.request_batch(
                bob, practice_a, Client.objects.filter(practice=practice_a), "All", options
            )
        assert not ReportBatch.objects.exists() and not Report.objects.exists()
