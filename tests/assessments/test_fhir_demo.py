"""The issue's check: a FHIR Bundle of a demo client validates and round-trips with the same
scores (export from the demo practice, import every QuestionnaireResponse into a new client)."""

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse
from rest_framework.test import APIClient

from assessments.fhir import validation
from assessments.models import Response
from clients.models import Client
from practice.models import Membership, Role
from tests.factories import ClientFactory


@pytest.mark.slow
@pytest.mark.django_db
def test_a_demo_clients_bundle_validates_and_round_trips_with_the_same_scores(
    settings, monkeypatch
):
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    client = (
        Client.objects.annotate(answered=Count("responses__instrument", distinct=True))
        .order_by("-answered", "pk")
        .first()
    )
    owner = Membership.objects.get(practice=client.practice, role=Role.OWNER, is_active=True).user
    api = APIClient()
    api.force_authenticate(owner)
    bundle = api.get(reverse("client-fhir-bundle", args=[client.pk])).json()
    validation.model(bundle, "Bundle")
    answered = [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    originals = list(Response.objects.filter(client=client).order_by("submitted_at", "pk"))
    assert len(answered) == len(originals) > 1

    twin = ClientFactory(practice=client.practice, primary_clinician=owner)
    for resource in answered:
        imported = api.post(reverse("client-fhir-import", args=[twin.pk]), resource, format="json")
        assert imported.status_code == 201, imported.json()
    copies = list(Response.objects.filter(client=twin).order_by("submitted_at", "pk"))
    assert [(c.instrument_id, c.submitted_at, c.result) for c in copies] == [
        (o.instrument_id, o.submitted_at, o.result) for o in originals
    ]
