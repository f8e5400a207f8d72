"""The team page: invitations, roles, deactivation, and accepting an invitation by its link."""

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from practice.models import (
    AuditEvent,
    Membership,
    OutboundEmail,
    Practice,
    Role,
    StaffInvitation,
    User,
    hash_token,
    new_token,
)
from tests.conftest import logged_in
from tests.factories import PASSWORD, MembershipFactory

TEAM = reverse("practice_members")
NEW_PASSWORD = "a-long-fresh-passphrase"


def open_invitation(practice, email="new@example.com", role=Role.CLINICIAN, **fields):
    """An open invitation and its raw token, as if e-mailed a moment ago."""
    raw, digest = new_token()
    invitation = StaffInvitation.objects.create(
        practice=practice,
        email=email,
        role=role,
        token_hash=digest,
        expires_at=timezone.now() + StaffInvitation.VALID_FOR,
        **fields,
    )
    return invitation, raw


def link_in(email: OutboundEmail) -> str:
    """The acceptance path from an invitation e-mail's plain text."""
    match = re.search(r"http://127\.0\.0\.1:8000(/invite/[A-Za-z0-9_-]+/)", email.text_body)
    assert match, email.text_body
    return match.group(1)


def invite(web, **data):
    return web.post(TEAM, {"role": Role.CLINICIAN, "full_name": "", **data})


# --- Who may open the team pages -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["practice_members", "practice_settings", "practice_audit"])
def test_owner_pages_refuse_clinicians_and_send_anonymous_to_login(as_bob, name):
    assert as_bob.get(reverse(name)).status_code == 403
    response = Browser().get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_clinician_cannot_invite_or_change_roles(as_bob, dana):
    assert invite(as_bob, email="x@example.com").status_code == 403
    dana_membership = dana.memberships.get()
    url = reverse("practice_member_role", args=[dana_membership.pk])
    assert as_bob.post(url, {"role": Role.OWNER}).status_code == 403
    dana_membership.refresh_from_db()
    assert dana_membership.role == Role.CLINICIAN
    assert not StaffInvitation.objects.exists()


# --- The team page ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_team_page_lists_members_roles_two_factor_and_open_invitations(
    as_alice, alice, bob, dana, charlie, practice_a
):
    Authenticator.objects.create(user=bob, type=Authenticator.Type.TOTP, data={})
    open_invitation(practice_a, email="pending@example.com")
    expired, _ = open_invitation(practice_a, email="expired@example.com")
    StaffInvitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    open_invitation(practice_a, email="gone@example.com", revoked_at=timezone.now())

    response = as_alice.get(TEAM)

    assert response.status_code == 200
    members = {m.user.email: m for m in response.context["members"]}
    assert set(members) == {"alice@example.com", "bob@example.com", "dana@example.com"}
    assert members["bob@example.com"].has_totp
    assert not members["dana@example.com"].has_totp
    assert members["alice@example.com"].role == Role.OWNER
    assert [i.email for i in response.context["invitations"]] == [
        "expired@example.com",
        "pending@example.com",
    ]
    html = response.content.decode()
    assert "charlie@example.com" not in html
    assert "gone@example.com" not in html
    assert "Expired" in html and "Pending" in html


# --- Inviting --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_invite_stores_only_a_hash_and_emails_the_link(as_alice, alice, practice_a):
    with time_machine.travel("2026-03-02 09:00 +00:00", tick=False):
        response = invite(as_alice, email=" New.Person@Example.com ", full_name="Nadia New")
    assert response.status_code == 302

    invitation = StaffInvitation.objects.get()
    assert invitation.email == "new.person@example.com"
    assert (invitation.full_name, invitation.role, invitation.invited_by) == (
        "Nadia New",
        Role.CLINICIAN,
        alice,
    )
    assert invitation.expires_at == invitation.created_at + timedelta(days=7)

    email = OutboundEmail.objects.get(kind="staff_invitation")
    assert email.to == "new.person@example.com"
    assert "Harbour Therapy" in email.subject
    path = link_in(email)
    raw = path.split("/")[2]
    assert invitation.token_hash == hash_token(raw) != raw
    assert raw not in str(list(StaffInvitation.objects.values()))
    for body in (email.text_body, email.html_body):
        assert "Harbour Therapy" in body
        assert path in body
        # Nothing personal beyond the practice: not the invitee's or the inviter's name.
        assert "Nadia" not in body and "Alice" not in body and "alice@" not in body
    assert "9 March 2026" in email.text_body
    assert AuditEvent.objects.filter(
        practice=practice_a, object_type="staffinvitation", action="create"
    ).exists()


