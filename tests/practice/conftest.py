"""Fixtures for the admin, which is mounted only when ``ADMIN_ENABLED`` is on."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import clear_url_caches

import practice.urls
from tests.factories import UserFactory


@pytest.fixture
def admin_urls(settings, monkeypatch):
    """Lets a test mount or unmount the admin: the URLconf as start-up builds it with
    ``ADMIN_ENABLED`` on or off. The original URLconf is back afterwards."""

    def mount(enabled: bool) -> None:
        settings.ADMIN_ENABLED = enabled
        others = [p for p in practice.urls.urlpatterns if getattr(p, "app_name", None) != "admin"]
        patch.setattr(practice.urls, "urlpatterns", others + practice.urls.admin_urls())
        clear_url_caches()

    with monkeypatch.context() as patch:
        yield mount
    clear_url_caches()


@pytest.fixture
def admin_mounted(admin_urls):
    admin_urls(True)


def with_totp(user) -> str:
    """Give ``user`` an authenticator app; return its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return secret


@pytest.fixture
def support_user(db):
    """Staff with an authenticator app: who the admin opens for."""
    user = UserFactory(email="sam@example.com", is_staff=True, is_superuser=True)
    with_totp(user)
    return user
