"""``manage.py backup`` and ``manage.py restore``: a practice with clients, responses and a report
file, backed up from this database (SQLite or PostgreSQL, whichever the suite runs on) and
restored by another process into an empty database and storage (the local disk, or a new bucket
of an S3-protocol server); the data and files are there and the audit chain verifies. A corrupt
backup, a non-empty target and a non-empty directory are refused."""

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from assessments.models import Response
from clients.models import Client
from practice.models import AuditEvent
from tests.clients.reports_helpers import media, ready_report  # noqa: F401 - fixture
from tests.conftest import logged_in
from tests.practice.progress_helpers import day, phq9, respond
from tests.s3_server import s3_bucket, s3_server, s3_storage  # noqa: F401 - fixtures

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media")]

ROOT = Path(__file__).resolve().parents[2]
REPORT_BYTES = b"%PDF-1.7 Erin's report, kept"


@pytest.fixture(params=["local", "s3"])
def storage_of_both(request):
    """Files on the local disk, or in an object store; a restore goes to an empty one alike."""
    if request.param == "local":
        return {}
    request.getfixturevalue("s3_storage")
    server = request.getfixturevalue("s3_server")
    return server.environment(server.new_bucket())


@pytest.fixture
def practice_with_history(bob, erin):
    respond(erin, "phq-9", phq9(14), day(2026, 1, 5))
    respond(erin, "phq-9", phq9(6), day(2026, 3, 2))
    report = ready_report(erin, bob, content_bytes=REPORT_BYTES)
    assert logged_in(bob).get(reverse("clients:detail", args=[erin.pk])).status_code == 200
    return report


@pytest.fixture
def empty_installation(tmp_path, settings):
    """The environment of a second installation: a database and a storage of its own, both
    empty, and the same SECRET_KEY (the audit chain's HMAC key derives from it)."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(ROOT),
        "ATTUNE_SKIP_DOTENV": "1",
        "DJANGO_SETTINGS_MODULE": "practice.settings",
        "DEBUG": "true",
        "SECRET_KEY": settings.SECRET_KEY,
        "MEDIA_ROOT": str(tmp_path / "restored-media"),
        "CELERY_BROKER_URL": "memory://",
    }
    if connection.vendor != "postgresql":
        yield env | {"DATABASE_URL": f"sqlite:///{tmp_path / 'restored.sqlite3'}"}
        return
    db = connection.settings_dict
    name = f"{db['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    server = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"]}
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgres://{db['USER']}@{server['host']}:{server['port']}/{name}"
        yield env | {"DATABASE_URL": url}
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


READ_BACK = """
import hashlib, json
from django.core.files.storage import default_storage
from assessments.models import Response
from clients.models import Client, Report
from practice.models import AuditEvent
report = Report.objects.get()
with default_storage.open(report.file_name, "rb") as stored:
    sha = hashlib.sha256(stored.read()).hexdigest()
print(json.dumps({
    "clients": sorted(Client.objects.values_list("full_name", flat=True)),
    "responses": Response.objects.count(),
    "audit_events": AuditEvent.objects.count(),
    "report": [str(report.pk), report.status, sha],
}))
"""


def test_a_backup_restores_into_an_empty_installation_and_the_audit_chain_verifies(
    tmp_path, storage_of_both, practice_with_history, empty_installation
):
    report = practice_with_history
    empty_installation = empty_installation | storage_of_both
    backup = tmp_path / "backup"
    call_command("backup", str(backup))

    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["engine"] == connection.vendor
    assert manifest["files"] == [
        {
            "name": report.file_name,
            "size": len(REPORT_BYTES),
            "sha256": hashlib.sha256(REPORT_BYTES).hexdigest(),
        }
    ]
    expected = {
        "clients": sorted(Client.objects.values_list("full_name", flat=True)),
        "responses": Response.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "report": [str(report.pk), "ready", hashlib.sha256(REPORT_BYTES).hexdigest()],
    }
    assert expected["responses"] == 2 and expected["audit_events"] > 0

    restored = manage(empty_installation, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "1 file(s)" in restored.stdout
    verified = manage(empty_installation, "verify_audit")
    assert verified.returncode == 0, verified.stderr + verified.stdout
    read = manage(empty_installation, "shell", "-c", READ_BACK)
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout.strip().splitlines()[-1]) == expected

    # The restored installation now holds data: a second restore is refused.
    again = manage(empty_installation, "restore", str(backup))
    assert again.returncode != 0
    assert "not empty" in again.stderr


def test_refusals(tmp_path, practice_with_history):
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    with pytest.raises(CommandError, match="not empty; back up into a new directory"):
        call_command("backup", str(backup))
    with pytest.raises(CommandError, match="the database is not empty"):
        call_command("restore", str(backup))
    name = json.loads((backup / "manifest.json").read_text())["files"][0]["name"]
    (backup / "files" / name).write_bytes(b"%PDF-1.7 changed")
    with pytest.raises(CommandError, match="does not match the manifest"):
        call_command("restore", str(backup), replace=True)
    with pytest.raises(CommandError, match="not a backup"):
        call_command("restore", str(tmp_path))


def test_a_restore_after_migrate_replaces_the_empty_schema(
    tmp_path, practice_with_history, empty_installation
):
    """docker compose's web migrates on start: a migrated installation without people,
    practices or audit events still counts as empty, and the backup's schema replaces its own."""
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    migrated = manage(empty_installation, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    restored = manage(empty_installation, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    verified = manage(empty_installation, "verify_audit")
    assert verified.returncode == 0, verified.stderr + verified.stdout
