"""A request acts under exactly one membership: objects of the user's other practices are 404
whatever roles the user holds there (pages, API by session and by token, batches, tasks).

The story: Dana is a clinician in practice A, and Bob shared his client Erin with her. Dana also
owns practice B. Acting under B, she must not be able to touch Erin at all; acting under A she
may read Erin but not hand her on.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from clients import services as client_services
from clients.models import Client, ClientShare, Report, ReportBatch
from clients.reports import services as report_services
from practice import services
from practice.acting import act_as, act_in
from practice.middleware import CURRENT_PRACTICE_SESSION_KEY
from practice.models import AuditEvent, Role
from tests.clients.reports_helpers import make_report
from tests.conftest import logged_in
from tests.factories import ClientFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana_owns_b(dana, erin, bob, practice_b, charlie):
    ClientShare.objects.create(client=erin, clinician=dana, shared_by=bob)
    MembershipFactory(user=dana, practice=practice_b, role=Role.OWNER)
    return dana


def acting_in(user, practice):
    web = logged_in(user)
    session = web.session
    session[CURRENT_PRACTICE_SESSION_KEY] = practice.pk
    session.save()
    return web


def api_acting_in(user, practice):
    api = APIClient()
    api.force_login(user)
    session = api.session
    session[CURRENT_PRACTICE_SESSION_KEY] = practice.pk
    session.save()
    return api


def token_for(user, practice):
    _, key = services.create_api_token(None, user, "test", practice=practice)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_under_b_every_change_to_an_a_client_is_404(dana_owns_b, erin, bob, practice_b, dana):
    web = acting_in(dana, practice_b)
    report = make_report(erin, bob)
    share = web.post(reverse("clients:share", args=[erin.pk]), {"clinician": dana.pk})
    discharge = web.post(reverse("clients:discharge", args=[erin.pk]))
    delete = web.post(reverse("clients:report_delete", args=[erin.pk, report.pk]))
    edit = web.post(
        reverse("clients:edit", args=[erin.pk]),
        {"preferred_name": "X", "full_name": "X", "primary_clinician": dana.pk},
    )
    assert [share.status_code, discharge.status_code, delete.status_code, edit.status_code] == [
        404,
        404,
        404,
        404,
    ]
    erin.refresh_from_db()
    assert erin.is_active and erin.primary_clinician == bob
    assert Report.objects.filter(pk=report.pk).exists()


def test_under_a_the_same_clinician_may_read_but_not_hand_on(dana_owns_b, erin, bob, practice_a):
    web = acting_in(dana_owns_b, practice_a)
    report = make_report(erin, bob)
    assert web.get(reverse("clients:detail", args=[erin.pk])).status_code == 200
    assert web.post(reverse("clients:discharge", args=[erin.pk])).status_code == 403
    assert web.get(reverse("clients:share", args=[erin.pk])).status_code == 403
    assert web.post(reverse("clients:report_delete", args=[erin.pk, report.pk])).status_code == 403
    erin.refresh_from_db()
    assert erin.is_active


@pytest.mark.parametrize("how", ["session", "token"])
def test_api_patch_of_primary_clinician_under_b_is_404(dana_owns_b, erin, bob, practice_b, how):
    api = (
        api_acting_in(dana_owns_b, practice_b)
        if how == "session"
        else token_for(dana_owns_b, practice_b)
    )
    response = api.patch(
        f"/api/v1/clients/{erin.pk}/", {"primary_clinician": dana_owns_b.pk}, format="json"
    )
    assert response.status_code == 404
    erin.refresh_from_db()
    assert erin.primary_clinician == bob


def test_api_patch_of_primary_clinician_by_a_clinician_is_403(dana_owns_b, erin, bob, practice_a):
    api = api_acting_in(bob, practice_a)
    response = api.patch(
        f"/api/v1/clients/{erin.pk}/", {"primary_clinician": dana_owns_b.pk}, format="json"
    )
    assert response.status_code == 403
    assert "owner" in response.json()["detail"]
    erin.refresh_from_db()
    assert erin.primary_clinician == bob


def test_owner_may_change_primary_clinician_to_a_member_only(as_alice, erin, dana, charlie):
    api = APIClient()
    api.force_login(erin.practice.memberships.get(role=Role.OWNER).user)
    moved = api.patch(f"/api/v1/clients/{erin.pk}/", {"primary_clinician": dana.pk}, format="json")
    assert moved.status_code == 200, moved.content
    erin.refresh_from_db()
    assert erin.primary_clinician == dana
    # Charlie is no member of A: the serializer's choices do not even offer him (400).
    refused = api.patch(
        f"/api/v1/clients/{erin.pk}/", {"primary_clinician": charlie.pk}, format="json"
    )
    assert refused.status_code == 400
    erin.refresh_from_db()
    assert erin.primary_clinician == dana


def test_update_client_service_enforces_the_owner_rule(rf, erin, bob, dana):
    """The rule lives in the service, so any caller (form, API, future import) obeys it."""
    from django.core.exceptions import PermissionDenied

    request = rf.post("/")
    request.user = bob
    request.membership = bob.memberships.get()
    erin.primary_clinician = dana
    with pytest.raises(PermissionDenied):
        client_services.update_client(request, erin, ["primary_clinician"])
    assert Client.objects.get(pk=erin.pk).primary_clinician == bob


@pytest.mark.parametrize("how", ["session", "token"])
def test_api_client_list_shows_the_acting_practice_only(dana_owns_b, erin, gina, practice_b, how):
    api = (
        api_acting_in(dana_owns_b, practice_b)
        if how == "session"
        else token_for(dana_owns_b, practice_b)
    )
    response = api.get("/api/v1/clients/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(gina.pk)]
    event = AuditEvent.objects.filter(action="list", object_type="client").latest("pk")
    assert event.practice_id == practice_b.pk


def test_token_of_a_acts_under_a_whatever_the_session_chose(dana_owns_b, erin, practice_a):
    api = token_for(dana_owns_b, practice_a)
    response = api.get("/api/v1/clients/")
    assert [row["id"] for row in response.json()["results"]] == [str(erin.pk)]


def test_token_stops_when_its_membership_ends(dana_owns_b, erin, practice_a):
    api = token_for(dana_owns_b, practice_a)
    dana_owns_b.memberships.filter(practice=practice_a).update(is_active=False)
    assert api.get("/api/v1/clients/").status_code == 403
    assert api.get(f"/api/v1/clients/{erin.pk}/").status_code == 403


def test_token_of_a_member_of_several_practices_needs_a_practice(dana_owns_b):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.create_api_token(None, dana_owns_b, "ambiguous")


def test_token_created_on_a_page_belongs_to_the_acting_practice(dana_owns_b, practice_b):
    web = acting_in(dana_owns_b, practice_b)
    response = web.post(reverse("account_token_create"), {"name": "laptop"})
    assert response.status_code == 200
    assert dana_owns_b.api_tokens.get(name="laptop").practice == practice_b


def test_duplicate_email_warning_only_about_visible_clients(erin, dana, bob, practice_a):
    """Dana cannot see Erin: creating a client with Erin's address gives no hint of her."""
    web = logged_in(dana)
    fields = {"preferred_name": "Sam", "full_name": "Sam Fictional", "email": erin.email}
    response = web.post(reverse("clients:create"), fields)
    assert response.status_code == 302
    assert Client.objects.filter(email=erin.email).count() == 2
    # Bob sees Erin: he is warned and nothing is saved until he confirms.
    response = logged_in(bob).post(reverse("clients:create"), fields | {"full_name": "Sam Other"})
    assert response.status_code == 200
    assert "already has this e-mail address" in response.content.decode()
    assert Client.objects.filter(email=erin.email).count() == 2


