"""HTTP load run: gunicorn on PostgreSQL serving a fictional practice, and locust (as a library,
headless) with 50 concurrent clients against the trivial view, the owner's dashboard, a client's
page, the trajectory API and a client answering a questionnaire, each for a bounded time.

    DATABASE_URL=postgres://... .venv/bin/python bench/bench_load.py     # BENCHMARKS.md
    .venv/bin/python bench/bench_load.py --quick                         # sanity: small, no file

The practice is built with ``pages_practice`` in a throwaway database
(``attune_bench_load_<pid>``, created and dropped by Django's test-database machinery); gunicorn
serves ``bench/load_wsgi.py`` (the project plus the trivial view) with 4 sync workers on
loopback, and ``bench/load_users.py`` runs locust in a process of its own. Each phase runs alone:
the users request one URL back to back, without waiting, so requests per second is what the
server sustains on this machine; each phase's rate is reported as a ratio to the trivial view's.
Targets (issue 17): zero errors.
"""

import argparse
import datetime
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-" + uuid.uuid4().hex * 2)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as Browser  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from pages_practice import add_clients, create_practice  # noqa: E402 (bench/)
from results import RESULTS, write_section  # noqa: E402 (bench/)

START, END = "<!-- load:start -->", "<!-- load:end -->"
WORKERS = 4


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def open_links(bench, count: int) -> list[str]:
    """``count`` open PHQ-9 links (one per packet) on the practice's clients: their raw tokens."""
    from assessments.models import Packet, PacketItem, PacketToken
    from practice.models import new_token

    now = timezone.now()
    phq = bench.instruments["phq"]
    clients = list(bench.practice.clients.order_by("pk")[:count])
    packets = Packet.objects.bulk_create(
        Packet(
            practice=bench.practice,
            client=clients[n % len(clients)],
            status=Packet.Status.SENT,
            local_date=now.date(),
            created_at=now,
            sent_at=now,
            expires_at=now + datetime.timedelta(days=7),
        )
        for n in range(count)
    )
    PacketItem.objects.bulk_create(
        PacketItem(
            packet=packet, instrument=phq, instrument_version=phq.current_version, position=1
        )
        for packet in packets
    )
    tokens, rows = [], []
    for packet in packets:
        raw, digest = new_token()
        tokens.append(raw)
        rows.append(
            PacketToken(
                packet=packet,
                token_hash=digest,
                purpose=PacketToken.Purpose.INVITATION,
                created_at=now,
            )
        )
    PacketToken.objects.bulk_create(rows)
    return tokens


