"""Absurd input is a 400 or a 404, never a 500, on SQLite and PostgreSQL alike.

Deeply nested JSON (``"[" * 100000``) raised RecursionError inside the JSON parser; ids past
what a 64-bit integer holds raised OverflowError on SQLite where they met a foreign key. These
walks send such input to every route collected from the URLconf (through the permission walk's
rows, tests/route_walk.py): huge, negative and 30-digit ids in each id segment of the path, in
the query string, in JSON bodies and in form fields.
"""

import importlib
import json

import pytest
from django.urls import reverse
from rest_framework import serializers

from practice.api_parsers import MAX_DEPTH, BoundedJSONField, nesting_depth
from practice.converters import LARGEST_ID
from tests import route_walk
from tests.route_walk import ROUTES, allowed_actor, route_args, route_url

world = route_walk.world
notes_world = route_walk.notes_world
questionnaire_world = route_walk.questionnaire_world
reports_world = route_walk.reports_world
imports_world = route_walk.imports_world

BAD_IDS = (str(LARGEST_ID + 1), str(2**64), "9" * 30, "-1", "-" + str(2**64))
HUGE = 2**64
DEEP = "[" * 100_000  # RecursionError inside json.loads
DEEP_BUT_PARSEABLE = "[" * (MAX_DEPTH + 10) + "]" * (MAX_DEPTH + 10)
# Every query parameter a page, form or filter set reads as an id or a number.
ID_PARAMS = (
    "page",
    "clinician",
    "primary_clinician",
    "actor",
    "tag",
    "tags",
    "client",
    "client_id",
)
API_ROUTES = sorted(route for route, row in ROUTES.items() if row.api)
WRITE_METHODS = ("post", "put", "patch")


def browser(world, route, actor):
    """A test client that answers 500 instead of raising, so a walk lists every failure."""
    client = route_walk.browser(world, route, actor)
    client.raise_request_exception = False
    return client


def _is_id(value) -> bool:
    return isinstance(value, int) or (isinstance(value, str) and value.isdigit())


def _urls_with_bad_ids(world, route):
    """The route's URL with each id segment in turn replaced by each bad id."""
    url = route_url(world, route)
    for value in route_args(world, route):
        # DRF's lookups take any segment, so a UUID or code segment gets the two extremes too.
        bads = BAD_IDS if _is_id(value) else (str(HUGE), "-1") if ROUTES[route].api else ()
        for bad in bads:
            yield url.replace(f"/{value}/", f"/{bad}/", 1)


def _walk(check, routes) -> None:
    """Run ``check(route)`` (which yields a description of each bad answer) over ``routes`` with
    one world, and list every bad answer at once."""
    failures = [failure for route in routes for failure in check(route)]
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_ids_past_a_database_integer_in_the_path_are_not_found(world):
    def check(route):
        actor, row = allowed_actor(route), ROUTES[route]
        methods = {row.method, "get", "post"} | ({"patch", "delete"} if row.api else set())
        for url in _urls_with_bad_ids(world, route):
            for method in sorted(methods):
                status = getattr(browser(world, route, actor), method)(url).status_code
                if status >= 500 or (method == "get" and status not in (400, 404, 405)):
                    yield f"{method.upper()} {url} as {actor}: {status}"

    routes = sorted(route for route, row in ROUTES.items() if row.args)
    assert any(_is_id(value) for route in routes for value in route_args(world, route))
    _walk(check, routes)


@pytest.mark.django_db
def test_an_id_segment_past_the_largest_id_is_no_route(as_bob, bob, dana, erin):
    """Stopping a share compares the id with a foreign key, where SQLite overflowed (a 500)."""
    from clients.models import ClientShare

    ClientShare.objects.create(client=erin, clinician=dana, shared_by=bob)
    url = reverse("clients:unshare", args=[erin.pk, dana.pk])
    for bad in BAD_IDS:
        response = as_bob.post(url.replace(f"/{dana.pk}/", f"/{bad}/"))
        assert response.status_code == 404, bad
    assert as_bob.post(url).status_code == 302
    assert not erin.shares.exists()


@pytest.mark.django_db
def test_a_page_number_past_the_end_shows_the_last_page(as_bob, erin):
    for page in ("2", str(LARGEST_ID), str(HUGE), "9" * 30):
        response = as_bob.get(reverse("dashboard"), {"page": page})
        assert response.status_code == 200, page
        assert "Erin" in response.text
    erin.status = erin.Status.DISCHARGED
    erin.save()
    assert as_bob.get(reverse("dashboard"), {"page": "2"}).status_code == 200  # nothing shown


@pytest.mark.django_db
def test_a_tag_filter_past_a_database_integer_is_a_400(bob):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(bob)
    response = api.get(reverse("note-list"), {"tag": str(HUGE)})
    assert response.status_code == 400
    assert "tag" in response.json()
    assert api.get(reverse("note-list"), {"tag": "1"}).status_code == 200


