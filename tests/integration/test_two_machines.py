"""Two "machines": two web processes (gunicorn) and two Celery workers, each with a media root
and temporary folder of its own, sharing only PostgreSQL, Redis and an S3-protocol object store
(moto in server mode on loopback). A report requested through machine A's web process is
rendered by machine B's worker (the only one consuming the ``reports`` queue) and downloads,
byte for byte the object in the bucket, through either web process; nothing lands on either
machine's disk."""

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from clients.models import Report
from tests.conftest import logged_in
from tests.factories import ClientFactory, MembershipFactory, PracticeFactory, UserFactory
from tests.integration.services import broker_url_beside, redis_url
from tests.integration.test_celery_worker import worker_database_url
from tests.s3_server import free_port, s3_bucket, s3_server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

START_SECONDS = 30
RENDER_SECONDS = 40


@dataclass
class Machine:
    name: str
    root: Path
    web_url: str
    processes: list

    def log(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.root.glob("*.log"))
        )

    def stored_files(self) -> list[Path]:
        return [path for path in (self.root / "media").rglob("*") if path.is_file()]

    def temporary_files(self) -> list[Path]:
        return [path for path in (self.root / "tmp").rglob("*") if path.is_file()]


def environment(root: Path, bucket: str, server) -> dict[str, str]:
    broker = broker_url_beside(redis_url())
    return {
        **os.environ,
        **server.environment(bucket),
        "DJANGO_SETTINGS_MODULE": "practice.settings",
        "ATTUNE_SKIP_DOTENV": "1",
        "DEBUG": "true",
        # Sessions are checked against the key they were made with: the test's.
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": broker,
        "CELERY_BROKER_URL": broker,
        "MEDIA_ROOT": str(root / "media"),
        "TMPDIR": str(root / "tmp"),
        "PYTHONUNBUFFERED": "1",
    }


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )


def start_machine(name, root, bucket, server, queue) -> Machine:
    for folder in ("media", "tmp"):
        (root / folder).mkdir(parents=True)
    env = environment(root, bucket, server)
    port = free_port()
    web = start(
        [
            *(sys.executable, "-m", "gunicorn", "practice.wsgi:application"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"),
        ],
        env,
        root / "web.log",
    )
    worker = start(
        [
            *(sys.executable, "-m", "celery", "-A", "practice", "worker"),
            *("--pool=solo", "--loglevel=INFO", "-Q", queue, "-n", f"{name}@%h"),
            *("--without-heartbeat", "--without-gossip", "--without-mingle"),
        ],
        env,
        root / "worker.log",
    )
    return Machine(name, root, f"http://127.0.0.1:{port}", [web, worker])


def wait_until_up(machine: Machine) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        for process in machine.processes:
            assert process.poll() is None, f"{machine.name} stopped:\n{machine.log()}"
        ready = "ready" in (machine.root / "worker.log").read_text(errors="replace")
        try:
            up = requests.get(f"{machine.web_url}/livez", timeout=10).status_code == 200
        except requests.RequestException:
            up = False
        if up and ready:
            return
        time.sleep(0.2)
    raise AssertionError(f"{machine.name} did not start:\n{machine.log()}")


@pytest.fixture
def machines(tmp_path, s3_server, s3_bucket):  # noqa: F811
    """Machine A's worker takes the default queue, machine B's the reports queue."""
    started = [
        start_machine("machine-a", tmp_path / "a", s3_bucket, s3_server, "celery"),
        start_machine("machine-b", tmp_path / "b", s3_bucket, s3_server, "reports"),
    ]
    try:
        for machine in started:
            wait_until_up(machine)
        yield started
    finally:
        for machine in started:
            for process in machine.processes:
                process.terminate()
        for machine in started:
            for process in machine.processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def signed_in(user) -> requests.Session:
    """A browser whose session (in the shared database) either web process accepts."""
    browser = requests.Session()
    cookie = logged_in(user).cookies[settings.SESSION_COOKIE_NAME].value
    browser.cookies.set(settings.SESSION_COOKIE_NAME, cookie)
    return browser


def test_a_report_requested_on_one_machine_rendered_on_the_other_downloads_through_both(
    machines,
    s3_server,  # noqa: F811
    s3_bucket,  # noqa: F811
):
    machine_a, machine_b = machines
    practice = PracticeFactory(name="Two Machines Practice")
    clinician = UserFactory(full_name="Tess Clinician")
    MembershipFactory(user=clinician, practice=practice)
    client = ClientFactory(
        practice=practice, primary_clinician=clinician, full_name="Tom Fictional"
    )
    browser = signed_in(clinician)

    form_url = machine_a.web_url + reverse("clients:report_request", args=[client.pk])
    form = browser.get(form_url, timeout=30)
    assert form.status_code == 200, form.text[:500]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    today = timezone.localdate()
    asked = browser.post(
        form_url,
        {
            "csrfmiddlewaretoken": token,
            "period_start": today.replace(year=today.year - 1).isoformat(),
            "period_end": today.isoformat(),
            "audience": "clinical",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert asked.status_code == 302, asked.text[:500]
    report = Report.objects.get(client=client)

    deadline = time.monotonic() + RENDER_SECONDS
    while report.status not in (Report.Status.READY, Report.Status.FAILED):
        assert time.monotonic() < deadline, f"still {report.status}\n{machine_b.log()}"
        time.sleep(0.2)
        report.refresh_from_db()
    assert report.status == Report.Status.READY, report.error_message

    # Rendered on machine B: the only worker on the reports queue, and its log says so (once
    # its handler has written the line, which may follow the row's commit).
    while str(report.pk) not in (machine_b.root / "worker.log").read_text():
        assert time.monotonic() < deadline, f"not in machine B's log\n{machine_b.log()}"
        time.sleep(0.2)
    assert str(report.pk) not in (machine_a.root / "worker.log").read_text()
    stored = s3_server.objects(s3_bucket)
    assert list(stored) == [report.file_name]

    download = reverse("clients:report_download", args=[client.pk, report.pk])
    for machine in (machine_a, machine_b):
        response = browser.get(machine.web_url + download, timeout=30)
        assert response.status_code == 200, (machine.name, response.status_code)
        assert response.content == stored[report.file_name]
        assert "no-store" in response.headers["Cache-Control"]
    for machine in machines:
        assert machine.stored_files() == []
        assert machine.temporary_files() == []
