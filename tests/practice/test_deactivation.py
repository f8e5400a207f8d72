"""A member leaving the practice: the owner is asked first and chooses who takes over the
member's active clients; the member's open sessions and API tokens end; a deactivated member
who is still signed in, or signs in again, gets a page that explains, not a bare 403; and the
owner can still find that clinician's caseload and history."""

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client as Browser
from django.urls import reverse
from rest_framework.test import APIClient

from clients.models import Client, ClientShare
from clients.services import hand_over_clients
from practice import services
from practice.models import ApiToken, AuditEvent, Membership, Role
from tests.conftest import logged_in
from tests.factories import PASSWORD, ClientFactory, MembershipFactory, UserFactory

DASHBOARD = reverse("dashboard")
LOGIN = reverse("account_login")
ENDED = "Your access to <strong>Harbour Therapy</strong> has ended."


def deactivate_url(user, practice) -> str:
    membership = Membership.objects.get(user=user, practice=practice)
    return reverse("practice_member_deactivate", args=[membership.pk])


def api_token(user, practice=None) -> str:
    _, key = services.create_api_token(None, user, "Script", practice)
    return key


def api_status(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/clients/").status_code


def bob_membership(bob, practice_a) -> Membership:
    return Membership.objects.get(user=bob, practice=practice_a)


# --- Asking first -------------------------------------------------------------------------


@pytest.mark.django_db
def test_deactivating_asks_first_and_says_what_the_member_holds(
    as_alice, alice, bob, dana, charlie, erin, practice_a
):
    ClientFactory(practice=practice_a, primary_clinician=bob, status=Client.Status.DISCHARGED)
    gone = UserFactory(full_name="Gone Clinician")
    MembershipFactory(user=gone, practice=practice_a, is_active=False)
    events = AuditEvent.objects.count()

    response = as_alice.get(deactivate_url(bob, practice_a))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Deactivate Bob Clinician?" in html
    assert "<strong>1 active client</strong>" in html
    assert "1 discharged client keeps Bob Clinician as clinician on record" in html
    successors = set(response.context["form"].fields["successor"].queryset)
    assert successors == {alice, dana}  # active members of A, not Bob, Charlie or the departed
    assert f'action="{deactivate_url(bob, practice_a)}"' in html and 'method="post"' in html
    # Asking changes nothing.
    assert bob_membership(bob, practice_a).is_active
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_the_team_page_links_to_the_question_instead_of_deactivating(as_alice, bob, practice_a):
    html = as_alice.get(reverse("practice_members")).content.decode()
    url = deactivate_url(bob, practice_a)
    assert f'<a href="{url}">Deactivate' in html
    assert f'action="{url}"' not in html  # no one-click form any more


def assert_refused(response, reason: str, bob, erin) -> None:
    """A 400 naming ``reason``, and Bob still active with Erin on his caseload."""
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert bob_membership(bob, erin.practice).is_active
    erin.refresh_from_db()
    assert erin.primary_clinician == bob


@pytest.mark.django_db
def test_a_member_with_active_clients_is_not_deactivated_without_a_successor(
    as_alice, bob, erin, practice_a
):
    response = as_alice.post(deactivate_url(bob, practice_a))
    assert_refused(response, "Choose who takes over their active clients.", bob, erin)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["charlie", "departed", "bob"])
def test_the_successor_must_be_another_active_member_of_this_practice(
    as_alice, bob, charlie, erin, practice_a, who
):
    departed = UserFactory()
    MembershipFactory(user=departed, practice=practice_a, is_active=False)
    successor = {"charlie": charlie, "departed": departed, "bob": bob}[who]
    response = as_alice.post(deactivate_url(bob, practice_a), {"successor": successor.pk})
    assert_refused(response, "Choose an active member of this practice.", bob, erin)


@pytest.mark.django_db
def test_the_service_refuses_to_strand_active_clients(alice, bob, erin, practice_a, rf):
    request = rf.post("/")
    request.user = alice
    with pytest.raises(ValidationError, match="choose who takes them over"):
        services.deactivate_member(
            request,
            bob_membership(bob, practice_a),
            hand_over=lambda leaving: hand_over_clients(
                request, leaving.practice, leaving.user, None
            ),
        )
    assert bob_membership(bob, practice_a).is_active


