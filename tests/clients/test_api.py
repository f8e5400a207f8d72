"""``/api/v1/clients/``: the same scope, validation and audit as the pages."""

import pytest
from rest_framework.test import APIClient

from clients.models import Client
from practice.models import AuditEvent


def api_as(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.mark.django_db
class TestClientsApi:
    def test_anonymous_is_refused(self, erin):
        assert APIClient().get("/api/v1/clients/").status_code in (401, 403)

    def test_list_is_scoped(self, bob, alice, charlie, erin, frank, gina):
        def names(user):
            rows = api_as(user).get("/api/v1/clients/").json()["results"]
            return {row["full_name"] for row in rows}

        assert names(bob) == {"Erin Fictional"}
        assert names(alice) == {"Erin Fictional", "Frank Fictional"}
        assert names(charlie) == {"Gina Fictional"}

    def test_retrieve_out_of_scope_is_404(self, bob, charlie, frank, gina):
        assert api_as(bob).get(f"/api/v1/clients/{frank.pk}/").status_code == 404
        assert api_as(charlie).get(f"/api/v1/clients/{frank.pk}/").status_code == 404
        assert (
            api_as(bob).patch(f"/api/v1/clients/{gina.pk}/", {"pronouns": "x"}).status_code == 404
        )

    def test_retrieve_is_audited(self, bob, erin):
        response = api_as(bob).get(f"/api/v1/clients/{erin.pk}/")
        assert response.status_code == 200
        assert response.json()["preferred_name"] == "Erin"
        event = AuditEvent.objects.get(action="view", client_id=erin.pk)
        assert event.via == "api"

    def test_create_puts_client_on_callers_caseload_in_callers_practice(self, bob, practice_a):
        response = api_as(bob).post(
            "/api/v1/clients/",
            {"preferred_name": "Ray", "full_name": "Ray Apiperson", "email": "ray@client.example"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        client = Client.objects.get(pk=response.json()["id"])
        assert (client.practice, client.primary_clinician) == (practice_a, bob)
        assert AuditEvent.objects.filter(action="create", client_id=client.pk).exists()

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"preferred_name": "Ray", "full_name": "x" * 201}, "full_name"),
            ({"preferred_name": "Ray", "full_name": "Ray A", "email": "nope"}, "email"),
            (
                {"preferred_name": "Ray", "full_name": "Ray A", "time_zone": "Nowhere/Town"},
                "time_zone",
            ),
            (
                {"preferred_name": "Ray", "full_name": "Ray A", "date_of_birth": "2999-01-01"},
                "date_of_birth",
            ),
            ({"full_name": "Ray A"}, "preferred_name"),
        ],
    )
    def test_bad_input_is_400_with_field_message(self, bob, payload, field):
        response = api_as(bob).post("/api/v1/clients/", payload, format="json")
        assert response.status_code == 400
        assert field in response.json()
        assert not Client.objects.exists()

    def test_duplicate_email_needs_confirmation(self, bob, erin):
        payload = {"preferred_name": "F", "full_name": "F Two", "email": erin.email}
        assert api_as(bob).post("/api/v1/clients/", payload, format="json").status_code == 400
        confirmed = {**payload, "confirm_duplicate": True}
        assert api_as(bob).post("/api/v1/clients/", confirmed, format="json").status_code == 201

    def test_clinician_cannot_set_primary_clinician_but_owner_can(self, bob, dana, alice, erin):
        response = api_as(bob).patch(
            f"/api/v1/clients/{erin.pk}/", {"primary_clinician": dana.pk}, format="json"
        )
        assert response.status_code == 403  # a member of the practice lacking the role
        erin.refresh_from_db()
        assert erin.primary_clinician == bob
        response = api_as(alice).patch(
            f"/api/v1/clients/{erin.pk}/", {"primary_clinician": dana.pk}, format="json"
        )
        assert response.status_code == 200
        erin.refresh_from_db()
        assert erin.primary_clinician == dana
        assert AuditEvent.objects.get(action="update", client_id=erin.pk).fields == [
            "primary_clinician"
        ]

    def test_filters_cannot_widen_scope(self, bob, dana, frank):
        response = api_as(bob).get("/api/v1/clients/", {"primary_clinician": dana.pk})
        assert response.json()["count"] == 0
