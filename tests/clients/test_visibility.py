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
class TestVisibleIn:
    """``visible_in(user, membership)`` is ``visible_to(user)`` within that membership's
    practice, for every kind of member."""

    def membership(self, user):
        return user.memberships.get()

    @pytest.mark.parametrize("who", ["alice", "bob", "dana", "charlie"])
    def test_same_clients_as_visible_to_within_the_practice(
        self, request, who, bob, dana, erin, frank, gina
    ):
        user = request.getfixturevalue(who)
        ClientShare.objects.create(client=frank, clinician=bob, shared_by=dana)
        membership = self.membership(user)
        expected = set(Client.objects.visible_to(user).filter(practice=membership.practice))
        assert set(Client.objects.visible_in(user, membership)) == expected
        assert expected  # each of them sees someone here

    @pytest.mark.parametrize("who", ["alice", "bob", "dana", "charlie"])
    def test_rows_about_those_clients(self, request, who, bob, dana, erin, frank, gina):
        from clients.models import SessionNote
        from tests.clients.test_notes_models import make_note

        user = request.getfixturevalue(who)
        for client in (erin, frank, gina):
            make_note(client)
        membership = self.membership(user)
        expected = set(SessionNote.objects.visible_to(user).filter(practice=membership.practice))
        assert set(SessionNote.objects.visible_in(user, membership)) == expected
        assert expected

    def test_an_inactive_or_someone_elses_membership_sees_nothing(self, alice, bob, erin):
        from clients.models import SessionNote
        from tests.clients.test_notes_models import make_note

        make_note(erin)
        owners = self.membership(alice)
        assert not Client.objects.visible_in(bob, owners).exists()  # not bob's
        assert not SessionNote.objects.visible_in(bob, owners).exists()
        owners.is_active = False
        assert not Client.objects.visible_in(alice, owners).exists()
        alice.is_active = False
        assert not Client.objects.visible_in(alice, self.membership(bob)).exists()
        assert not Client.objects.visible_in(bob, None).exists()


@pytest.mark.django_db
class TestRowsOfOneClient:
    """``of_client(user, client)``: rows about a client, skipping the visibility check only
    for a client loaded through ``get_visible`` for that same user."""

    @pytest.fixture
    def notes(self, erin, frank):
        from tests.clients.test_notes_models import make_note

        return make_note(erin), make_note(frank)

    def test_a_client_checked_for_the_user_reads_its_rows_directly(self, bob, erin, notes):
        from clients.models import SessionNote, checked_for

        checked = Client.objects.get_visible(bob, pk=erin.pk)
        assert checked_for(checked, bob)
        assert list(SessionNote.objects.of_client(bob, checked)) == [notes[0]]

    def test_an_unchecked_client_still_goes_through_visible_to(self, bob, frank, notes):
        from clients.models import SessionNote

        # frank, fetched without a check, is not bob's: none of his notes come back.
        assert not SessionNote.objects.of_client(bob, frank).exists()

    def test_a_client_checked_for_someone_else_is_checked_again(self, alice, bob, frank, notes):
        from clients.models import SessionNote, checked_for

        seen_by_alice = Client.objects.get_visible(alice, pk=frank.pk)
        assert not checked_for(seen_by_alice, bob)
        assert not SessionNote.objects.of_client(bob, seen_by_alice).exists()

    def test_get_visible_refuses_an_invisible_client(self, bob, frank):
        with pytest.raises(Client.DoesNotExist):
            Client.objects.get_visible(bob, pk=frank.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["detail", "edit", "share"])
def test_pages_of_an_invisible_client_answer_404(as_bob, as_charlie, frank, gina, name):
    assert as_bob.get(reverse(f"clients:{name}", args=[frank.pk])).status_code == 404
    assert as_charlie.get(reverse(f"clients:{name}", args=[frank.pk])).status_code == 404
    assert as_bob.get(reverse(f"clients:{name}", args=[gina.pk])).status_code == 404
