"""Client pages: create, edit, discharge, reactivate, share; bad input; the audit trail."""

import pytest
from django.urls import reverse

from clients.models import Client, ClientShare
from practice.models import AuditEvent


def valid_form(**overrides):
    data = {
        "preferred_name": "Robin",
        "full_name": "Robin Testperson",
        "email": "robin@client.example",
        "pronouns": "they/them",
        "date_of_birth": "1990-04-02",
        "time_zone": "",
        "external_reference": "R-1",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestCreate:
    def test_clinician_creates_client_on_own_caseload_and_it_is_audited(
        self, as_bob, bob, practice_a
    ):
        response = as_bob.post(reverse("clients:create"), valid_form())
        client = Client.objects.get(full_name="Robin Testperson")
        assert response.status_code == 302
        assert response["Location"] == reverse("clients:detail", args=[client.pk])
        assert client.practice == practice_a
        assert client.primary_clinician == bob
        event = AuditEvent.objects.get(action="create", client_id=client.pk)
        assert event.actor == bob
        assert "full_name" in event.fields
        assert "Robin" not in str(event.fields)  # names of fields, never values

    def test_clinician_cannot_pick_another_primary_clinician(self, as_bob, bob, dana):
        as_bob.post(reverse("clients:create"), valid_form(primary_clinician=dana.pk))
        assert Client.objects.get(full_name="Robin Testperson").primary_clinician == bob

    def test_owner_assigns_primary_clinician(self, as_alice, dana):
        as_alice.post(reverse("clients:create"), valid_form(primary_clinician=dana.pk))
        assert Client.objects.get(full_name="Robin Testperson").primary_clinician == dana

    def test_owner_cannot_assign_someone_from_another_practice(self, as_alice, charlie):
        response = as_alice.post(
            reverse("clients:create"), valid_form(primary_clinician=charlie.pk)
        )
        assert response.status_code == 200
        assert "primary_clinician" in response.context["form"].errors
        assert not Client.objects.filter(full_name="Robin Testperson").exists()

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("email", "not-an-email", "valid email"),
            ("full_name", "x" * 201, "at most 200 characters"),
            ("preferred_name", "", "This field is required"),
            ("date_of_birth", "2999-01-01", "cannot be in the future"),
            ("date_of_birth", "31/31/1990", "valid date"),
            ("time_zone", "Mars/Olympus", "valid choice"),
        ],
    )
    def test_bad_input_gives_form_errors_not_500(self, as_bob, field, value, message):
        response = as_bob.post(reverse("clients:create"), valid_form(**{field: value}))
        assert response.status_code == 200
        assert message in str(response.context["form"].errors[field])
        assert not Client.objects.exists()

    def test_duplicate_email_warns_then_allows_with_confirmation(self, as_bob, erin, frank):
        # Erin is Bob's: he is warned. (Frank, whom he cannot see, is never mentioned: see
        # tests/clients/test_one_practice_per_request.py.)
        data = valid_form(email=erin.email.upper(), external_reference="")
        first = as_bob.post(reverse("clients:create"), data)
        assert first.status_code == 200
        assert "already has this e-mail address" in first.content.decode()
        assert Client.objects.count() == 2
        second = as_bob.post(reverse("clients:create"), {**data, "confirm_duplicate": "on"})
        assert second.status_code == 302
        assert Client.objects.count() == 3

    def test_same_email_in_another_practice_is_not_a_duplicate(self, as_bob, gina):
        response = as_bob.post(reverse("clients:create"), valid_form(email=gina.email))
        assert response.status_code == 302

    def test_duplicate_external_reference_is_refused(self, as_bob, frank):
        Client.objects.filter(pk=frank.pk).update(external_reference="R-1")
        response = as_bob.post(reverse("clients:create"), valid_form())
        assert "already in use in the practice" in str(
            response.context["form"].errors["external_reference"]
        )
        assert Client.objects.count() == 1


@pytest.mark.django_db
class TestViewAndEdit:
    def test_viewing_a_client_is_audited(self, as_bob, bob, erin):
        response = as_bob.get(reverse("clients:detail", args=[erin.pk]))
        assert response.status_code == 200
        assert "Erin Fictional" in response.content.decode()
        assert AuditEvent.objects.filter(action="view", client_id=erin.pk, actor=bob).count() == 1

    def test_edit_saves_and_audits_changed_field_names(self, as_bob, erin):
        data = valid_form(preferred_name="Ez", full_name=erin.full_name, email=erin.email)
        response = as_bob.post(reverse("clients:edit", args=[erin.pk]), data)
        assert response.status_code == 302
        erin.refresh_from_db()
        assert erin.preferred_name == "Ez"
        event = AuditEvent.objects.get(action="update", client_id=erin.pk)
        assert "preferred_name" in event.fields
        assert "email" not in event.fields

    def test_invalid_edit_keeps_saved_data(self, as_bob, erin):
        response = as_bob.post(reverse("clients:edit", args=[erin.pk]), valid_form(email="bad"))
        assert response.status_code == 200
        erin.refresh_from_db()
        assert erin.full_name == "Erin Fictional"

    def test_shared_clinician_cannot_reassign_primary(self, as_dana, dana, bob, erin, alice):
        ClientShare.objects.create(client=erin, clinician=dana, shared_by=bob)
        # Dana sees no primary clinician field (not an owner); posting one is ignored.
        data = valid_form(full_name=erin.full_name, email=erin.email, primary_clinician=dana.pk)
        as_dana.post(reverse("clients:edit", args=[erin.pk]), data)
        erin.refresh_from_db()
        assert erin.primary_clinician == bob