@pytest.mark.django_db
def test_inviting_an_active_member_is_a_form_error(as_alice, bob):
    response = invite(as_alice, email="BOB@example.com")
    assert response.status_code == 400
    assert response.context["form"].errors["email"] == [
        "This person is already a member of the practice."
    ]
    assert not StaffInvitation.objects.exists()
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db
def test_inviting_an_address_with_an_open_invitation_is_a_form_error(as_alice, practice_a):
    open_invitation(practice_a, email="new@example.com")
    response = invite(as_alice, email="new@example.com")
    assert response.status_code == 400
    assert "still open" in response.context["form"].errors["email"][0]


@pytest.mark.django_db
def test_invite_form_explains_bad_input(as_alice):
    response = invite(as_alice, email="not-an-address", role="superuser")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["email"] == ["Enter a valid email address."]
    assert "role" in errors


@pytest.mark.django_db
def test_someone_in_another_practice_can_be_invited(as_charlie, bob):
    assert invite(as_charlie, email="bob@example.com").status_code == 302
    assert StaffInvitation.objects.get().practice.name == "Hillside Counselling"


@pytest.mark.django_db
def test_resend_issues_a_new_link_and_kills_the_old_one(as_alice, practice_a):
    with time_machine.travel("2026-03-01 09:00 +00:00", tick=False):
        invitation, old_raw = open_invitation(practice_a)
    with time_machine.travel("2026-03-10 09:00 +00:00", tick=False):  # expired by now
        response = as_alice.post(reverse("practice_invitation_resend", args=[invitation.pk]))
        assert response.status_code == 302
        new_path = link_in(OutboundEmail.objects.get())
        assert Browser().get(reverse("invitation_accept", args=[old_raw])).status_code == 404
        assert Browser().get(new_path).status_code == 200
    invitation.refresh_from_db()
    assert invitation.expires_at.isoformat().startswith("2026-03-17")


