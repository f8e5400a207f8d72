"""Settings come from the environment, fail loudly on bad values, and refuse unsafe production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 50


def load_settings(
    code="import practice.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])",
    **env,
) -> subprocess.CompletedProcess:
    """Run ``code`` (by default: import practice.settings) in a fresh interpreter with exactly
    ``env`` (no .env file)."""
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "PYTHONPATH": str(ROOT), "ATTUNE_SKIP_DOTENV": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_a_short_or_development_key():
    assert "at least 40 characters" in load_settings(DEBUG="false", SECRET_KEY="short").stderr


def test_production_starts_with_a_real_key_and_defaults_to_sqlite():
    result = load_settings(DEBUG="false", SECRET_KEY=GOOD_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "django.db.backends.sqlite3"]


def test_secret_may_come_from_a_file(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(GOOD_KEY)
    result = load_settings(DEBUG="false", SECRET_KEY_FILE=str(key_file))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [("DEBUG", "maybe"), ("SESSION_IDLE_TIMEOUT_MINUTES", "soon"), ("LOGIN_FAILURES_ALLOWED", "0")],
)
def test_bad_values_fail_loudly_naming_the_variable(name, value):
    result = load_settings(**{"DEBUG": "true", name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_database_url_selects_postgresql():
    result = load_settings(DEBUG="true", DATABASE_URL="postgres://u@127.0.0.1:5432/attune")
    assert result.stdout.split()[1] == "django.db.backends.postgresql"


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DEBUG on"):
        call_command("seed_demo")


def test_development_site_url_follows_port():
    """``make run PORT=9000`` serves on 9000, so e-mailed links must point there (issue 15)."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'practice.settings';"
        "django.setup(); from django.conf import settings;"
        "from practice.services import invitation_url;"
        "print(settings.SITE_URL); print(invitation_url('tok'))"
    )
    result = load_settings(code, DEBUG="true", PORT="9000")
    assert result.returncode == 0, result.stderr
    site_url, link = result.stdout.split()
    assert site_url == "http://127.0.0.1:9000"
    assert link.startswith("http://127.0.0.1:9000/")


def test_an_explicit_site_url_wins_over_port():
    code = "import practice.settings as s; print(s.SITE_URL)"
    result = load_settings(code, DEBUG="true", PORT="9000", SITE_URL="https://attune.example.org/")
    assert result.stdout.strip() == "https://attune.example.org"


def test_make_run_gives_every_process_the_web_port(tmp_path):
    """honcho hands each Procfile process its own PORT (web 9000, worker 9100, beat 9200);
    the worker sends the e-mails, so Procfile.dev gives every process the web server's."""
    from honcho.environ import expand_processes, parse_procfile

    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "celery"):
        fake = bin_dir / name
        fake.write_text('#!/bin/sh\necho "$PORT"\n')
        fake.chmod(0o755)
    procfile = parse_procfile((ROOT / "Procfile.dev").read_text())
    # What the Makefile's run target exports (make run PORT=9000).
    env = {"PATH": os.environ["PATH"], "PORT": "9000", "WEB_PORT": "9000"}
    ports = {}
    for process in expand_processes(procfile.processes, env=env):
        run = subprocess.run(
            process.cmd, shell=True, cwd=tmp_path, env=process.env, capture_output=True, text=True
        )
        ports[process.name] = run.stdout.strip()
    assert ports == {"web.1": "9000", "worker.1": "9000", "beat.1": "9000"}
    assert "WEB_PORT=$(PORT)" in (ROOT / "Makefile").read_text()


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """``manage.py args`` in a fresh interpreter with exactly ``env`` (no .env file)."""
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env, "ATTUNE_SKIP_DOTENV": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("extra", [[], ["--skip-checks"]])
def test_migration_check_runs_on_a_fresh_clone_without_a_key(extra):
    """A fresh clone has no .env and no SECRET_KEY; a hook that asks whether the models and
    migrations agree must get that answer, not AppRegistryNotReady from a settings module that
    refused to load."""
    result = run_manage("makemigrations", "--check", "--dry-run", *extra)
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
    assert "AppRegistryNotReady" not in result.stderr


def test_other_commands_still_refuse_to_start_without_a_key():
    """Only the schema comparison gets a throwaway key; anything that could sign or send keeps
    the production rule."""
    result = run_manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
