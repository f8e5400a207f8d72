"""Requesting every route as someone allowed to open it, for the walks that check what every
response has in common (security headers, bad input).

The routes, their arguments and who may open each come from the permission walk
(``tests/test_permissions.py``), so a route is covered here the day it gets its row there. A
test module that walks names ``world`` and the fixtures it is built from as its own
(``world = route_walk.world`` and so on), which is how pytest finds them.
"""

from django.urls import reverse

from tests import test_permissions as permission_walk

ROUTES = permission_walk.ROUTES
world = permission_walk.world
notes_world = permission_walk.notes_world
questionnaire_world = permission_walk.questionnaire_world
reports_world = permission_walk.reports_world
imports_world = permission_walk.imports_world

ALLOWED = ("alice", "bob", "dana", "charlie")


def allowed_actor(route: str) -> str:
    """The first person whose row expects success; a route nobody may open (a link that never
    works) is asked by an anonymous visitor."""
    row = ROUTES[route]
    for actor in ALLOWED:
        expected = row.expect[actor]
        if expected != "login" and any(code < 400 for code in expected):
            return actor
    return "anonymous"


def route_args(world, route: str) -> list:
    return [permission_walk._resolve_arg(world, spec) for spec in ROUTES[route].args]


def route_url(world, route: str) -> str:
    return reverse(route, args=route_args(world, route))


def browser(world, route: str, actor: str):
    """A test client for ``route`` as ``actor``: DRF's APIClient for API rows."""
    return permission_walk._browser(world, actor, ROUTES[route])


def request_route(world, route: str, actor: str):
    """The row's own request (method, form data) as ``actor``."""
    row = ROUTES[route]
    data = row.data | {
        name: permission_walk._resolve_arg(world, spec) for name, spec in row.data_args.items()
    }
    return getattr(browser(world, route, actor), row.method)(route_url(world, route), data)
