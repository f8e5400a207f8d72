"""Who sees which client: the one scoping entry point, and every page built on it."""

import pytest
from django.urls import reverse

from clients.models import Client, ClientShare


@pytest.mark.django_db
class TestVisibleTo:
    def test_owner_sees_every_client_of_her_practice_only(self, alice, erin, frank, gina):
        assert set(Client.objects.visible_to(alice)) == {erin, frank}

    def test_clinician_sees_only_own_caseload(self, bob, erin, frank, gina):
        assert list(Client.objects.visible_to(bob)) == [erin]

    def test_shared_client_becomes_visible_without_duplicates(self, bob, dana, erin, frank):
        ClientShare.objects.create(client=frank, clinician=bob, shared_by=dana)
        assert list(Client.objects.visible_to(bob).order_by("full_name")) == [erin, frank]

    def test_other_practice_owner_sees_nothing_of_practice_a(self, charlie, erin, frank, gina):
        assert list(Client.objects.visible_to(charlie)) == [gina]

    def test_inactive_membership_sees_nothing(self, bob, erin):
        bob.memberships.update(is_active=False)
        assert not Client.objects.visible_to(bob).exists()

    def test_primary_clinician_without_membership_in_that_practice_sees_nothing(
        self, charlie, practice_a
    ):
        from tests.factories import ClientFactory

        stray = ClientFactory(practice=practice_a, primary_clinician=charlie)
        assert stray not in Client.objects.visible_to(charlie)

    def test_anonymous_sees_nothing(self, erin):
        from django.contrib.auth.models import AnonymousUser

        assert not Client.objects.visible_to(AnonymousUser()).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["detail", "edit", "share"])
def test_pages_of_an_invisible_client_answer_404(as_bob, as_charlie, frank, gina, name):
    assert as_bob.get(reverse(f"clients:{name}", args=[frank.pk])).status_code == 404
    assert as_charlie.get(reverse(f"clients:{name}", args=[frank.pk])).status_code == 404
    assert as_bob.get(reverse(f"clients:{name}", args=[gina.pk])).status_code == 404
