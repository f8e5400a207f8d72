"""Empty pages say what to do next, with the link that does it (issue 15): no clients in the
list, nothing answered on a client's page, no reports, no session notes, no archives. A list
that is empty because of a search or filter says so instead."""

import re

from django.urls import reverse


def links(response) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', response.content.decode()))


def empty_state(response) -> str:
    """The text of the page's empty state, without its markup."""
    match = re.search(r'class="[^"]*empty-state[^"]*">(.*?)</div>', response.content.decode(), re.S)
    assert match, "the page has no empty state"
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split())


def test_no_clients_yet_offers_adding_and_importing(as_bob):
    response = as_bob.get(reverse("clients:list"))
    assert "No active clients yet." in empty_state(response)
    assert {reverse("clients:create"), reverse("clients:import")} <= links(response)
    assert "No clients match" not in response.content.decode()


def test_a_search_that_finds_nobody_says_so(as_bob, erin):
    response = as_bob.get(reverse("clients:list"), {"q": "Nobody-by-this-name"})
    assert "No clients match. Try another search." in response.content.decode()
    assert "empty-state" not in response.content.decode()


def test_nothing_answered_on_a_client_page_links_to_assigning(as_bob, erin):
    response = as_bob.get(reverse("clients:detail", args=[erin.pk]))
    text = " ".join(re.sub(r"<[^>]+>", "", response.content.decode()).split())
    assert "No questionnaires answered yet. Assign a questionnaire to send Erin a link" in text
    assert reverse("assessments:assign", args=[erin.pk]) in links(response)
    assert reverse("assessments:in_session_start", args=[erin.pk]) in links(response)


def test_no_reports_yet_points_to_the_clients(as_bob):
    response = as_bob.get(reverse("clients:my_reports"))
    assert "You have not asked for any reports yet." in empty_state(response)
    assert reverse("clients:list") in links(response)


def test_no_session_notes_yet_links_to_recording_one(as_bob, erin):
    response = as_bob.get(reverse("clients:notes", args=[erin.pk]))
    assert empty_state(response) == "No session notes yet. Record a session to start Erin's notes."
    assert reverse("clients:note_create", args=[erin.pk]) in links(response)


def test_no_archives_yet_says_how_to_make_the_first(as_alice):
    response = as_alice.get(reverse("clients:practice_export"))
    assert "No archives yet: “Build the archive” makes the first" in response.content.decode()
