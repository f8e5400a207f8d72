"""The web process stops gracefully, as the image runs it: gunicorn with the options the
Dockerfile's ``attune web`` passes it (read from the Dockerfile, not copied here), on the test
database. On SIGTERM (``docker compose stop``; compose's ``stop_grace_period`` outlasts the
graceful timeout) gunicorn takes no new requests, lets a client's questionnaire submission in
flight finish and be saved, and exits 0. A submission still running at the graceful timeout is
cut off with its transaction never committed: nothing of it is saved, and the master still exits.

The app is ``tests.integration.slow_wsgi``: Attune's own WSGI app, which pauses a request marked
``X-Test-Delay`` right after it has written the client's answers (uncommitted), so SIGTERM
arrives while the request is in flight.
"""

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml
from django.conf import settings
from django.urls import reverse

from assessments.models import Packet, Response
from tests.assessments.assign_helpers import send_now, token_of
from tests.integration.services import broker_url_beside, redis_url
from tests.integration.test_celery_worker import worker_database_url
from tests.integration.test_two_machines import start
from tests.s3_server import free_port

# The gunicorn tests commit (transaction=True) so that gunicorn's processes see their rows.
pytestmark = pytest.mark.integration

GRACE = 3  # seconds: GUNICORN_GRACEFUL_TIMEOUT here (the image's default is 30)
WORKERS = 2
START_SECONDS = 30
SHELL_DEFAULT = re.compile(r"\$\{(\w+):-([^}]*)\}")  # ${NAME:-default}
GAD_7_ANSWERS = {f"item-{n}": "1" for n in range(1, 9)}  # one page: seven items and item 8


def image_web_command() -> list[str]:
    """The words of the command the image's ``attune web`` execs, its variables unexpanded."""
    dockerfile = (settings.BASE_DIR / "Dockerfile").read_text()
    script = dockerfile.split("<<'EOF' /usr/local/bin/attune\n", 1)[1].split("\nEOF\n", 1)[0]
    web = re.search(r"^\s*web\)\n(.*?)^\s*;;", script, re.M | re.S)
    assert web, "no web) case in the Dockerfile's attune script"
    lines = web[1].replace("\\\n", " ").splitlines()
    (command,) = [line for line in lines if line.strip().startswith("exec gunicorn ")]
    return shlex.split(command)[1:]


def expand(word: str, env: dict[str, str]) -> str:
    """``${NAME:-default}`` as sh expands it: NAME's value, or the default if unset or empty."""
    return SHELL_DEFAULT.sub(lambda match: env.get(match[1]) or match[2], word)


def web_command(env: dict[str, str]) -> list[str]:
    """The image's gunicorn command with ``env``'s values, serving ``slow_wsgi`` on loopback."""
    words = image_web_command()
    assert words[:2] == ["gunicorn", "practice.wsgi:application"], words
    assert words[-1] == "$@", words
    options = [expand(word, env) for word in words[2:-1]]
    bind = options.index("--bind") + 1
    assert options[bind].startswith("0.0.0.0:"), options
    options[bind] = options[bind].replace("0.0.0.0:", "127.0.0.1:", 1)
    tmp_dir = options.index("--worker-tmp-dir") + 1
    if not Path(options[tmp_dir]).is_dir():  # /dev/shm, where a machine has none
        options[tmp_dir] = env["TMPDIR"]
    return [sys.executable, "-m", "gunicorn", "tests.integration.slow_wsgi:application", *options]


def option(command: list[str], name: str) -> str:
    assert name in command, f"the Dockerfile's gunicorn command lost {name}: {command}"
    return command[command.index(name) + 1]


@dataclass
class Web:
    process: subprocess.Popen
    url: str
    log_path: Path
    paused: Path  # created by slow_wsgi when a marked request is in flight

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_for(self, ready, what: str) -> None:
        deadline = time.monotonic() + START_SECONDS
        while not ready():
            assert time.monotonic() < deadline, (
                f"{what}: not within {START_SECONDS} s\n{self.log()}"
            )
            time.sleep(0.05)

    def answers_livez(self) -> bool:
        assert self.process.poll() is None, f"gunicorn stopped:\n{self.log()}"
        try:
            return requests.get(f"{self.url}/livez", timeout=5).status_code == 200
        except requests.RequestException:  # not listening yet, or no worker booted yet
            return False

    def terminate(self) -> float:
        """SIGTERM to the master, as ``docker compose stop`` sends it; when it was sent."""
        self.process.send_signal(signal.SIGTERM)
        return time.monotonic()

    def exit_code(self, stopped: float) -> tuple[int, float]:
        """The master's exit code and how long after ``stopped`` it exited."""
        try:
            code = self.process.wait(timeout=GRACE + 10)
        except subprocess.TimeoutExpired:
            pytest.fail(f"gunicorn did not exit {GRACE + 10} s after SIGTERM:\n{self.log()}")
        return code, time.monotonic() - stopped


