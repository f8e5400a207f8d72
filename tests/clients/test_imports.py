"""Importing clients from CSV through the pages: upload, preview with per-row errors, confirm.

Alice owns practice A; Bob and Dana are its clinicians; Charlie owns practice B.
"""

import datetime

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients.imports import caseload, csvfile, jobs
from clients.models import Client, ClientImport
from practice.models import AuditEvent

HEADER = (
    "full_name,preferred_name,email,date_of_birth,time_zone,primary_clinician,external_reference"
)


def csv_file(*lines, header=HEADER, name="clients.csv", encoding="utf-8"):
    text = "\r\n".join([header, *lines]) + "\r\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(web, upload_file):
    return web.post(reverse("clients:import"), {"file": upload_file})


def uploaded_job(web, *lines, **kwargs) -> ClientImport:
    response = upload(web, csv_file(*lines, **kwargs))
    assert response.status_code == 302, response.content.decode()[:2000]
    return ClientImport.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])


def preview_page(web, job) -> str:
    response = web.get(reverse("clients:import_detail", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_client_list_links_to_the_import(as_bob, bob):
    page = as_bob.get(reverse("clients:list")).content.decode()
    assert reverse("clients:import") in page


def test_the_template_has_every_column_and_reads_back_without_errors(as_bob, bob):
    response = as_bob.get(reverse("clients:import_template"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    table = caseload.parse(response.content)
    assert table.columns == caseload.COLUMNS
    (row,) = caseload.check_rows(table, bob, bob.memberships.get())
    assert row.ok, row.errors


def test_preview_shows_what_each_row_becomes_and_saves_nothing(as_bob, bob, erin):
    job = uploaded_job(
        as_bob,
        "Robin Fictional,Robin,robin@example.org,1985-02-03,Europe/Paris,,R-1",
        "Kim Fictional,Kim,kim@example.org,,,,",
    )
    page = preview_page(as_bob, job)
    assert "Robin Fictional" in page and "Europe/Paris" in page and "1985-02-03" in page
    assert "2 will be created" in page
    assert job.status == ClientImport.Status.UPLOADED and job.total_rows == 2
    assert default_storage.exists(job.file_name)  # kept in storage, not in memory
    assert Client.objects.filter(practice=bob.memberships.get().practice).count() == 1  # Erin


@pytest.mark.parametrize(
    "line, message",
    [
        ("Robin Fictional,Robin,not-an-address,,,,", caseload.FIELD_MESSAGES["email"]),
        ("Robin Fictional,Robin,,03/02/1985,,,", caseload.FIELD_MESSAGES["date_of_birth"]),
        ("Robin Fictional,Robin,,2999-01-01,,,", "cannot be in the future"),
        ("Robin Fictional,Robin,,,Mars/Olympus,,", caseload.FIELD_MESSAGES["time_zone"]),
        ("Robin Fictional,,,,,,", "Preferred name is required."),
        (",Robin,,,,,", "Full name is required."),
        ("Robin Fictional,Robin,,,,nobody@example.com,", caseload.UNKNOWN_CLINICIAN),
        ("Robin Fictional,Robin,ERIN@client.example,,,,", caseload.DUPLICATE),
        ("Robin Fictional,Robin,,,,,E-1", "already in use in the practice"),
        (f"{'x' * 201},Robin,,,,,", "at most 200 characters"),
    ],
)
def test_each_kind_of_bad_row_is_shown_beside_the_row(as_bob, bob, erin, line, message):
    erin.external_reference = "E-1"
    erin.email = "erin@client.example"
    erin.save()
    job = uploaded_job(as_bob, "Kim Fictional,Kim,kim@example.org,,,,", line)
    page = preview_page(as_bob, job)
    assert message in page
    assert "1 will be created" in page and "1 cannot be imported" in page
    (row,) = [row for row in jobs.preview(job, bob, bob.memberships.get()) if not row.ok]
    assert row.number == 3
    assert any(message in error for error in row.errors), row.errors


def test_rows_repeating_an_earlier_row_are_duplicates(bob):
    table = caseload.parse(
        "\n".join(
            [
                HEADER,
                "A Fictional,A,same@example.org,,,,R-1",
                "B Fictional,B,SAME@example.org,,,,R-2",
                "C Fictional,C,other@example.org,,,,R-1",
            ]
        ).encode()
    )
    rows = caseload.check_rows(table, bob, bob.memberships.get())
    assert rows[0].ok
    assert rows[1].errors == ["Duplicate: the same e-mail address as row 2."]
    assert rows[2].errors == ["Reference: the same reference as row 2."]


def test_duplicates_name_only_clients_the_importer_can_see(bob, frank):
    """Frank is Dana's: to Bob his address is not a duplicate (Bob cannot know Frank exists)."""
    table = caseload.parse(f"{HEADER}\nF Fictional,F,{frank.email},,,,\n".encode())
    (row,) = caseload.check_rows(table, bob, bob.memberships.get())
    assert row.ok


def test_confirm_saves_exactly_the_valid_rows_in_one_transaction_audited(
    as_bob, bob, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    job = uploaded_job(
        as_bob,
        "Robin Fictional,Robin,robin@example.org,1985-02-03,Europe/Paris,,R-1",
        "Bad Row,Bad,not-an-address,,,,",
        "Kim Fictional,Kim,kim@example.org,,,bob@example.com,",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = as_bob.post(reverse("clients:import_confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ClientImport.Status.DONE
    assert (job.created_count, job.error_count, job.saved_rows) == (2, 1, 3)
    assert job.errors == [{"row": 3, "messages": [caseload.FIELD_MESSAGES["email"]]}]
    robin = Client.objects.get(email="robin@example.org")
    assert robin.primary_clinician == bob and robin.time_zone == "Europe/Paris"
    assert robin.date_of_birth == datetime.date(1985, 2, 3) and robin.external_reference == "R-1"
    assert Client.objects.filter(email="kim@example.org", primary_clinician=bob).exists()
    created = AuditEvent.objects.filter(action="create", object_type="client", actor=bob)
    assert set(created.values_list("client_id", flat=True)) == set(
        Client.objects.filter(email__in=["robin@example.org", "kim@example.org"]).values_list(
            "pk", flat=True
        )
    )
    assert not default_storage.exists(job.file_name)  # the file goes once imported
    page = preview_page(as_bob, job)
    assert "Import finished" in page and "Row 3" in page
    # Confirming again (a double click) imports nothing more.
    as_bob.post(reverse("clients:import_confirm", args=[job.pk]))
    assert Client.objects.filter(email="robin@example.org").count() == 1


def test_a_failure_while_saving_saves_no_row(as_bob, bob, monkeypatch):
    """All valid rows in one transaction: a failure on the second leaves the first unsaved."""
    job = uploaded_job(as_bob, "A Fictional,A,a@example.org,,,,", "B Fictional,B,b@example.org,,,,")
    calls = []
    real = caseload.services.add_client

    def fail_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(caseload.services, "add_client", fail_second)
    as_bob.raise_request_exception = False
    response = as_bob.post(reverse("clients:import_confirm", args=[job.pk]))
    assert response.status_code == 500
    assert not Client.objects.filter(email__in=["a@example.org", "b@example.org"]).exists()
    job.refresh_from_db()
    assert job.status == ClientImport.Status.UPLOADED


def test_an_owner_may_place_clients_on_any_caseload(as_alice, alice, dana):
    job = uploaded_job(as_alice, "Robin Fictional,Robin,,,,dana@example.com,")
    as_alice.post(reverse("clients:import_confirm", args=[job.pk]))
    assert Client.objects.get(full_name="Robin Fictional").primary_clinician == dana


def test_a_clinician_cannot_import_into_another_caseload(as_bob, bob, dana):
    job = uploaded_job(
        as_bob, "Robin Fictional,Robin,,,,dana@example.com,", "Kim Fictional,Kim,,,,,"
    )
    assert caseload.NOT_YOUR_CASELOAD in preview_page(as_bob, job)
    as_bob.post(reverse("clients:import_confirm", args=[job.pk]))
    assert not Client.objects.filter(full_name="Robin Fictional").exists()
    assert Client.objects.get(full_name="Kim Fictional").primary_clinician == bob


def test_an_import_is_its_requesters_own(as_bob, as_dana, as_alice, as_charlie, bob, charlie):
    job = uploaded_job(as_bob, "Robin Fictional,Robin,,,,,")
    for web in (as_dana, as_alice, as_charlie):
        assert web.get(reverse("clients:import_detail", args=[job.pk])).status_code == 404
        assert web.post(reverse("clients:import_confirm", args=[job.pk])).status_code == 404
    assert not Client.objects.filter(full_name="Robin Fictional").exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        ("full_name,preferred_name\nRené,René\n".encode("latin-1"), "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a CSV text file"),
        (b"full_name,preferred_name,shoe_size\nA,B,9\n", "Unknown column: shoe_size"),
        (b"full_name,email\nA,a@example.org\n", "Required column missing: preferred_name"),
        (b"full_name,preferred_name\n", "no rows"),
        (b"full_name,preferred_name\nA,B,C\n", "Row 2 has 3 cells"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_message(as_bob, bob, content, message):
    response = upload(as_bob, SimpleUploadedFile("c.csv", content, content_type="text/csv"))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ClientImport.objects.exists()


def test_too_many_rows_and_too_large_files_are_refused(as_bob, bob, monkeypatch):
    monkeypatch.setattr(csvfile, "MAX_ROWS", 2)
    with pytest.raises(csvfile.ImportFileError, match="more than 2 rows"):
        csvfile.parse(b"a\n1\n2\n3\n", columns=["a"], required=["a"], max_rows=2)
    monkeypatch.setattr(csvfile, "MAX_FILE_BYTES", 10)
    response = upload(as_bob, csv_file("Robin Fictional,Robin,,,,,"))
    assert response.status_code == 400
    assert "larger than" in response.content.decode()


def test_semicolons_a_byte_order_mark_and_spreadsheet_headers_are_read(bob):
    content = "\ufeffFull name;Preferred name;Email\r\nRobin Fictional;Robin;robin@example.org\r\n"
    table = caseload.parse(content.encode("utf-8"))
    assert table.columns == ["full_name", "preferred_name", "email"]
    assert table.rows == [
        (
            2,
            {
                "full_name": "Robin Fictional",
                "preferred_name": "Robin",
                "email": "robin@example.org",
            },
        )
    ]


def test_the_country_is_a_code_the_crisis_lines_cover(bob):
    table = caseload.parse(
        b"full_name,preferred_name,country\nA Fictional,A,gb\nB Fictional,B,XX\n"
    )
    known, unknown = caseload.check_rows(table, bob, bob.memberships.get())
    assert known.ok and known.fields["country"] == "GB"
    assert unknown.errors == [caseload.FIELD_MESSAGES["country"]]
