"""The client's language (issue 15): a field on the client, set on the form, through the API, by
CSV import, and written to the export; their questionnaire pages and e-mails follow it
(tests/assessments/test_client_language_pages.py)."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from clients.exports import archive
from clients.imports import caseload
from clients.models import Client

FORM = {
    "preferred_name": "Rosa",
    "full_name": "Rosa Ficticia",
    "email": "rosa@client.example",
    "time_zone": "",
    "external_reference": "R-9",
}


@pytest.mark.django_db
class TestField:
    def test_a_new_client_is_english_unless_the_form_says_otherwise(self, as_bob):
        as_bob.post(reverse("clients:create"), FORM)
        assert Client.objects.get().language == "en"

    def test_the_form_sets_and_the_page_shows_the_language(self, as_bob):
        response = as_bob.post(reverse("clients:create"), {**FORM, "language": "es"})
        client = Client.objects.get()
        assert response.status_code == 302 and client.language == "es"
        page = as_bob.get(reverse("clients:detail", args=[client.pk])).content.decode()
        assert "<dt>Language</dt><dd>Español" in page

    def test_an_edit_that_leaves_the_field_out_keeps_the_language(self, as_bob, erin):
        erin.language = "es"
        erin.save(update_fields=["language"])
        form = {**FORM, "preferred_name": "Erin", "full_name": erin.full_name}
        response = as_bob.post(reverse("clients:edit", args=[erin.pk]), form)
        assert response.status_code == 302
        erin.refresh_from_db()
        assert erin.language == "es"

    def test_an_unknown_language_is_a_form_error(self, as_bob):
        response = as_bob.post(reverse("clients:create"), {**FORM, "language": "fr"})
        assert response.status_code == 200
        assert "valid choice" in str(response.context["form"].errors["language"])
        assert not Client.objects.exists()

    def test_the_api_reads_and_writes_it(self, bob, erin):
        api = APIClient()
        api.force_authenticate(bob)
        url = f"/api/v1/clients/{erin.pk}/"
        assert api.get(url).json()["language"] == "en"
        assert api.patch(url, {"language": "es"}, format="json").status_code == 200
        erin.refresh_from_db()
        assert erin.language == "es"
        response = api.patch(url, {"language": "xx"}, format="json")
        assert response.status_code == 400 and "language" in response.json()


@pytest.mark.django_db
class TestImportAndExport:
    def _rows(self, bob, *lines):
        text = "full_name,preferred_name,language\r\n" + "\r\n".join(lines) + "\r\n"
        table = caseload.parse(text.encode())
        return caseload.check_rows(table, bob, bob.memberships.get())

    def test_import_reads_the_column_empty_meaning_english(self, bob):
        spanish, unset, shouting = self._rows(
            bob, "Ana Uno,Ana,es", "Ben Dos,Ben,", "Cy Tres,Cy,ES"
        )
        assert [row.fields["language"] for row in (spanish, unset, shouting)] == ["es", "en", "es"]
        assert spanish.ok and unset.ok and shouting.ok

    def test_import_refuses_an_unknown_language_without_quoting_it(self, bob):
        (row,) = self._rows(bob, "Ana Uno,Ana,klingon")
        assert row.errors == [caseload.FIELD_MESSAGES["language"]]

    def test_the_archive_lists_the_language(self, bob, erin):
        erin.language = "es"
        erin.save(update_fields=["language"])
        assert "language" in archive.CLIENT_COLUMNS
        row = dict(zip(archive.CLIENT_COLUMNS, archive._client_row(erin), strict=True))
        assert row["language"] == "es"


@pytest.mark.django_db
def test_the_demo_has_a_client_who_reads_spanish(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    spanish = Client.objects.filter(language="es")
    assert list(spanish.values_list("full_name", flat=True)) == ["Rosa Emberly"]
    assert Client.objects.filter(language="en").count() == Client.objects.count() - 1


@pytest.fixture
def spanish_practice(practice_a):
    practice_a.language = "es"
    practice_a.save(update_fields=["language"])
    return practice_a


@pytest.mark.django_db
class TestThePracticesLanguage:
    """New clients get the practice's language unless one is chosen for them."""

    def test_the_owner_sets_it_in_the_practice_settings(self, as_alice, practice_a):
        from tests.assessments.test_assign_pages import _settings

        response = as_alice.post(reverse("practice_settings"), _settings(practice_a, language="es"))
        assert response.status_code == 302
        practice_a.refresh_from_db()
        assert practice_a.language == "es"
        as_alice.post(reverse("practice_settings"), _settings(practice_a))  # left out: kept
        practice_a.refresh_from_db()
        assert practice_a.language == "es"

    def test_the_form_offers_and_saves_it_for_a_new_client(self, as_bob, spanish_practice):
        page = as_bob.get(reverse("clients:create")).content.decode()
        assert '<option value="es" selected>' in page
        as_bob.post(reverse("clients:create"), FORM)
        assert Client.objects.get().language == "es"

    def test_the_api_and_the_import_default_to_it(self, bob, spanish_practice):
        api = APIClient()
        api.force_authenticate(bob)
        created = api.post("/api/v1/clients/", {"preferred_name": "Ana", "full_name": "Ana Uno"})
        assert created.status_code == 201 and created.json()["language"] == "es"
        text = "full_name,preferred_name,language\r\nBen Dos,Ben,\r\nCy Tres,Cy,en\r\n"
        rows = caseload.check_rows(caseload.parse(text.encode()), bob, bob.memberships.get())
        assert [row.fields["language"] for row in rows] == ["es", "en"]