# --- Deactivating --------------------------------------------------------------------------


@pytest.mark.django_db
def test_deactivation_hands_the_active_clients_over_and_is_audited(
    as_alice, alice, bob, dana, erin, practice_a
):
    second = ClientFactory(practice=practice_a, primary_clinician=bob)
    past = ClientFactory(practice=practice_a, primary_clinician=bob, status="discharged")
    ClientShare.objects.create(client=erin, clinician=dana, shared_by=bob)

    response = as_alice.post(deactivate_url(bob, practice_a), {"successor": dana.pk}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("practice_members")
    assert "2 active clients moved to Dana Clinician." in response.content.decode()
    assert not bob_membership(bob, practice_a).is_active
    for client in (erin, second, past):
        client.refresh_from_db()
    assert (erin.primary_clinician, second.primary_clinician) == (dana, dana)
    assert past.primary_clinician == bob  # the record says who treated a discharged client
    assert not ClientShare.objects.filter(client=erin, clinician=dana).exists()  # now hers
    moved = AuditEvent.objects.filter(object_type="client", action="update", actor=alice)
    assert {(e.client_id, tuple(e.fields)) for e in moved} == {
        (erin.pk, ("primary_clinician",)),
        (second.pk, ("primary_clinician",)),
    }
    event = AuditEvent.objects.get(object_type="membership", action="update")
    assert (event.actor, event.object_id) == (alice, str(bob_membership(bob, practice_a).pk))
    assert event.fields == ["is_active", "sessions"]


@pytest.mark.django_db
def test_a_member_without_active_clients_is_deactivated_after_confirming(
    as_alice, dana, practice_a
):
    url = deactivate_url(dana, practice_a)
    assert "not the primary clinician of any active client" in as_alice.get(url).content.decode()
    assert as_alice.post(url).status_code == 302
    assert not Membership.objects.get(user=dana, practice=practice_a).is_active


@pytest.mark.django_db
def test_deactivation_ends_the_members_sessions_and_tokens_and_no_one_elses(
    as_alice, alice, bob, dana, practice_a
):
    phone, laptop, as_dana = logged_in(bob), logged_in(bob), logged_in(dana)
    bob_key, dana_key = api_token(bob), api_token(dana)
    assert phone.get(DASHBOARD).status_code == 200 and api_status(bob_key) == 200

    as_alice.post(deactivate_url(bob, practice_a))

    for browser in (phone, laptop):
        response = browser.get(DASHBOARD)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert api_status(bob_key) in (401, 403)
    assert not ApiToken.objects.filter(user=bob, revoked_at__isnull=True).exists()
    revoked = AuditEvent.objects.get(object_type="apitoken", action="delete")
    assert (revoked.actor, revoked.fields) == (alice, ["revoked_at"])
    # Everyone else carries on.
    assert as_dana.get(DASHBOARD).status_code == 200 and api_status(dana_key) == 200
    assert as_alice.get(DASHBOARD).status_code == 200
    assert Session.objects.count() == 2  # Alice's and Dana's


@pytest.mark.django_db
def test_a_member_of_another_practice_keeps_that_access(
    as_alice, alice, bob, charlie, erin, gina, practice_a, practice_b
):
    MembershipFactory(user=bob, practice=practice_b, role=Role.CLINICIAN)
    gina.primary_clinician = bob
    gina.save()
    browser = logged_in(bob)
    key_a, key_b = api_token(bob, practice_a), api_token(bob, practice_b)

    refused = as_alice.post(deactivate_url(bob, practice_a), {"successor": charlie.pk})
    assert refused.status_code == 400  # Charlie is not a member of A
    as_alice.post(deactivate_url(bob, practice_a), {"successor": alice.pk})
    assert not bob_membership(bob, practice_a).is_active

    # Still signed in, now acting under practice B: A's client is gone, B's is there.
    assert browser.get(DASHBOARD).status_code == 200
    assert browser.get(reverse("clients:detail", args=[erin.pk])).status_code == 404
    assert browser.get(reverse("clients:detail", args=[gina.pk])).status_code == 200
    # Only the token bound to practice A stops.
    assert api_status(key_a) in (401, 403) and api_status(key_b) == 200
    assert ApiToken.objects.get(practice=practice_a).revoked_at is not None
    assert ApiToken.objects.get(practice=practice_b).revoked_at is None


@pytest.mark.django_db
def test_an_owner_who_deactivates_herself_is_signed_out(as_alice, alice, bob, practice_a):
    Membership.objects.filter(user=bob).update(role=Role.OWNER)  # another owner remains
    response = as_alice.post(deactivate_url(alice, practice_a))
    assert response.status_code == 302
    assert not Membership.objects.get(user=alice, practice=practice_a).is_active
    after = as_alice.get(DASHBOARD)
    assert after.status_code == 302 and after["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_an_already_deactivated_member_is_not_asked_again(as_alice, bob, practice_a):
    Membership.objects.filter(user=bob).update(is_active=False)
    response = as_alice.get(deactivate_url(bob, practice_a), follow=True)
    assert response.redirect_chain[-1][0] == reverse("practice_members")
    assert "already deactivated" in response.content.decode()


# --- What the deactivated member sees -----------------------------------------------------


def assert_explains(response) -> None:
    assert response.status_code == 403
    html = response.content.decode()
    assert ENDED in html
    assert "Ask the practice's owner if this is a mistake." in html
    assert f'action="{reverse("account_logout")}"' in html and "Sign out" in html
    assert 'href="/static/css/attune.css"' in html  # the styled page, not a bare 403
    assert reverse("clients:list") not in html  # no menu of pages they cannot open


@pytest.mark.django_db
def test_a_deactivated_member_who_signs_in_again_sees_a_page_that_explains(
    as_alice, bob, erin, dana, practice_a
):
    as_alice.post(deactivate_url(bob, practice_a), {"successor": dana.pk})
    browser = Browser()
    signed_in = browser.post(LOGIN, {"login": bob.email, "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == DASHBOARD
    assert_explains(browser.get(DASHBOARD))
    assert_explains(browser.get(reverse("clients:detail", args=[erin.pk])))
    # The way out works.
    assert browser.post(reverse("account_logout")).status_code == 302
    assert browser.get(DASHBOARD)["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_an_open_session_of_a_deactivated_member_sees_the_page_too(bob, erin):
    browser = logged_in(bob)
    Membership.objects.filter(user=bob).update(is_active=False)  # say, from the admin
    for url in (DASHBOARD, reverse("clients:list"), reverse("clients:detail", args=[erin.pk])):
        assert_explains(browser.get(url))


@pytest.mark.django_db
def test_an_account_of_no_practice_is_told_to_ask_for_an_invitation(db):
    browser = logged_in(UserFactory())
    response = browser.get(DASHBOARD)
    assert response.status_code == 403
    html = response.content.decode()
    assert "does not belong to any practice" in html and "Sign out" in html


@pytest.mark.django_db
def test_a_clinician_on_an_owners_page_gets_a_styled_403(as_bob):
    response = as_bob.get(reverse("practice_members"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Only the practice&#x27;s owners can do this." in html
    assert 'href="/static/css/attune.css"' in html


# --- The owner can still find the clinician ------------------------------------------------


@pytest.mark.django_db
def test_the_dashboard_still_filters_by_a_deactivated_clinician(as_alice, bob, erin, frank):
    Membership.objects.filter(user=bob).update(is_active=False)  # Erin still on Bob's caseload
    response = as_alice.get(DASHBOARD, {"scope": "clinician", "clinician": bob.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Erin Fictional" in html and "Frank Fictional" not in html
    assert "Bob Clinician (deactivated)</option>" in html


@pytest.mark.django_db
def test_the_filters_still_offer_a_clinician_whose_clients_were_handed_over(
    as_alice, bob, dana, erin, practice_a
):
    ClientFactory(practice=practice_a, primary_clinician=bob, status="discharged")
    as_alice.post(deactivate_url(bob, practice_a), {"successor": dana.pk})
    dashboard = as_alice.get(DASHBOARD, {"scope": "clinician", "clinician": bob.pk})
    assert dashboard.status_code == 200
    assert "Bob Clinician (deactivated)</option>" in dashboard.content.decode()
    audit = as_alice.get(reverse("practice_audit"), {"actor": bob.pk})
    assert audit.status_code == 200
