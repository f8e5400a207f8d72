"""A practice's two-factor requirement (issue 11, defects 2 and 3): it holds on every entry
point to the practice's data (pages, downloads, the API by session and by token), it can be
met in a browser that makes extra requests while the set-up page is open, a member held at
set-up can still sign out or switch practice, and the owner is told whom it locks out now."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client as Browser
from django.urls import reverse

from clients.models import SessionNote
from practice import mfa
from practice.api_urls import router
from practice.models import Membership, Role
from tests.clients.reports_helpers import media, ready_report  # noqa: F401 (fixture)
from tests.clients.test_notes_models import make_note
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.practice.conftest import with_totp
from tests.practice.test_api_tokens import api, create_on_page

SETUP = reverse("mfa_activate_totp")
DASHBOARD = reverse("dashboard")
SETTINGS = reverse("practice_settings")


def require_mfa(practice) -> None:
    practice.require_mfa = True
    practice.save(update_fields=["require_mfa"])


def signed_in_by_password(user) -> Browser:
    """A browser that signed in through the login form, as a person does."""
    web = Browser()
    response = web.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return web


def confirmed_password(web) -> Browser:
    """allauth asks for the password again before an authenticator is added."""
    response = web.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302
    return web


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


# --- The policy ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_mfa_is_missing_only_where_the_practice_requires_it(practice_a, practice_b, bob):
    in_a = Membership.objects.get(user=bob, practice=practice_a)
    in_b = MembershipFactory(user=bob, practice=practice_b, role=Role.CLINICIAN)
    require_mfa(practice_a)
    assert mfa.mfa_missing(bob, in_a)
    assert not mfa.mfa_missing(bob, in_b)
    assert not mfa.mfa_missing(bob, None)
    with_totp(bob)
    assert not mfa.mfa_missing(bob, in_a)


@pytest.mark.django_db
def test_member_counts_are_of_active_members_of_that_practice(
    practice_a, alice, bob, dana, charlie
):
    assert mfa.member_counts(practice_a) == (3, 3)
    with_totp(dana)
    with_totp(charlie)
    Membership.objects.filter(user=bob).update(is_active=False)
    UserFactory.create()  # no membership: not counted
    assert mfa.member_counts(practice_a) == (1, 2)  # Alice lacks it; Charlie is in practice B


# --- The API: session and tokens ---------------------------------------------------------------


@pytest.fixture
def erins_note(erin, bob) -> SessionNote:
    return make_note(erin, author=bob)


@pytest.mark.django_db
def test_the_api_refuses_a_member_without_mfa_by_session(practice_a, as_bob, bob, erins_note):
    require_mfa(practice_a)
    for url in ("/api/v1/clients/", f"/api/v1/notes/{erins_note.pk}/"):
        response = as_bob.get(url)
        assert response.status_code == 403, url
        assert response.json()["detail"] == mfa.SETUP_MESSAGE
        assert "Erin" not in response.content.decode()

    with_totp(bob)
    assert as_bob.get("/api/v1/clients/").status_code == 200
    assert as_bob.get(f"/api/v1/notes/{erins_note.pk}/").status_code == 200


@pytest.mark.django_db
def test_a_token_made_before_the_requirement_stops_working_until_mfa_is_set_up(
    practice_a, as_bob, bob, erins_note
):
    key, _ = create_on_page(as_bob)
    token = api(key)
    assert token.get("/api/v1/clients/").status_code == 200

    require_mfa(practice_a)
    for url in ("/api/v1/clients/", f"/api/v1/notes/{erins_note.pk}/"):
        response = token.get(url)
        assert response.status_code == 403, url
        assert "two-factor authentication" in response.json()["detail"]

    with_totp(bob)
    assert token.get("/api/v1/clients/").status_code == 200
    assert token.get(f"/api/v1/notes/{erins_note.pk}/").status_code == 200


def test_every_api_route_checks_the_policy():
    """A viewset or action that sets its own permission_classes must keep MfaSatisfied."""
    for pattern in router.urls:
        view = pattern.callback
        if not hasattr(view, "cls"):
            continue
        classes = view.initkwargs.get("permission_classes", view.cls.permission_classes)
        assert mfa.MfaSatisfied in classes, pattern.name


# --- Pages and downloads -------------------------------------------------------------------------


@pytest.mark.django_db
def test_report_downloads_and_their_status_endpoints_are_held_too(
    practice_a,
    as_bob,
    bob,
    erin,
    media,  # noqa: F811
):
    report = ready_report(erin, bob)
    require_mfa(practice_a)
    args = [erin.pk, report.pk]
    for name in ("report_download", "report_detail", "report_status"):
        response = as_bob.get(reverse(f"clients:{name}", args=args))
        assert (response.status_code, response["Location"]) == (302, SETUP), name
    # The same requests from a page in the background (HTMX polling, fetch) are refused
    # outright: they must not land on the set-up page.
    for headers in ({"HX-Request": "true"}, {"Sec-Fetch-Mode": "cors"}):
        response = as_bob.get(reverse("clients:report_status", args=args), headers=headers)
        assert response.status_code == 403
        assert response.content.decode() == mfa.SETUP_MESSAGE
    response = as_bob.get(f"/api/v1/reports/{report.pk}/download/")
    assert response.status_code == 403
    assert not response.has_header("Content-Disposition")


@pytest.mark.django_db
def test_only_a_navigation_is_sent_to_set_up(practice_a, as_bob):
    require_mfa(practice_a)
    navigate = as_bob.get(DASHBOARD, headers={"Sec-Fetch-Mode": "navigate"})
    assert (navigate.status_code, navigate["Location"]) == (302, SETUP)
    for headers in ({"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}, {"HX-Request": "1"}):
        assert as_bob.get(DASHBOARD, headers=headers).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/favicon.ico", "/robots.txt", "/media/reports/x.pdf"])
def test_icons_and_files_never_reach_the_set_up_page(practice_a, as_bob, path):
    require_mfa(practice_a)
    assert as_bob.get(path, headers={"Sec-Fetch-Mode": "no-cors"}).status_code == 404
    assert as_bob.get(path).status_code == 404


@pytest.mark.django_db
def test_the_set_up_pages_name_an_icon_that_loads(practice_a, as_bob):
    """With an icon of its own the page gives the browser no reason to ask for /favicon.ico."""
    require_mfa(practice_a)
    html = as_bob.get(reverse("mfa_index")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    response = as_bob.get("/static/favicon.svg", headers={"Sec-Fetch-Mode": "no-cors"})
    assert response.status_code == 200
    assert b"<svg" in b"".join(response.streaming_content)


# --- Setting it up -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_set_up_secret_survives_the_browsers_extra_requests(practice_a, bob):
    require_mfa(practice_a)
    web = confirmed_password(signed_in_by_password(bob))
    page = web.get(DASHBOARD, follow=True)
    assert page.redirect_chain == [(SETUP, 302)]
    secret = page.context["form"].secret
    assert secret in page.content.decode()  # shown for typing into an app by hand

    # What a browser does while the member reaches for their phone: the favicon, a reload,
    # the same page in another tab, a background request from the page.
    web.get("/favicon.ico", headers={"Sec-Fetch-Mode": "no-cors"})
    assert web.get(SETUP).context["form"].secret == secret
    web.get(DASHBOARD, headers={"HX-Request": "true"})
    web.get(DASHBOARD)

    response = web.post(SETUP, {"code": current_code(secret)})
    assert response.status_code == 302, response.context["form"].errors
    assert Authenticator.objects.filter(user=bob, type=Authenticator.Type.TOTP).exists()
    assert web.get(DASHBOARD).status_code == 200


@pytest.mark.django_db
def test_a_new_secret_after_activation(practice_a, bob):
    """The kept secret ends with set-up: a later set-up (after removing the app) starts over."""
    web = confirmed_password(signed_in_by_password(bob))
    first = web.get(SETUP).context["form"].secret
    web.post(SETUP, {"code": current_code(first)})
    Authenticator.objects.filter(user=bob).delete()
    assert web.get(SETUP).context["form"].secret != first


@pytest.mark.django_db
def test_a_member_held_at_set_up_can_sign_out(practice_a, bob):
    require_mfa(practice_a)
    web = signed_in_by_password(bob)
    assert web.get(DASHBOARD)["Location"] == SETUP
    response = web.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in web.session


@pytest.mark.django_db
def test_a_member_held_at_set_up_can_switch_to_a_practice_without_the_requirement(
    practice_a, practice_b, as_bob, bob
):
    MembershipFactory(user=bob, practice=practice_b, role=Role.CLINICIAN)
    require_mfa(practice_a)
    assert as_bob.get(DASHBOARD)["Location"] == SETUP
    response = as_bob.post(reverse("practice_switch"), {"practice": practice_b.pk})
    assert (response.status_code, response["Location"]) == (302, DASHBOARD)
    assert as_bob.get(DASHBOARD).status_code == 200


# --- Telling the owner -------------------------------------------------------------------------


@pytest.mark.django_db
def test_settings_page_says_how_many_members_have_no_mfa(as_alice, alice, bob, dana):
    with_totp(alice)
    html = as_alice.get(SETTINGS).content.decode()
    assert "2 of 3 active members have not set up two-factor authentication" in html
    for person in (bob, dana):
        assert person.email not in html


@pytest.mark.django_db
def test_turning_the_requirement_on_warns_whom_it_applies_to_now(as_alice, alice, bob, dana):
    from tests.practice.test_practice_settings import valid

    with_totp(alice)
    response = as_alice.post(SETTINGS, valid(require_mfa="on"), follow=True)
    shown = [str(message) for message in response.context["messages"]]
    warning = next(message for message in shown if "now required" in message)
    assert "2 members have not set it up yet; it applies to them now" in warning
    assert bob.full_name not in warning and bob.email not in warning

    # Saving again with the requirement already on says nothing more.
    response = as_alice.post(SETTINGS, valid(require_mfa="on"), follow=True)
    assert not [m for m in response.context["messages"] if "now required" in str(m)]
