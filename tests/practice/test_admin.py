"""The admin is no side door (issue 11, defect 4): absent unless ADMIN_ENABLED, and when
mounted it signs in only through allauth (lockout, two-factor) and opens only for staff with an
authenticator app."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.test import Client as Browser
from django.urls import reverse

from tests.conftest import logged_in
from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[2]
LOGIN = reverse("account_login")
TOO_MANY = "Too many failed login attempts. Try again later."


def admin_enabled_with(**env) -> str:
    """``ADMIN_ENABLED`` as practice.settings reads it from exactly ``env`` (no .env file)."""
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    code = "import practice.settings as s; print(s.ADMIN_ENABLED)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env, "PYTHONPATH": str(ROOT), "ATTUNE_SKIP_DOTENV": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_admin_is_off_in_production_unless_asked_for():
    key = "k" * 50
    assert admin_enabled_with(DEBUG="false", SECRET_KEY=key) == "False"
    assert admin_enabled_with(DEBUG="false", SECRET_KEY=key, ADMIN_ENABLED="true") == "True"
    assert admin_enabled_with(DEBUG="true") == "True"
    assert admin_enabled_with(DEBUG="true", ADMIN_ENABLED="false") == "False"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/admin/practice/user/"])
def test_with_the_admin_disabled_its_urls_do_not_exist(admin_urls, support_user, path):
    admin_urls(False)
    assert Browser().get(path).status_code == 404
    assert logged_in(support_user).get(path).status_code == 404
    posted = Browser().post(path, {"username": support_user.email, "password": PASSWORD})
    assert posted.status_code == 404


@pytest.mark.django_db
def test_the_admin_login_hands_over_to_the_sites_login(admin_mounted):
    response = Browser().get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    response = Browser().get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=%2Fadmin%2F"


@pytest.mark.django_db
def test_a_password_posted_to_the_admin_login_signs_nobody_in(admin_mounted, support_user):
    web = Browser()
    response = web.post(
        "/admin/login/?next=/admin/", {"username": support_user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in web.session
    assert web.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_admin_sign_in_is_locked_out_after_the_allowed_failures(admin_mounted, support_user):
    """The attack from the issue: 25 wrong passwords, then the right one."""
    for _ in range(25):
        Browser().post(
            "/admin/login/", {"username": support_user.email, "password": "wrong-password"}
        )
        Browser().post(f"{LOGIN}?next=/admin/", {"login": support_user.email, "password": "nope"})
    web = Browser()
    web.post("/admin/login/", {"username": support_user.email, "password": PASSWORD})
    response = web.post(
        f"{LOGIN}?next=/admin/", {"login": support_user.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
    assert web.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_admin_sign_in_asks_for_the_authenticator_code(admin_mounted, support_user):
    secret = decrypt(Authenticator.objects.get(user=support_user).data["secret"])
    web = Browser()
    response = web.post(
        f"{LOGIN}?next=/admin/", {"login": support_user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert web.get("/admin/").status_code == 302  # the password alone opens nothing

    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = web.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    page = web.get("/admin/")
    assert page.status_code == 200
    assert "Attune support" in page.content.decode()


@pytest.mark.django_db
def test_staff_without_an_authenticator_are_sent_to_set_one_up(admin_mounted):
    staff = UserFactory(is_staff=True, is_superuser=True)
    web = logged_in(staff)
    response = web.get("/admin/", follow=True)
    # (a session this old is asked for the password again before set-up)
    assert reverse("mfa_activate_totp") in [url for url, _ in response.redirect_chain]
    assert "The admin needs two-factor authentication" in response.content.decode()
    assert web.get("/admin/practice/user/").status_code == 302


@pytest.mark.django_db
def test_members_who_are_not_staff_are_refused(admin_mounted, as_alice):
    assert as_alice.get("/admin/login/").status_code == 403
    response = as_alice.get("/admin/practice/user/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_signed_in_staff_are_sent_on_only_to_this_site(admin_mounted, support_user):
    web = logged_in(support_user)
    response = web.get("/admin/login/", {"next": "https://evil.example/admin/"})
    assert response["Location"] == "/admin/"
    response = web.get("/admin/login/", {"next": "/admin/practice/user/"})
    assert response["Location"] == "/admin/practice/user/"
