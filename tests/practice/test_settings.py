"""Settings come from the environment, fail loudly on bad values, and refuse unsafe production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 50


def load_settings(**env) -> subprocess.CompletedProcess:
    """Import practice.settings in a fresh interpreter with exactly ``env`` (no .env file)."""
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    clean.update(env)
    code = "import practice.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])"
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