@pytest.mark.django_db
def test_revoked_invitation_link_stops_working(as_alice, practice_a):
    invitation, raw = open_invitation(practice_a)
    response = as_alice.post(reverse("practice_invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert Browser().get(reverse("invitation_accept", args=[raw])).status_code == 404


@pytest.mark.django_db
def test_charlie_cannot_touch_practice_a_invitations_or_members(as_charlie, practice_a, bob):
    invitation, raw = open_invitation(practice_a)
    membership = bob.memberships.get()
    for url, data in [
        (reverse("practice_invitation_resend", args=[invitation.pk]), {}),
        (reverse("practice_invitation_revoke", args=[invitation.pk]), {}),
        (reverse("practice_member_role", args=[membership.pk]), {"role": Role.OWNER}),
        (reverse("practice_member_deactivate", args=[membership.pk]), {}),
        (reverse("practice_member_reactivate", args=[membership.pk]), {}),
    ]:
        assert as_charlie.post(url, data).status_code == 404, url
    invitation.refresh_from_db()
    membership.refresh_from_db()
    assert invitation.is_usable and invitation.token_hash == hash_token(raw)
    assert (membership.role, membership.is_active) == (Role.CLINICIAN, True)
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db
def test_team_actions_only_accept_post(as_alice, bob):
    membership = bob.memberships.get()
    for name in ("practice_member_reactivate", "practice_member_role"):
        assert as_alice.get(reverse(name, args=[membership.pk])).status_code == 405
    # Deactivation's GET asks first (tests/practice/test_deactivation.py) and changes nothing.
    asking = as_alice.get(reverse("practice_member_deactivate", args=[membership.pk]))
    assert asking.status_code == 200
    membership.refresh_from_db()
    assert membership.is_active


# --- Roles and deactivation ------------------------------------------------------------------


@pytest.mark.django_db
def test_owner_changes_a_members_role(as_alice, bob, practice_a):
    membership = bob.memberships.get()
    response = as_alice.post(
        reverse("practice_member_role", args=[membership.pk]), {"role": Role.OWNER}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.OWNER
    event = AuditEvent.objects.get(object_type="membership")
    assert (event.action, event.fields, event.object_id) == ("update", ["role"], str(membership.pk))


@pytest.mark.django_db
def test_unknown_role_is_refused(as_alice, bob):
    membership = bob.memberships.get()
    response = as_alice.post(
        reverse("practice_member_role", args=[membership.pk]), {"role": "admin"}
    )
    assert response.status_code == 400
    assert "Choose a role" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.CLINICIAN
    assert not AuditEvent.objects.filter(object_type="membership", action="update").exists()


@pytest.mark.django_db
def test_last_active_owner_cannot_demote_or_deactivate_herself(as_alice, alice, bob):
    membership = alice.memberships.get()
    demote = as_alice.post(
        reverse("practice_member_role", args=[membership.pk]), {"role": Role.CLINICIAN}
    )
    deactivate = as_alice.post(reverse("practice_member_deactivate", args=[membership.pk]))
    for response in (demote, deactivate):
        assert response.status_code == 400
        assert "at least one active owner" in response.content.decode()
    membership.refresh_from_db()
    assert (membership.role, membership.is_active) == (Role.OWNER, True)


@pytest.mark.django_db
def test_an_inactive_second_owner_does_not_count(as_alice, alice, practice_a):
    MembershipFactory(practice=practice_a, role=Role.OWNER, is_active=False)
    membership = alice.memberships.get()
    response = as_alice.post(
        reverse("practice_member_role", args=[membership.pk]), {"role": Role.CLINICIAN}
    )
    assert response.status_code == 400
    assert "at least one active owner" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.OWNER
    assert not AuditEvent.objects.filter(object_type="membership", action="update").exists()


@pytest.mark.django_db
def test_owner_can_step_down_when_another_owner_remains(as_alice, alice, bob, practice_a):
    bob_membership = bob.memberships.get()
    bob_membership.role = Role.OWNER
    bob_membership.save()
    membership = alice.memberships.get()
    response = as_alice.post(
        reverse("practice_member_role", args=[membership.pk]), {"role": Role.CLINICIAN}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.CLINICIAN
    assert as_alice.get(TEAM).status_code == 403  # no longer an owner


@pytest.mark.django_db
def test_deactivated_member_loses_access_and_can_be_reactivated(as_alice, alice, bob, erin):
    membership = bob.memberships.get()
    as_bob = logged_in(bob)
    assert as_bob.get(reverse("dashboard")).status_code == 200

    deactivate = reverse("practice_member_deactivate", args=[membership.pk])
    assert as_alice.post(deactivate, {"successor": alice.pk}).status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active
    assert as_bob.get(reverse("dashboard"))["Location"].startswith(reverse("account_login"))
    as_bob = logged_in(bob)  # signing in again
    assert as_bob.get(reverse("dashboard")).status_code == 403
    assert as_bob.get(reverse("clients:detail", args=[erin.pk])).status_code == 403
    assert "Deactivated" in as_alice.get(TEAM).content.decode()

    assert (
        as_alice.post(reverse("practice_member_reactivate", args=[membership.pk])).status_code
        == 302
    )
    membership.refresh_from_db()
    assert membership.is_active
    assert as_bob.get(reverse("dashboard")).status_code == 200


@pytest.mark.django_db
def test_inviting_a_deactivated_member_points_to_reactivation(as_alice, bob):
    bob.memberships.update(is_active=False)
    response = invite(as_alice, email="bob@example.com")
    assert response.status_code == 400
    assert "reactivate them" in response.context["form"].errors["email"][0]


# --- Accepting an invitation -----------------------------------------------------------------


@pytest.mark.django_db
def test_get_shows_the_form_and_changes_nothing(practice_a):
    invitation, raw = open_invitation(practice_a, full_name="Nadia New")
    response = Browser().get(reverse("invitation_accept", args=[raw]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Join Harbour Therapy" in html
    assert 'value="Nadia New"' in html
    assert "no-store" in response["Cache-Control"]
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not User.objects.filter(email="new@example.com").exists()


@pytest.mark.django_db
def test_new_person_accepts_sets_a_password_and_is_signed_in(practice_a):
    invitation, raw = open_invitation(practice_a, role=Role.OWNER)
    web = Browser()
    response = web.post(
        reverse("invitation_accept", args=[raw]),
        {"full_name": "Nadia New", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")

    user = User.objects.get(email="new@example.com")
    assert user.full_name == "Nadia New"
    assert user.check_password(NEW_PASSWORD)
    membership = Membership.objects.get(user=user)
    assert (membership.practice, membership.role, membership.is_active) == (
        practice_a,
        Role.OWNER,
        True,
    )
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert web.get(reverse("dashboard")).status_code == 200  # signed in
    assert web.get(TEAM).status_code == 200  # as an owner

    # The link is spent: a second use shows the invalid-link page.
    again = Browser().get(reverse("invitation_accept", args=[raw]))
    assert again.status_code == 404
    # And the new person can sign in with the password they chose.
    assert Browser().login(email="new@example.com", password=NEW_PASSWORD)


@pytest.mark.django_db
def test_accepting_with_a_weak_or_mismatched_password_explains_why(practice_a):
    invitation, raw = open_invitation(practice_a)
    url = reverse("invitation_accept", args=[raw])
    weak = Browser().post(url, {"full_name": "N", "password1": "12345", "password2": "12345"})
    assert weak.status_code == 400
    assert any("too short" in e for e in weak.context["form"].errors["password1"])
    different = Browser().post(
        url, {"full_name": "N", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}
    )
    assert different.context["form"].errors["password2"] == ["The two passwords are different."]
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not User.objects.filter(email="new@example.com").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("kind", ["unknown", "expired", "revoked", "used", "garbage"])
def test_bad_links_all_get_the_same_friendly_page(practice_a, kind, method):
    invitation, raw = open_invitation(practice_a)
    if kind == "unknown":
        raw = new_token()[0]
    elif kind == "expired":
        StaffInvitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    elif kind == "revoked":
        StaffInvitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    elif kind == "used":
        StaffInvitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    else:
        raw = "x" * 500
    data = {"full_name": "N", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = getattr(Browser(), method)(reverse("invitation_accept", args=[raw]), data)

    assert response.status_code == 404
    html = response.content.decode()
    assert "This invitation link does not work" in html
    assert "Harbour Therapy" not in html and "new@example.com" not in html
    assert not User.objects.filter(email="new@example.com").exists()


@pytest.mark.django_db
def test_link_expires_after_seven_days(practice_a):
    with time_machine.travel("2026-03-01 09:00 +00:00", tick=False):
        _, raw = open_invitation(practice_a)
    url = reverse("invitation_accept", args=[raw])
    with time_machine.travel("2026-03-08 08:59 +00:00", tick=False):
        assert Browser().get(url).status_code == 200
    with time_machine.travel("2026-03-08 09:00 +00:00", tick=False):
        assert Browser().get(url).status_code == 404


@pytest.mark.django_db
def test_existing_account_is_asked_to_sign_in_then_joins(practice_b, bob, practice_a):
    invitation, raw = open_invitation(practice_b, email="bob@example.com")
    url = reverse("invitation_accept", args=[raw])

    anonymous = Browser()
    page = anonymous.get(url)
    assert page.status_code == 200
    assert page.context["state"] == "login"
    assert f"/accounts/login/?next=%2Finvite%2F{raw}%2F" in page.content.decode()
    # Posting without signing in neither creates an account nor joins.
    anonymous.post(url, {"full_name": "X", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert not Membership.objects.filter(user=bob, practice=practice_b).exists()
    bob.refresh_from_db()
    assert bob.check_password(PASSWORD)

    # Signing in through allauth comes back to the link.
    login = anonymous.post(
        f"{reverse('account_login')}?next={url}", {"login": bob.email, "password": PASSWORD}
    )
    assert login.status_code == 302 and login["Location"] == url
    assert anonymous.get(url).context["state"] == "join"
    joined = anonymous.post(url)
    assert joined.status_code == 302

    membership = Membership.objects.get(user=bob, practice=practice_b)
    assert membership.role == Role.CLINICIAN and membership.is_active
    assert bob.memberships.filter(practice=practice_a, is_active=True).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    # The practice just joined is the one the session now works in.
    assert anonymous.get(reverse("dashboard")).context["current_practice"] == practice_b


@pytest.mark.django_db
def test_signed_in_as_someone_else_cannot_accept(practice_a, as_charlie, charlie):
    invitation, raw = open_invitation(practice_a, email="new@example.com")
    url = reverse("invitation_accept", args=[raw])
    page = as_charlie.get(url)
    assert page.context["state"] == "other"
    as_charlie.post(url, {"full_name": "X", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not Membership.objects.filter(user=charlie, practice=practice_a).exists()
    assert not User.objects.filter(email="new@example.com").exists()


@pytest.mark.django_db
def test_invitation_accept_is_reachable_while_practice_requires_two_factor(practice_a, charlie):
    practice_a.require_mfa = True
    practice_a.save()
    _, raw = open_invitation(practice_a, email="charlie@example.com")
    web = logged_in(charlie)
    assert web.get(reverse("invitation_accept", args=[raw])).status_code == 200


@pytest.mark.django_db
def test_full_journey_from_team_page_to_first_sign_in(as_alice, practice_a):
    invite(as_alice, email="new@example.com", role=Role.CLINICIAN)
    path = link_in(OutboundEmail.objects.get())
    web = Browser()
    assert web.get(path).status_code == 200
    web.post(path, {"full_name": "Nadia New", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert web.get(reverse("dashboard")).status_code == 200
    team = as_alice.get(TEAM)
    assert "new@example.com" in [m.user.email for m in team.context["members"]]
    assert not team.context["invitations"]


# --- create_practice --------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_practice_command_prints_an_owner_link(capsys):
    call_command(
        "create_practice", "Riverside Therapy", "Owner@Example.com", "--time-zone", "Europe/Dublin"
    )
    out = capsys.readouterr().out
    practice = Practice.objects.get(name="Riverside Therapy")
    assert practice.time_zone == "Europe/Dublin"
    invitation = StaffInvitation.objects.get(practice=practice)
    assert (invitation.email, invitation.role) == ("owner@example.com", Role.OWNER)
    match = re.search(r"http://127\.0\.0\.1:8000(/invite/[A-Za-z0-9_-]+/)", out)
    assert match
    assert invitation.token_hash == hash_token(match.group(1).split("/")[2])

    web = Browser()
    web.post(
        match.group(1),
        {"full_name": "Olive Owner", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert web.get(reverse("practice_settings")).status_code == 200  # an owner of it


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["Riverside", "owner@example.com", "--time-zone", "Mars/Olympus"],
            "not a known time zone",
        ),
        (["Riverside", "not-an-email"], "valid email"),
        (["  ", "owner@example.com"], "name"),
    ],
)
def test_create_practice_command_explains_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_practice", *args)
    assert not Practice.objects.exists()
