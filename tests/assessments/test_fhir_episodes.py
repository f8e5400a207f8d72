"""Episodes of care in the client's FHIR Bundle (issue 14): an EpisodeOfCare per episode
(finished with its end, the current one active), for the Patient in the Bundle, and each score's
Observation naming the episode it falls in through HL7's workflow-episodeOfCare extension; the
Bundle still validates and every reference resolves inside it."""

import pytest
from django.urls import reverse

from assessments.fhir import codes, validation
from clients.models import Episode
from tests.assessments.test_fhir_export import _entries, _references, api
from tests.clients.test_episodes import readmitted  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def of_type(bundle, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.mark.usefixtures("readmitted")
def test_each_episode_is_an_episode_of_care_and_each_score_names_its_own(bob, erin):
    response = api(bob).get(reverse("client-fhir-bundle", args=[erin.pk]))
    assert response.status_code == 200
    bundle = response.json()
    validation.model(bundle, "Bundle")
    entries = _entries(bundle)
    for resource in entries.values():
        validation.model(resource, resource["resourceType"])
    assert set(_references(bundle)) <= set(entries)

    earlier, current = of_type(bundle, "EpisodeOfCare")
    patient = f"urn:uuid:{of_type(bundle, 'Patient')[0]['id']}"
    assert earlier["status"] == "finished"
    assert earlier["period"] == {"start": "2025-01-01T12:00:00Z", "end": "2025-03-01T12:00:00Z"}
    assert current["status"] == "active"
    assert current["period"] == {"start": "2025-06-02T12:00:00Z"}
    assert earlier["patient"] == current["patient"] == {"reference": patient}

    episode_of = {
        obs["effectiveDateTime"][:10]: obs["extension"][0]["valueReference"]["reference"]
        for obs in of_type(bundle, "Observation")
    }
    assert {obs["extension"][0]["url"] for obs in of_type(bundle, "Observation")} == {
        codes.EPISODE_OF_CARE_EXTENSION
    }
    first, second = (f"urn:uuid:{episode['id']}" for episode in (earlier, current))
    assert episode_of == {
        "2025-01-06": first,
        "2025-02-03": first,
        "2025-06-09": second,
        "2025-07-07": second,
    }


@pytest.mark.usefixtures("readmitted")
def test_a_resumed_episode_is_active_again_and_ids_are_stable(bob, erin):
    url = reverse("client-fhir-bundle", args=[erin.pk])
    before = {e["id"] for e in of_type(api(bob).get(url).json(), "EpisodeOfCare")}
    Episode.objects.filter(client=erin).update(ended_at=None)
    episodes = of_type(api(bob).get(url).json(), "EpisodeOfCare")
    assert {e["id"] for e in episodes} == before
    assert [e["status"] for e in episodes] == ["active", "active"]
    assert all("end" not in e["period"] for e in episodes)
