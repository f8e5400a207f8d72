"""``GET /healthz``: 200 when the database and the broker answer, 503 naming what does not."""

import time

import pytest
from django.db import OperationalError, connections

from practice.celery import app as celery_app
from tests.integration.services import redis_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_url(monkeypatch):
    """Point the Celery app at another broker for this test."""

    def use(url: str) -> None:
        monkeypatch.setitem(celery_app.conf, "broker_url", url)

    return use


def test_healthy_answers_200_with_json(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "broker": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.integration
def test_healthy_with_a_real_redis_broker(client, broker_url):
    broker_url(redis_url())

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "broker": "ok"}


def test_a_broker_on_a_closed_port_answers_503_naming_the_broker_quickly(client, broker_url):
    broker_url("redis://127.0.0.1:1/0")

    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "migrations": "ok", "broker": "down"},
        "down": ["broker"],
    }
    assert elapsed < 2, f"/healthz took {elapsed:.1f}s with the broker down"


def test_an_unreachable_database_answers_503_naming_the_database(client, monkeypatch):
    def cursor_fails(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:  # undone before teardown, which needs the database
        patch.setattr(connections["default"], "cursor", cursor_fails)
        response = client.get("/healthz")

    assert response.status_code == 503
    # Whether migrations are applied cannot be known without the database.
    assert response.json()["down"] == ["database", "migrations"]
    assert response.json()["checks"] == {"database": "down", "migrations": "down", "broker": "ok"}


def test_healthz_only_answers_get(client):
    assert client.post("/healthz").status_code == 405


def test_readyz_is_healthz_and_refuses_traffic_before_migrate(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    from practice.views import health

    assert client.get("/readyz").json() == client.get("/healthz").json()
    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("x", False)])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["down"] == ["migrations"]


def test_livez_answers_while_the_database_is_down(client, monkeypatch):
    def cursor_fails(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connections["default"], "cursor", cursor_fails)
        response = client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
