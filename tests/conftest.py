"""The people in our tests.

Alice owns practice A. Bob and Dana are clinicians in practice A. Charlie owns practice B and
must see nothing of A. Erin is a client on Bob's caseload, Frank one on Dana's, Gina a client of
practice B.
"""

import contextlib

import pytest
from django.core.cache import cache
from django.test import Client as DjangoClient

from practice.models import Role
from tests.factories import PASSWORD, ClientFactory, MembershipFactory, PracticeFactory, UserFactory


def _clear(cache_):
    # A database-backed cache in a test without database access has nothing to clear.
    with contextlib.suppress(RuntimeError):
        cache_.clear()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits live in the cache; each test starts fresh."""
    _clear(cache)
    yield
    _clear(cache)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def practice_a(db):
    return PracticeFactory(name="Harbour Therapy")


@pytest.fixture
def practice_b(db):
    return PracticeFactory(name="Hillside Counselling")


@pytest.fixture
def alice(practice_a):
    user = UserFactory(email="alice@example.com", full_name="Alice Owner")
    MembershipFactory(user=user, practice=practice_a, role=Role.OWNER)
    return user


@pytest.fixture
def bob(practice_a):
    user = UserFactory(email="bob@example.com", full_name="Bob Clinician")
    MembershipFactory(user=user, practice=practice_a, role=Role.CLINICIAN)
    return user


@pytest.fixture
def dana(practice_a):
    user = UserFactory(email="dana@example.com", full_name="Dana Clinician")
    MembershipFactory(user=user, practice=practice_a, role=Role.CLINICIAN)
    return user


@pytest.fixture
def charlie(practice_b):
    user = UserFactory(email="charlie@example.com", full_name="Charlie Owner")
    MembershipFactory(user=user, practice=practice_b, role=Role.OWNER)
    return user


@pytest.fixture
def erin(practice_a, bob):
    return ClientFactory(
        practice=practice_a,
        primary_clinician=bob,
        preferred_name="Erin",
        full_name="Erin Fictional",
    )


@pytest.fixture
def frank(practice_a, dana):
    return ClientFactory(
        practice=practice_a,
        primary_clinician=dana,
        preferred_name="Frank",
        full_name="Frank Fictional",
    )


@pytest.fixture
def gina(practice_b, charlie):
    return ClientFactory(
        practice=practice_b,
        primary_clinician=charlie,
        preferred_name="Gina",
        full_name="Gina Fictional",
    )


def logged_in(user) -> DjangoClient:
    """A test browser signed in as ``user``."""
    web = DjangoClient()
    web.force_login(user)
    return web


@pytest.fixture
def as_alice(alice):
    return logged_in(alice)


@pytest.fixture
def as_bob(bob):
    return logged_in(bob)


@pytest.fixture
def as_dana(dana):
    return logged_in(dana)


@pytest.fixture
def as_charlie(charlie):
    return logged_in(charlie)