@pytest.mark.django_db
class TestDischargeAndShare:
    def test_discharge_and_reactivate(self, as_bob, erin):
        assert as_bob.post(reverse("clients:discharge", args=[erin.pk])).status_code == 302
        erin.refresh_from_db()
        assert erin.status == Client.Status.DISCHARGED and erin.discharged_at
        as_bob.post(reverse("clients:reactivate", args=[erin.pk]), {"episode": "new"})
        erin.refresh_from_db()
        assert erin.status == Client.Status.ACTIVE and erin.discharged_at is None
        actions = set(AuditEvent.objects.filter(client_id=erin.pk).values_list("action", flat=True))
        assert {"discharge", "reactivate"} <= actions

    def test_discharge_get_only_asks(self, as_bob, erin):
        assert as_bob.get(reverse("clients:discharge", args=[erin.pk])).status_code == 200
        erin.refresh_from_db()
        assert erin.is_active  # tests/clients/test_discharge.py has the rest

    def test_share_gives_access_and_unshare_takes_it_away(self, as_bob, as_dana, dana, erin):
        assert as_dana.get(reverse("clients:detail", args=[erin.pk])).status_code == 404
        as_bob.post(reverse("clients:share", args=[erin.pk]), {"clinician": dana.pk})
        assert as_dana.get(reverse("clients:detail", args=[erin.pk])).status_code == 200
        as_bob.post(reverse("clients:unshare", args=[erin.pk, dana.pk]))
        assert as_dana.get(reverse("clients:detail", args=[erin.pk])).status_code == 404

    def test_shared_clinician_may_not_reshare_or_discharge(self, as_dana, dana, bob, erin):
        ClientShare.objects.create(client=erin, clinician=dana, shared_by=bob)
        assert as_dana.get(reverse("clients:share", args=[erin.pk])).status_code == 403
        assert as_dana.post(reverse("clients:discharge", args=[erin.pk])).status_code == 403
        erin.refresh_from_db()
        assert erin.is_active

    def test_cannot_share_with_someone_outside_the_practice(self, as_bob, charlie, erin):
        response = as_bob.post(reverse("clients:share", args=[erin.pk]), {"clinician": charlie.pk})
        assert response.status_code == 400  # bad input is a 4xx with the form's message
        assert not ClientShare.objects.exists()


@pytest.mark.django_db
class TestList:
    def test_list_shows_only_visible_clients_and_searches(self, as_bob, erin, frank, gina):
        body = as_bob.get(reverse("clients:list")).content.decode()
        assert "Erin Fictional" in body
        assert "Frank Fictional" not in body and "Gina Fictional" not in body
        assert "Erin" not in as_bob.get(reverse("clients:list"), {"q": "zzz"}).content.decode()

    def test_owner_list_is_paginated_with_fixed_query_count(
        self, as_alice, practice_a, bob, django_assert_max_num_queries
    ):
        from tests.factories import ClientFactory

        ClientFactory.create_batch(30, practice=practice_a, primary_clinician=bob)
        with django_assert_max_num_queries(12):
            response = as_alice.get(reverse("clients:list"))
        assert len(response.context["page_obj"].object_list) == 25
        assert as_alice.get(reverse("clients:list"), {"page": 2}).context["page_obj"].number == 2
        assert as_alice.get(reverse("clients:list"), {"page": "x"}).status_code == 200


@pytest.mark.django_db
def test_clients_selected_on_the_list_are_preselected_for_assigning(as_bob, bob, practice_a):
    from tests.factories import ClientFactory

    first, second, _third = ClientFactory.create_batch(
        3, practice=practice_a, primary_clinician=bob
    )
    body = as_bob.get(reverse("clients:list")).content.decode()
    assert f'name="client" value="{first.pk}"' in body
    assert reverse("assessments:assign_many") in body
    response = as_bob.get(reverse("assessments:assign_many"), {"client": [first.pk, second.pk]})
    assert response.status_code == 200
    assert set(map(str, response.context["form"].initial["clients"])) == {
        str(first.pk),
        str(second.pk),
    }
