"""An audit log a person can read (issue 16): find a client's events by name or reference, see
the client's name beside each event, record types in words, and the client's History one click
from their page."""

import pytest

from practice.models import AuditAction
from tests.factories import ClientFactory
from tests.practice.test_audit_log import AUDIT, event, shown

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(practice_a, practice_b, bob, erin, frank, gina, charlie):
    return {
        "erin": event(practice_a, bob, client_id=erin.pk),
        "erin_update": event(practice_a, bob, action=AuditAction.UPDATE, client_id=erin.pk),
        "frank": event(practice_a, bob, client_id=frank.pk),
        "licence": event(practice_a, bob, object_type="licenceacknowledgement"),
        "gina": event(practice_b, charlie, client_id=gina.pk),
    }


def test_events_are_found_by_a_clients_name_or_reference(as_alice, history, erin, practice_a):
    erin.external_reference = "WL-2040"
    erin.save()
    for text in ("Erin", "fictional erin", "2040"):
        response = as_alice.get(AUDIT, {"client": text})
        assert response.status_code == 200
        assert set(shown(response)) == {history["erin"], history["erin_update"]}, text
    assert shown(as_alice.get(AUDIT, {"client": "nobody of that name"})) == []


def test_another_practices_client_is_never_found(as_alice, history, gina):
    assert shown(as_alice.get(AUDIT, {"client": gina.full_name})) == []


def test_each_event_names_its_client_and_links_to_their_history(as_alice, history, erin):
    html = as_alice.get(AUDIT).content.decode()
    assert (
        f'<a href="?client_id={erin.pk}" title="This client\'s history">Erin Fictional</a>' in html
    )
    assert '<th scope="col">Client id</th>' not in html


def test_record_types_are_in_words(as_alice, history):
    html = as_alice.get(AUDIT).content.decode()
    assert "Licence acknowledgement" in html
    assert ">licenceacknowledgement<" not in html
    choices = dict(as_alice.get(AUDIT).context["filter_form"].fields["object_type"].choices)
    assert choices["licenceacknowledgement"] == "Licence acknowledgement"
    assert choices["client"] == "Client"


def test_history_is_one_click_from_the_client_page_for_owners(as_alice, as_bob, history, erin):
    page = as_alice.get(f"/clients/{erin.pk}/").content.decode()
    link = f'href="{AUDIT}?client_id={erin.pk}">History</a>'
    assert link in page
    assert link not in as_bob.get(f"/clients/{erin.pk}/").content.decode()  # owners only
    response = as_alice.get(AUDIT, {"client_id": str(erin.pk)})
    assert "<h1>History of Erin Fictional</h1>" in response.content.decode()
    found = shown(response)
    assert {history["erin"], history["erin_update"]} <= set(found)
    assert {e.client_id for e in found} == {erin.pk}  # and the page views just made


def test_names_cost_one_query_per_page(as_alice, practice_a, bob, django_assert_max_num_queries):
    def page_queries():
        with django_assert_max_num_queries(16) as captured:
            as_alice.get(AUDIT)
        return len(captured)

    event(practice_a, bob, client_id=ClientFactory(practice=practice_a, primary_clinician=bob).pk)
    few = page_queries()
    for _ in range(20):
        client = ClientFactory(practice=practice_a, primary_clinician=bob)
        event(practice_a, bob, client_id=client.pk)
    assert page_queries() == few