def test_api_duplicate_email_warning_only_about_visible_clients(erin, dana):
    api = APIClient()
    api.force_login(dana)
    response = api.post(
        "/api/v1/clients/",
        {"preferred_name": "Sam", "full_name": "Sam Fictional", "email": erin.email},
        format="json",
    )
    assert response.status_code == 201, response.content


def test_reference_message_names_no_client(erin, dana):
    Client.objects.filter(pk=erin.pk).update(external_reference="WL-1003")
    response = logged_in(dana).post(
        reverse("clients:create"),
        {"preferred_name": "Sam", "full_name": "Sam Fictional", "external_reference": "WL-1003"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "already in use in the practice" in body
    assert "Erin" not in body


def test_batches_are_listed_under_the_acting_practice_for_owners_only(
    alice, erin, practice_a, practice_b, charlie
):
    batch = ReportBatch.objects.create(practice=practice_a, requested_by=alice, scope="All")
    make_report(erin, alice, batch=batch)
    MembershipFactory(user=alice, practice=practice_b, role=Role.CLINICIAN)
    under_a = acting_in(alice, practice_a).get(reverse("clients:my_reports"))
    under_b = acting_in(alice, practice_b).get(reverse("clients:my_reports"))
    assert str(batch.pk) in under_a.content.decode()
    assert str(batch.pk) not in under_b.content.decode()
    # Demoted to clinician in A, Alice no longer sees the owners' batches.
    alice.memberships.filter(practice=practice_a).update(role=Role.CLINICIAN)
    demoted = acting_in(alice, practice_a).get(reverse("clients:my_reports"))
    assert str(batch.pk) not in demoted.content.decode()


def test_unseen_count_follows_the_acting_practice(alice, erin, practice_a, practice_b):
    from django.utils import timezone

    batch = ReportBatch.objects.create(
        practice=practice_a, requested_by=alice, scope="All", finished_at=timezone.now()
    )
    MembershipFactory(user=alice, practice=practice_b, role=Role.OWNER)
    act_in(alice, practice_a.pk)
    assert list(report_services.unseen(alice).values_list("pk", flat=True)) == [batch.pk]
    act_in(alice, practice_b.pk)
    assert report_services.unseen(alice).count() == 0


def test_a_task_acts_in_the_rows_practice(dana_owns_b, erin, practice_a, practice_b):
    """``act_in`` (what the report task does) binds one practice; binding to none sees none."""
    act_in(dana_owns_b, practice_b.pk)
    assert not Client.objects.visible_to(dana_owns_b).filter(pk=erin.pk).exists()
    act_in(dana_owns_b, practice_a.pk)
    assert Client.objects.visible_to(dana_owns_b).filter(pk=erin.pk).exists()
    act_as(dana_owns_b, None)
    assert not Client.objects.visible_to(dana_owns_b).exists()


def test_an_unbound_user_acts_under_their_first_practice_only(dana_owns_b, erin, practice_b):
    ClientFactory(practice=practice_b, primary_clinician=dana_owns_b)
    visible = set(Client.objects.visible_to(dana_owns_b).values_list("practice_id", flat=True))
    assert visible == {erin.practice_id}


def test_a_practice_requiring_mfa_is_not_reached_from_one_that_does_not(
    dana_owns_b, erin, practice_a, practice_b
):
    """Dana has no authenticator. A requires two-factor, B does not: acting in B she is let in,
    and A's client is 404 there (before, the MFA check looked at B only and the page opened)."""
    practice_a.require_mfa = True
    practice_a.save(update_fields=["require_mfa"])
    web = acting_in(dana_owns_b, practice_b)
    assert web.get(reverse("dashboard")).status_code == 200
    assert web.get(reverse("clients:detail", args=[erin.pk])).status_code == 404
    assert (
        api_acting_in(dana_owns_b, practice_b).get(f"/api/v1/clients/{erin.pk}/").status_code == 404
    )
