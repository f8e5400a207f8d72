"""Finding a client from the client list (issue 16): part of a reference, names in either
order, partial names, every word counting, best matches first, and nothing of another practice."""

import pytest

from clients.models import Client
from tests.factories import ClientFactory


@pytest.fixture
def caseload(practice_a, bob):
    def client(full, preferred, reference, email):
        return ClientFactory(
            practice=practice_a,
            primary_clinician=bob,
            full_name=full,
            preferred_name=preferred,
            external_reference=reference,
            email=email,
        )

    return {
        "elsie": client("Elsie Brackenridge", "Elsie", "WL-1003", "eb@client.example"),
        "moss": client("Moss Nightingale", "Moss", "WL-2001", "mn@client.example"),
        "ellis": client("Ellis Brack", "Ellis", "1003", "ellis@client.example"),
        "nora": client("Nora Elsworth", "Nora", "WL-3100", "nora@client.example"),
    }


def names(response) -> list[str]:
    return [client.full_name for client in response.context["page_obj"].object_list]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("1003", ["Ellis Brack", "Elsie Brackenridge"]),  # the exact reference first
        ("wl-1003", ["Elsie Brackenridge"]),
        ("Brackenridge Elsie", ["Elsie Brackenridge"]),
        ("nightingale moss", ["Moss Nightingale"]),
        ("night", ["Moss Nightingale"]),
        ("  elsie   brack ", ["Elsie Brackenridge"]),
        ("mn@client", ["Moss Nightingale"]),
        ("elsie nightingale", []),  # every word must match
    ],
)
def test_the_client_list_finds(as_bob, caseload, query, expected):
    response = as_bob.get("/clients/", {"q": query})
    assert response.status_code == 200
    assert names(response) == expected


def test_a_name_that_starts_with_the_query_comes_before_one_that_contains_it(as_bob, caseload):
    # "els" starts Elsie's first name; Nora Elsworth's full name only contains it.
    response = as_bob.get("/clients/", {"q": "els"})
    assert names(response) == ["Elsie Brackenridge", "Nora Elsworth"]


def test_another_practices_clients_are_never_found(as_charlie, caseload):
    response = as_charlie.get("/clients/", {"q": "1003"})
    assert response.status_code == 200
    assert names(response) == []


def test_the_queryset_search_the_api_uses_takes_words_in_any_order(caseload):
    assert list(
        Client.objects.search("brackenridge ELSIE").values_list("full_name", flat=True)
    ) == ["Elsie Brackenridge"]
    assert Client.objects.search("").count() == 4