def serve(database_name: str, port: int, workers: int) -> subprocess.Popen:
    """gunicorn on loopback with the bench's database; returns once it answers."""
    env = dict(os.environ)
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        user = f"{db['USER']}@" if db.get("USER") else ""
        env["DATABASE_URL"] = (
            f"postgres://{user}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/"
            f"{database_name}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{database_name}"
    env["PYTHONPATH"] = f"{BENCH}{os.pathsep}{ROOT}"
    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "load_wsgi:application",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/livez", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def markdown(phases: list[dict], common: dict) -> str:
    trivial = phases[0]["rps"] or 1
    lines = [
        START,
        "## HTTP load (`bench/bench_load.py`)",
        "",
        f"`make bench`, {datetime.date.today():%d %b %Y}: gunicorn ({common['workers']} sync "
        f"worker{'s' if common['workers'] > 1 else ''}) on {common['database']} and locust {common['locust']} (headless, as a "
        f"library) on the same {os.cpu_count()}-CPU machine, shared with other work (load "
        f"average {common['load']} at the start, {common['load_end']} at the end). The "
        f"practice: {common['clients']:,} clients with {common['per_client']} administrations "
        f"each. {common['users']} concurrent clients request each URL alone, back to back "
        f"without waiting, for {common['seconds']} s; the questionnaire phase opens a link, "
        "starts, answers every question and submits: three timed requests (the landing page; "
        "starting, with its redirect to the questions; submitting, with its redirect to the "
        "thank-you page), each flow on a new link.",
        "",
        "| Phase | Requests | Errors | Requests/s | / trivial view | p50 | p95 | p99 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for phase in phases:
        lines.append(
            f"| {phase['phase']} | {phase['requests']:,} | {phase['failures']} "
            f"| {phase['rps']:.1f} | {phase['rps'] / trivial:.2f}x | {phase['p50']:.0f} ms "
            f"| {phase['p95']:.0f} ms | {phase['p99']:.0f} ms |"
        )
    errors = sum(phase["failures"] for phase in phases)
    lines += [
        "",
        "Target (issue 17): zero errors: "
        + ("met." if not errors else f"not met ({errors} failed requests).")
        + " Percentiles are locust's (rounded to its buckets); with "
        f"{common['users']} clients and "
        f"{common['workers']} worker{'s' if common['workers'] > 1 else ''} most of each request's time is spent queued, so p50 is "
        "about the concurrency over the rate, not the time one request takes.",
        END,
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small numbers; writes no file")
    parser.add_argument("--clients", type=int, help="practice size (default 1000, quick 30)")
    parser.add_argument("--users", type=int, help="concurrent clients (default 50, quick 5)")
    parser.add_argument("--seconds", type=int, help="per phase (default 20, quick 3)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    clients = args.clients or (30 if args.quick else 1000)
    users = args.users or (5 if args.quick else 50)
    seconds = args.seconds or (3 if args.quick else 20)
    per_client = 4 if args.quick else 20
    postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if not postgres and not args.quick:
        sys.exit("The load run needs PostgreSQL: set DATABASE_URL=postgres://... (or --quick).")
    name = (
        f"attune_bench_load_{os.getpid()}"
        if postgres
        else str(Path(tempfile.gettempdir()) / f"attune_bench_load_{os.getpid()}.sqlite3")
    )
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = name
    databases = setup_databases(verbosity=0, interactive=False)
    server = None
    try:
        from practice.dashboard.progress import rebuild_progress

        load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"Building {clients} clients x {per_client} administrations...", flush=True)
        bench = create_practice()
        add_clients(bench, clients, per_client, random.Random(17))  # noqa: S311 (fictional)
        rebuild_progress()
        tokens = open_links(bench, 60 * users * seconds // 10 + 50)
        sessions = []
        for _ in range(users):  # each load client signs in with a session of its own
            browser = Browser()
            browser.force_login(bench.owner)
            sessions.append(browser.cookies[settings.SESSION_COOKIE_NAME].value)
        client = bench.first_client
        connection.close()  # gunicorn's workers take over the database
        port = free_port()
        server = serve(settings.DATABASES["default"]["NAME"], port, WORKERS if postgres else 1)
        plan = {
            "host": f"http://127.0.0.1:{port}",
            "users": users,
            "seconds": seconds,
            "sessions": sessions,
            "cookie": settings.SESSION_COOKIE_NAME,
            "tokens": tokens,
            "phases": [
                {"name": "Trivial view (`ok`)", "path": "/bench/trivial/"},
                {
                    "name": "Dashboard, owner, whole practice",
                    "path": reverse("dashboard") + "?scope=practice",
                },
                {"name": "Client page", "path": reverse("clients:detail", args=[client.pk])},
                {
                    "name": "Trajectory API",
                    "path": reverse("client-trajectory", args=[client.pk]),
                },
                {"name": "Questionnaire (PHQ-9), open, start, submit", "path": "questionnaire"},
            ],
        }
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(plan, handle)
        try:
            ran = subprocess.run(  # noqa: S603
                [sys.executable, str(BENCH / "load_users.py"), handle.name],
                capture_output=True,
                text=True,
                check=False,
                timeout=len(plan["phases"]) * (seconds + 60),
            )
        finally:
            os.unlink(handle.name)
        if ran.returncode:
            sys.exit(f"the load clients failed:\n{ran.stderr[-3000:]}")
        phases = [json.loads(line) for line in ran.stdout.splitlines() if line.startswith("{")]
        for phase in phases:
            print(
                f"{phase['phase']}: {phase['requests']} requests, {phase['failures']} failed, "
                f"{phase['rps']:.1f}/s, p50 {phase['p50']:.0f} ms, p95 {phase['p95']:.0f} ms, "
                f"p99 {phase['p99']:.0f} ms {phase['errors'] or ''}",
                flush=True,
            )
        common = {
            "workers": WORKERS if postgres else 1,
            "database": "PostgreSQL" if postgres else "SQLite",
            "locust": metadata.version("locust"),  # importing it would patch this process
            "load": load,
            "load_end": " / ".join(f"{value:.2f}" for value in os.getloadavg()),
            "clients": clients,
            "per_client": per_client,
            "users": users,
            "seconds": seconds,
        }
        section = markdown(phases, common)
        print(section)
        failed = sum(phase["failures"] for phase in phases)
        if not args.quick and not args.no_write:
            write_section(section, START, END)
            print(f"Wrote {RESULTS}")
        if failed:
            sys.exit(f"{failed} requests failed under load")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        connection.close()
        teardown_databases(databases, verbosity=0)


if __name__ == "__main__":
    main()
