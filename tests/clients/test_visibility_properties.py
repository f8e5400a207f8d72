"""Property: for random practices, memberships (roles, active or not), clients and shares,
whatever membership a person acts under, they see exactly the clients the rule names, and
nothing of any other practice, through the queryset, the API (token and session) and the
client page.

The rule, written out plainly here and nowhere near the code it checks: acting under an active
membership of an active user, an owner sees every client of that practice; a clinician sees the
clients of that practice whose primary clinician they are or that were shared with them.
"""

from dataclasses import dataclass

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from clients.models import Client, ClientShare
from practice import services
from practice.acting import act_as
from practice.middleware import CURRENT_PRACTICE_SESSION_KEY
from practice.models import Membership, Role
from tests.factories import ClientFactory, PracticeFactory, UserFactory

PRACTICES, PEOPLE = 3, 4


@dataclass(frozen=True)
class World:
    memberships: tuple  # (person, practice, role, active)
    clients: tuple  # (practice, primary person, shared-with people)
    inactive_people: frozenset


memberships = st.lists(
    st.tuples(
        st.integers(0, PEOPLE - 1),
        st.integers(0, PRACTICES - 1),
        st.sampled_from([Role.OWNER, Role.CLINICIAN]),
        st.booleans() | st.just(True),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda m: (m[0], m[1]),
)
clients = st.lists(
    st.tuples(
        st.integers(0, PRACTICES - 1),
        st.integers(0, PEOPLE - 1),
        st.frozensets(st.integers(0, PEOPLE - 1), max_size=2),
    ),
    max_size=6,
)
worlds = st.builds(
    World,
    memberships=memberships.map(tuple),
    clients=clients.map(tuple),
    inactive_people=st.frozensets(st.integers(0, PEOPLE - 1), max_size=1),
)


def expected(world: World, person: int, practice: int, role: str, active: bool) -> set[int]:
    if not active or person in world.inactive_people:
        return set()
    return {
        index
        for index, (where, primary, shared) in enumerate(world.clients)
        if where == practice and (role == Role.OWNER or primary == person or person in shared)
    }


def build(world: World):
    practices = [PracticeFactory(name=f"Practice {n}") for n in range(PRACTICES)]
    people = [UserFactory(email=f"person{n}@example.com") for n in range(PEOPLE)]
    for person, practice, role, active in world.memberships:
        Membership.objects.create(
            user=people[person], practice=practices[practice], role=role, is_active=active
        )
    rows = []
    for where, primary, shared in world.clients:
        client = ClientFactory(practice=practices[where], primary_clinician=people[primary])
        for person in shared - {primary}:
            ClientShare.objects.create(client=client, clinician=people[person])
        rows.append(client)
    for person in world.inactive_people:
        people[person].is_active = False
        people[person].save(update_fields=["is_active"])
    return practices, people, rows


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds)
def test_each_membership_sees_exactly_what_the_rule_names(world):
    with transaction.atomic():
        practices, people, rows = build(world)
        index_of = {client.pk: n for n, client in enumerate(rows)}
        for person, practice, role, active in world.memberships:
            user = people[person]
            membership = Membership.objects.get(user=user, practice=practices[practice])
            act_as(user, membership)
            seen = {
                index_of[pk] for pk in Client.objects.visible_to(user).values_list("pk", flat=True)
            }
            assert seen == expected(world, person, practice, role, active), (world, person)
        transaction.set_rollback(True)


def _ids(response) -> set[str]:
    """The client ids an API list answered with."""
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def effective(world: World, person: int, practice: int):
    """The membership a session that chose ``practice`` acts under: that one when active, else
    the person's first active one (what the middleware falls back to), else none."""
    if person in world.inactive_people:
        return None
    active = sorted((p, r) for who, p, r, on in world.memberships if who == person and on)
    chosen = [(p, r) for p, r in active if p == practice]
    return (chosen or active or [None])[0]


@pytest.mark.django_db
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds)
def test_api_and_pages_follow_the_acting_membership(world):
    """Over HTTP: a token of each practice, the browser session switched to each practice; the
    client list API lists exactly the rule's clients and every other client's page is 404."""
    with transaction.atomic():
        practices, people, rows = build(world)
        for person, practice, role, active in world.memberships:
            user = people[person]
            if active and person not in world.inactive_people:
                want = {str(rows[n].pk) for n in expected(world, person, practice, role, True)}
                _, key = services.create_api_token(None, user, "p", practice=practices[practice])
                token = APIClient()
                token.credentials(HTTP_AUTHORIZATION=f"Token {key}")
                assert _ids(token.get("/api/v1/clients/")) == want
            acting = effective(world, person, practice)
            if acting is None:
                continue  # signed out or no practice at all: covered by the permission walk
            want = {str(rows[n].pk) for n in expected(world, person, *acting, True)}
            session = APIClient()
            session.force_login(user)
            stored = session.session
            stored[CURRENT_PRACTICE_SESSION_KEY] = practices[practice].pk
            stored.save()
            assert _ids(session.get("/api/v1/clients/")) == want
            for client in rows:
                answer = session.get(f"/clients/{client.pk}/")
                assert answer.status_code == (200 if str(client.pk) in want else 404), (
                    world,
                    person,
                )
        transaction.set_rollback(True)
