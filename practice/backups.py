"""Backing up and restoring an installation: the database and every stored file, with a manifest
(``manage.py backup DIR``, ``manage.py restore DIR``).

A backup directory holds ``database.dump`` (PostgreSQL: ``pg_dump``'s custom format, one
consistent snapshot) or ``database.sqlite3`` (SQLite's online backup API, also one snapshot),
``files/`` (every file in the default storage, whatever the backend: the local disk or an
object store) and ``manifest.json`` naming each with its size and SHA-256. The database is
dumped first and the files copied after, so every file a dumped row names is already stored
(a report's or export's row names its file only once it is saved); a file expired in between is
missing, and its download says so.

Restoring checks every size and checksum before touching anything, then refuses a database
that holds people, practices or audit events, or a storage that holds files, unless told to
replace them. The audit chain's HMACs are keyed from ``SECRET_KEY``: restore with the same key
(or the old one in ``SECRET_KEY_FALLBACKS``) and ``manage.py verify_audit`` passes.

Backups hold health data: keep them encrypted and only as long as your retention allows.
"""

import hashlib
import json
import os
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.utils import timezone

from practice import audit_chain
from practice.models import AuditEvent, Practice

MANIFEST = "manifest.json"
FILES = "files"
FORMAT = 1
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot go ahead; the message says why and what to do."""


@dataclass
class Summary:
    database: str
    files: int
    bytes: int


def _digest(opened) -> tuple[int, str]:
    sha, size = hashlib.sha256(), 0
    while chunk := opened.read(CHUNK):
        sha.update(chunk)
        size += len(chunk)
    return size, sha.hexdigest()


def _postgres_environment() -> dict[str, str]:
    """libpq's variables for the default database: the password never on a command line."""
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[name] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _run(command: list[str]) -> None:
    try:
        subprocess.run(  # noqa: S603 - fixed programs; arguments from settings and the operator
            command, env=_postgres_environment(), check=True, capture_output=True, text=True
        )
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools)") from None
    except subprocess.CalledProcessError as error:
        raise BackupError(f"{command[0]} failed: {error.stderr.strip()[-500:]}") from None


def _stored_names(directory: str = "") -> list[str]:
    """Every file name in the default storage, recursively."""
    try:
        folders, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return []
    prefix = f"{directory}/" if directory else ""
    names = [prefix + name for name in files]
    for folder in folders:
        names.extend(_stored_names(prefix + folder))
    return sorted(names)


def backup(directory: Path) -> Summary:
    """Write a backup into ``directory``, which must be new or empty."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty; back up into a new directory")
    (directory / FILES).mkdir(parents=True, exist_ok=True)
    # Sealed first, so the backup carries a complete chain to verify after a restore.
    audit_chain.seal()
    if connection.vendor == "postgresql":
        database = "database.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--file={directory / database}"])  # fmt: skip
    elif connection.vendor == "sqlite":
        database = "database.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(directory / database)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        raise BackupError(f"backing up a {connection.vendor} database is not supported")
    with (directory / database).open("rb") as dumped:
        size, sha = _digest(dumped)
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database": {"engine": connection.vendor, "name": database, "size": size, "sha256": sha},
        "files": [],
    }
    total = 0
    for name in _stored_names():
        target = directory / FILES / name
        target.parent.mkdir(parents=True, exist_ok=True)
        sha256 = hashlib.sha256()
        with default_storage.open(name, "rb") as source, target.open("wb") as copy:
            while chunk := source.read(CHUNK):
                sha256.update(chunk)
                copy.write(chunk)
        file_size = target.stat().st_size
        total += file_size
        manifest["files"].append({"name": name, "size": file_size, "sha256": sha256.hexdigest()})
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return Summary(database=database, files=len(manifest["files"]), bytes=total)


def _read_manifest(directory: Path) -> dict:
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{directory} has no {MANIFEST}: not a backup") from None
    except json.JSONDecodeError:
        raise BackupError(f"{directory / MANIFEST} is not valid JSON") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    entries = [(manifest["database"]["name"], manifest["database"])]
    entries += [(f"{FILES}/{entry['name']}", entry) for entry in manifest["files"]]
    for name, entry in entries:
        path = directory / name
        if not path.resolve().is_relative_to(directory.resolve()):
            raise BackupError(f"{name} points outside the backup")
        try:
            with path.open("rb") as stored:
                actual = _digest(stored)
        except FileNotFoundError:
            raise BackupError(f"{name} is missing from the backup") from None
        if actual != (entry["size"], entry["sha256"]):
            raise BackupError(f"{name} does not match the manifest (size or SHA-256)")
    return manifest


def _database_holds_data() -> bool:
    if not connection.introspection.table_names():
        return False
    try:
        return (
            get_user_model().objects.exists()
            or Practice.objects.exists()
            or AuditEvent.objects.exists()
        )
    except Exception:
        return True


def restore(directory: Path, *, replace: bool = False) -> Summary:
    """Restore the backup in ``directory`` into this installation's database and storage."""
    directory = Path(directory)
    manifest = _read_manifest(directory)
    engine = manifest["database"]["engine"]
    if engine != connection.vendor:
        raise BackupError(f"this is a {engine} backup; the database here is {connection.vendor}")
    existing = _stored_names()
    if not replace:
        if _database_holds_data():
            raise BackupError(
                "the database is not empty (it has people, practices or audit events); restore "
                "into an empty one, or pass --replace to overwrite it"
            )
        if existing:
            raise BackupError(
                f"the storage already holds {len(existing)} file(s); restore into an empty one, "
                "or pass --replace to delete them first"
            )
    dumped = directory / manifest["database"]["name"]
    if engine == "postgresql":
        connections.close_all()
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", f"--dbname={connection.settings_dict['NAME']}",
              str(dumped)])  # fmt: skip
    else:
        connection.ensure_connection()
        source = sqlite3.connect(dumped)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    for name in existing:
        default_storage.delete(name)
    total = 0
    for entry in manifest["files"]:
        with (directory / FILES / entry["name"]).open("rb") as source:
            stored = default_storage.save(entry["name"], File(source))
        if stored != entry["name"]:
            raise BackupError(f"{entry['name']} was stored as {stored}")
        total += entry["size"]
    return Summary(database=dumped.name, files=len(manifest["files"]), bytes=total)
