"""Small mismatches an owner met (issue 16): the tag page is called what the menu calls it,
sharing never offers owners (who see every client already), and recovery codes are one click
from the account page."""

import re

import pytest
from django.urls import reverse

from tests.practice.conftest import with_totp

pytestmark = pytest.mark.django_db


def test_the_menu_and_the_tag_page_say_note_tags(as_alice):
    html = as_alice.get(reverse("clients:note_tags")).content.decode()
    assert re.search(r'<a href="/clients/note-tags/">Note tags</a>|>Note tags</a>', html)
    assert "<h1>Note tags</h1>" in html
    assert "<title>Note tags" in html


def test_sharing_offers_clinicians_but_never_owners(as_bob, alice, dana, erin):
    html = as_bob.get(reverse("clients:share", args=[erin.pk])).content.decode()
    options = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', html)
    assert "Dana Clinician" in options
    assert "Alice Owner" not in options
    response = as_bob.post(reverse("clients:share", args=[erin.pk]), {"clinician": alice.pk})
    assert response.status_code == 400


def test_recovery_codes_are_linked_from_the_account_page(as_bob, bob):
    link = f'href="{reverse("mfa_view_recovery_codes")}">Recovery codes</a>'
    assert link not in as_bob.get(reverse("account_security")).content.decode()  # no two-factor yet
    with_totp(bob)
    assert link in as_bob.get(reverse("account_security")).content.decode()