@pytest.mark.django_db
def test_ids_past_a_database_integer_in_the_query_string_are_refused(world):
    def check(route):
        actor, url = allowed_actor(route), route_url(world, route)
        queries = [dict.fromkeys(ID_PARAMS, "-" + "9" * 30)]
        queries += [{name: str(HUGE)} for name in ID_PARAMS]
        for query in queries:
            status = browser(world, route, actor).get(url, query).status_code
            if status >= 500:
                yield f"GET {url}?{query} as {actor}: {status}"

    _walk(check, sorted(route for route, row in ROUTES.items() if row.method == "get"))


def _int_fields() -> dict[str, bool]:
    """Every writable field of the API's serializers that takes ids or numbers (name: whether it
    takes a list of them), so a new serializer field is tried the day it is added."""
    names = {}
    for module_name in (
        "clients.serializers",
        "clients.note_serializers",
        "clients.report_serializers",
        "assessments.serializers",
        "assessments.trajectory_serializers",
    ):
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if not (isinstance(value, type) and issubclass(value, serializers.BaseSerializer)):
                continue
            if value.__module__ != module_name:
                continue
            try:
                fields = value().fields
            except Exception:  # a serializer that needs arguments to build
                continue
            for name, field in fields.items():
                if field.read_only:
                    continue
                child = getattr(field, "child", None) or getattr(field, "child_relation", None)
                numeric = (serializers.IntegerField, serializers.RelatedField)
                if isinstance(field, numeric) or isinstance(child, numeric):
                    names[name] = names.get(name, False) or child is not None
    return names


INT_FIELDS = _int_fields()


def test_the_api_has_numeric_fields_to_try():
    assert {"duration_minutes", "tags", "primary_clinician", "client"} <= set(INT_FIELDS)
    assert INT_FIELDS["tags"] and not INT_FIELDS["duration_minutes"]


@pytest.mark.django_db
def test_ids_past_a_database_integer_in_json_bodies_are_refused(world):
    def check(route):
        actor, url = allowed_actor(route), route_url(world, route)
        for bad in (HUGE, -(10**30)):
            body = {name: [bad] if many else bad for name, many in INT_FIELDS.items()}
            for method in WRITE_METHODS:
                api = browser(world, route, actor)
                status = getattr(api, method)(url, body, format="json").status_code
                if status >= 500:
                    yield f"{method.upper()} {url} as {actor} with {bad}: {status}"

    _walk(check, API_ROUTES)


@pytest.mark.django_db
def test_deeply_nested_json_is_refused_on_every_api_route(world):
    def check(route):
        actor, url = allowed_actor(route), route_url(world, route)
        for body in (DEEP, DEEP_BUT_PARSEABLE):
            for method in WRITE_METHODS:
                api = browser(world, route, actor)
                response = getattr(api, method)(url, body, content_type="application/json")
                if response.status_code >= 500:
                    yield f"{method.upper()} {url} as {actor}: {response.status_code}"
                elif response.status_code == 400 and "nested more" not in response.text:
                    yield f"{method.upper()} {url} as {actor}: 400 without saying why"

    _walk(check, API_ROUTES)


WRITE_ROUTES = {
    # route: the method that reads a JSON body
    "client-list": "post",
    "client-detail": "patch",
    "assignment-list": "post",
    "note-list": "post",
    "note-detail": "patch",
    "note-search": "post",
    "note-addenda": "post",
    "report-list": "post",
    "instrument-score": "post",
}


@pytest.mark.django_db
def test_deeply_nested_json_gets_a_clear_400(world):
    """Where a body is read, the answer says what is wrong with it."""
    expected = f"JSON parse error - JSON nested more than {MAX_DEPTH} levels deep is not accepted."

    def check(route):
        api = browser(world, route, "bob")  # Erin's clinician, the author of her draft note
        for body in (DEEP, DEEP_BUT_PARSEABLE):
            url = route_url(world, route)
            response = getattr(api, WRITE_ROUTES[route])(url, body, content_type="application/json")
            if response.status_code != 400 or response.json().get("detail") != expected:
                yield f"{route}: {response.status_code} {response.content[:200]!r}"

    _walk(check, sorted(WRITE_ROUTES))


@pytest.mark.django_db
def test_nested_json_sent_as_a_form_field_is_a_400(world):
    """``answers`` may come as a JSON string in a form; DRF decodes it with json.loads."""
    route = "instrument-score"
    api = browser(world, route, allowed_actor(route))
    for answers in (DEEP, DEEP_BUT_PARSEABLE):
        response = api.post(route_url(world, route), {"answers": answers})
        assert response.status_code == 400
        assert "nested more than" in json.dumps(response.json())
    assert api.post(route_url(world, route), {"answers": "[1, 1, 1, 1, 1, 1]"}).status_code == 200


def test_nesting_depth_counts_arrays_and_objects_without_recursing():
    assert nesting_depth(1) == 0
    assert nesting_depth([]) == 1
    assert nesting_depth({"a": [1, {"b": []}]}) == 4
    value: list = []
    for _ in range(100_000):
        value = [value]
    assert nesting_depth(value) == MAX_DEPTH + 1  # stops counting once past the limit


def test_bounded_json_field_accepts_ordinary_json():
    field = BoundedJSONField()
    assert field.run_validation({"1": 2}) == {"1": 2}
