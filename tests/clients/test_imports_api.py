"""``POST /api/v1/clients/import/``: dry run, import, background import and refusals, with a
real token as an integrating system would send it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from clients import import_tasks
from clients.imports import caseload, jobs
from clients.models import Client, ClientImport
from practice import services
from practice.models import AuditEvent

URL = "/api/v1/clients/import/"
HEADER = "full_name,preferred_name,email,primary_clinician"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def token_client(user, practice) -> APIClient:
    _, key = services.create_api_token(None, user, "import", practice=practice)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def csv(*lines) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "c.csv", "\n".join([HEADER, *lines]).encode(), content_type="text/csv"
    )


def test_the_route_is_not_taken_for_a_client_id():
    assert reverse("client-import") == URL


def test_a_dry_run_returns_each_row_and_saves_nothing(bob, practice_a, erin):
    api = token_client(bob, practice_a)
    response = api.post(
        URL,
        {
            "file": csv("Robin Fictional,Robin,robin@example.org,", f"Dup,Dup,{erin.email},"),
            "dry_run": "true",
        },
        format="multipart",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total_rows"], body["valid_rows"], body["refused_rows"]) == (2, 1, 1)
    robin, dup = body["rows"]
    assert robin["row"] == 2 and robin["ok"] and robin["errors"] == []
    assert robin["client"]["full_name"] == "Robin Fictional"
    assert robin["client"]["primary_clinician"] == "bob@example.com"
    assert robin["client"]["country"] == ""
    assert dup["row"] == 3 and not dup["ok"] and dup["errors"] == [caseload.DUPLICATE]
    assert not Client.objects.filter(full_name="Robin Fictional").exists()
    assert not ClientImport.objects.exists()


def test_an_import_saves_the_valid_rows_and_answers_with_the_outcome(bob, practice_a, dana):
    api = token_client(bob, practice_a)
    response = api.post(
        URL,
        {"file": csv("Robin Fictional,Robin,robin@example.org,", "Kim,Kim,,dana@example.com")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "done" and body["created_count"] == 1 and body["error_count"] == 1
    assert body["errors"] == [{"row": 3, "messages": [caseload.NOT_YOUR_CASELOAD]}]
    robin = Client.objects.get(full_name="Robin Fictional")
    assert robin.primary_clinician == bob and robin.practice == practice_a
    assert AuditEvent.objects.filter(action="create", client_id=robin.pk, via="api").exists()
    assert api.get(body["status_url"]).json()["status"] == "done"


def test_a_large_file_is_accepted_for_the_background(
    bob, practice_a, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(import_tasks.import_clients, "delay", lambda *args: sent.append(args[0]))
    monkeypatch.setattr(jobs, "SYNC_ROWS", 1)
    api = token_client(bob, practice_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, {"file": csv("A Fictional,A,,", "B Fictional,B,,")})
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and sent == [body["id"]]
    assert body["status_url"] == reverse("client-import-detail", args=[body["id"]])
    import_tasks.import_clients(body["id"])
    status = api.get(body["status_url"]).json()
    assert (status["status"], status["progress"], status["created_count"]) == ("done", 100, 2)


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "file"),
        ({"file": SimpleUploadedFile("c.csv", b"\xff\xfe\x00b", content_type="text/csv")}, "file"),
        ({"file": SimpleUploadedFile("c.csv", b"shoe_size\n9\n")}, "file"),
        ({"file": "not a file"}, "file"),
        ({"file": SimpleUploadedFile("c.csv", b"a"), "dry_run": "perhaps"}, "dry_run"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(bob, practice_a, data, field):
    response = token_client(bob, practice_a).post(URL, data, format="multipart")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not ClientImport.objects.exists()


def test_json_is_not_read(bob, practice_a):
    response = token_client(bob, practice_a).post(URL, {"file": "x"}, format="json")
    assert response.status_code == 415


def test_an_import_is_404_to_everyone_but_its_requester(
    bob, dana, alice, charlie, practice_a, practice_b
):
    body = token_client(bob, practice_a).post(URL, {"file": csv("A Fictional,A,,")}).json()
    for user, practice in ((dana, practice_a), (alice, practice_a), (charlie, practice_b)):
        assert token_client(user, practice).get(body["status_url"]).status_code == 404
    assert APIClient().get(body["status_url"]).status_code in (401, 403)
