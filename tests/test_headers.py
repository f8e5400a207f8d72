"""Security headers on every route: Content-Security-Policy, Permissions-Policy, no-store.

The routes, their arguments and who may open each come from the permission walk
(tests/route_walk.py), so a new route is checked here the day it gets its row there. Each route
is requested by a person allowed to open it (a page full of client data) and by an anonymous
visitor (a redirect to the login page, or the public page itself).
"""

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from practice.headers import NoStoreMiddleware
from tests import route_walk
from tests.practice.progress_helpers import day, phq9, respond
from tests.route_walk import ROUTES, allowed_actor, request_route

# The walk's world and the fixtures it is built from (tests/route_walk.py).
world = route_walk.world
notes_world = route_walk.notes_world
questionnaire_world = route_walk.questionnaire_world
reports_world = route_walk.reports_world
imports_world = route_walk.imports_world


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def assert_headers(response, where):
    csp = response.get("Content-Security-Policy")
    assert csp, f"{where}: no Content-Security-Policy"
    policy = _directives(csp)
    assert policy.get("frame-ancestors") == ["'none'"], f"{where}: {csp}"
    assert policy.get("default-src") == ["'self'"], f"{where}: {csp}"
    assert policy.get("object-src") == ["'none'"], f"{where}: {csp}"
    assert policy.get("base-uri") == ["'none'"], f"{where}: {csp}"
    assert policy.get("form-action") == ["'self'"], f"{where}: {csp}"
    script_src = policy.get("script-src", policy["default-src"])
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, where
    assert "'unsafe-inline'" not in policy.get("style-src", []), f"{where}: {csp}"
    assert "camera=()" in response.get("Permissions-Policy", ""), f"{where}: no Permissions-Policy"
    assert "no-store" in response.get("Cache-Control", ""), f"{where}: may be cached"


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_route_sends_the_security_headers(world, route):
    actor = allowed_actor(route)
    response = request_route(world, route, actor)
    assert response.status_code < 500, f"{route} as {actor}: {response.status_code}"
    assert_headers(response, f"{route} as {actor} ({response.status_code})")
    if actor != "anonymous":
        anonymous = request_route(world, route, "anonymous")
        assert_headers(anonymous, f"{route} as anonymous ({anonymous.status_code})")


@pytest.mark.django_db
def test_a_page_with_client_data_is_never_stored(as_bob, erin):
    response = as_bob.get(reverse("clients:detail", args=[erin.pk]))
    assert response.status_code == 200
    assert erin.full_name in response.text
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_a_view_asking_for_public_caching_still_gets_no_store(rf):
    def cacheable(request):
        response = HttpResponse("client data")
        response["Cache-Control"] = "public, max-age=3600"
        return response

    response = NoStoreMiddleware(cacheable)(rf.get("/"))
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives
    assert "public" not in directives


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/password/reset/", "/accounts/2fa/totp/activate"]
)
def test_sign_in_pages_carry_the_headers(as_bob, path):
    """allauth's pages are not in the walk (third party) but pass through the same middleware."""
    response = Client().get(path) if "2fa" not in path else as_bob.get(path)
    assert response.status_code in (200, 301, 302), path
    assert_headers(response, path)


@pytest.mark.django_db
def test_errors_and_unknown_paths_carry_the_headers(as_bob):
    response = as_bob.get("/no-such-page/")
    assert response.status_code == 404
    assert_headers(response, "unknown path")


@pytest.mark.django_db
def test_static_files_keep_their_own_caching():
    """Static files hold no client data and are served by WhiteNoise before NoStoreMiddleware."""
    response = Client().get("/static/css/attune.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.django_db
def test_a_chart_page_allows_only_its_own_nonced_style(as_bob, erin):
    """The SVG chart's tooltip rules are the one inline <style>; they carry the response's nonce,
    and the policy names that nonce rather than allowing every inline style."""
    respond(erin, "phq-9", phq9(12), day(2026, 1, 5))
    respond(erin, "phq-9", phq9(6), day(2026, 3, 2))
    response = as_bob.get(reverse("clients:progress", args=[erin.pk]))
    assert response.status_code == 200
    style_src = _directives(response["Content-Security-Policy"])["style-src"]
    nonces = [value for value in style_src if value.startswith("'nonce-")]
    assert len(nonces) == 1, style_src
    nonce = nonces[0].removeprefix("'nonce-").removesuffix("'")
    assert "<style" in response.text
    assert response.text.count("<style") == response.text.count(f'<style nonce="{nonce}"')
