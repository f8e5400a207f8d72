"""The client's country, which decides the national crisis lines shown after a safety question
(issue 14), is on the client's page once set."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_country_is_shown_once_set(as_bob, erin):
    url = reverse("clients:detail", args=[erin.pk])
    assert "<dt>Country</dt>" not in as_bob.get(url).content.decode()
    erin.country = erin._meta.get_field("country").choices[1][0]
    erin.save(update_fields=["country"])
    label = dict(erin._meta.get_field("country").choices)[erin.country]
    html = as_bob.get(url).content.decode()
    assert f"<dt>Country</dt><dd>{label} " in html