@pytest.fixture
def web(tmp_path):
    """The image's web command, with a few workers and a short graceful timeout."""
    (tmp_path / "tmp").mkdir()
    database = worker_database_url()
    broker = broker_url_beside(redis_url())
    env = {
        **{name: value for name, value in os.environ.items() if name != "GUNICORN_CMD_ARGS"},
        "DJANGO_SETTINGS_MODULE": "practice.settings",
        "ATTUNE_SKIP_DOTENV": "1",
        "DEBUG": "false",
        "SECURE_SSL": "false",  # plain HTTP on loopback; TLS ends at the proxy in production
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database,
        "REDIS_URL": broker,
        "CELERY_BROKER_URL": broker,
        "PORT": str(free_port()),
        "WEB_CONCURRENCY": str(WORKERS),
        "GUNICORN_GRACEFUL_TIMEOUT": str(GRACE),
        "TMPDIR": str(tmp_path / "tmp"),
        "SLOW_WSGI_PAUSED": str(tmp_path / "paused"),
        "PYTHONUNBUFFERED": "1",
    }
    command = web_command(env)
    assert option(command, "--graceful-timeout") == str(GRACE)
    assert option(command, "--logger-class") == "practice.gunicorn_logger.RedactingLogger"
    assert option(command, "--workers") == str(WORKERS)
    server = Web(
        start(command, env, tmp_path / "web.log"),
        f"http://{option(command, '--bind')}",
        tmp_path / "web.log",
        tmp_path / "paused",
    )
    try:
        server.wait_for(server.answers_livez, "gunicorn answering /livez")
        yield server
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


@pytest.fixture
def visit(erin, monkeypatch, web):
    """A GAD-7 link e-mailed to Erin, which she has opened (started) through the web process."""
    from practice.tasks import send_outbound_email

    monkeypatch.setattr(send_outbound_email, "delay", lambda *args: None)
    _, packet = send_now(erin, "gad-7")
    token = token_of(packet)
    started = requests.post(
        web.url + reverse("questionnaire:landing", args=[token]), allow_redirects=False, timeout=10
    )
    assert started.status_code == 302, started.text[:500]
    packet.refresh_from_db()
    assert packet.status == Packet.Status.OPENED
    return packet, token


def submit(web: Web, token: str, delay: float) -> requests.Response:
    """Erin sends her answers, the request pausing ``delay`` seconds once they are written."""
    return requests.post(
        web.url + reverse("questionnaire:page", args=[token, 1]),
        {**GAD_7_ANSWERS, "action": "submit"},
        headers={"X-Test-Delay": str(delay)},
        allow_redirects=False,
        timeout=GRACE * 10,
    )


@pytest.mark.django_db(transaction=True)
def test_sigterm_lets_the_answers_in_flight_be_saved_and_takes_no_new_request(web, visit):
    packet, token = visit
    with ThreadPoolExecutor(max_workers=1) as pool:
        sending = pool.submit(submit, web, token, GRACE / 3)
        web.wait_for(web.paused.exists, "the submission in flight")
        stopped = web.terminate()
        # The idle workers leave at once; the busy one keeps the request it is answering.
        web.wait_for(
            lambda: (
                web.log().count("Worker exiting") >= WORKERS - 1 or web.process.poll() is not None
            ),
            "idle workers leaving",
        )
        in_flight = not sending.done()
        # The master has closed its listener. The busy worker still holds it open, so the kernel
        # may complete the handshake, but nothing accepts: reset when that worker ends.
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{web.url}/livez", timeout=GRACE * 2)
        try:
            answered = sending.result(timeout=GRACE * 2)
        except requests.ConnectionError as cut_off:
            pytest.fail(f"the submission in flight was cut off: {cut_off}\n{web.log()}")
    code, took = web.exit_code(stopped)

    assert in_flight, "the submission ended before the request sent after SIGTERM"
    assert answered.status_code == 302, answered.text[:500]
    assert answered.headers["Location"].startswith(reverse("questionnaire:thanks"))
    assert code == 0, web.log()
    assert web.log().count("Worker exiting") == WORKERS, (
        f"a worker was killed, not left to finish ({took:.1f} s after SIGTERM)"
    )
    (response,) = Response.objects.filter(client=packet.client)
    assert response.instrument.code == "gad-7"
    assert response.answers == {str(n): 1 for n in range(1, 9)}
    assert response.total == 7
    packet.refresh_from_db()
    assert packet.status == Packet.Status.COMPLETED


@pytest.mark.django_db(transaction=True)
def test_a_submission_outlasting_the_graceful_timeout_is_cut_off_and_nothing_of_it_saved(
    web, visit
):
    packet, token = visit
    with ThreadPoolExecutor(max_workers=1) as pool:
        sending = pool.submit(submit, web, token, GRACE * 5)
        web.wait_for(web.paused.exists, "the submission in flight")
        stopped = web.terminate()
        code, took = web.exit_code(stopped)
        with pytest.raises(requests.ConnectionError):
            sending.result(timeout=GRACE * 2)

    assert code == 0, web.log()
    # At the graceful timeout, not when the 15 s request would have ended.
    assert GRACE - 0.5 < took < GRACE * 5 - 5, f"exited {took:.1f} s after SIGTERM"
    assert web.log().count("Worker exiting") == WORKERS - 1, "the busy worker was not killed"
    # The answers were written, uncommitted, when the worker was killed: none of it was kept.
    assert not Response.objects.filter(client=packet.client).exists()
    packet.refresh_from_db()
    assert packet.status == Packet.Status.OPENED and packet.completed_at is None
    assert [item.draft_answers for item in packet.items.all()] == [{}]


def test_compose_waits_longer_than_gunicorn_lets_requests_finish():
    """Docker kills the container ``stop_grace_period`` after SIGTERM: past the graceful timeout."""
    compose = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
    grace_period = compose["services"]["web"]["stop_grace_period"]
    assert re.fullmatch(r"\d+s", grace_period), grace_period
    default = expand(option(image_web_command(), "--graceful-timeout"), {})
    assert int(grace_period[:-1]) > int(default)
