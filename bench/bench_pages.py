"""Benchmark the pages a clinician opens most at a large practice: the caseload dashboard, a
client's page, the progress page and the trajectory API, each against a trivial Django view
measured in the same run.

    DATABASE_URL=postgres://... .venv/bin/python bench/bench_pages.py   # full run, BENCHMARKS.md
    .venv/bin/python bench/bench_pages.py --quick                       # sanity: small, no file

The practice (fictional) has 5,000 active clients on 10 clinicians' caseloads, each with 20
administrations (10 ECR-R and 10 PHQ-9, fortnightly: 100,000 responses), session notes, a
schedule with its next questionnaire, some open or expired links and open alerts. Rows are
written with ``bulk_create`` (scores from the real engine, one per distinct answer pattern);
the dashboard rows are then built by ``rebuild_progress``, which is timed too. The database is a
throwaway one (``attune_bench_pages_<pid>``) created and dropped by Django's test-database
machinery, so the bench never touches real records.

Requests go through Django's test client: the whole middleware stack, sessions, the per-request
transaction and the audit row, without network noise. The trivial view is a function returning
``"ok"`` requested by the same signed-in client, so it pays the same session, user and
membership look-ups every page pays. Targets (issue 5): each page within 3x the trivial view's
median and under 300 ms median, with PostgreSQL on a 2-core machine.
"""

import argparse
import datetime
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-" + uuid.uuid4().hex * 2)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("SECURE_SSL", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import Client as Browser  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    teardown_databases,
)
from django.urls import clear_url_caches, path, reverse  # noqa: E402
from pages_practice import CLINICIANS, build_practice  # noqa: E402 (bench/, after setup)
from rest_framework.response import Response as ApiResponse  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from practice import urls as project_urls  # noqa: E402
from practice.permissions import member_required  # noqa: E402

RESULTS = ROOT / "BENCHMARKS.md"
START, END = "<!-- pages:start -->", "<!-- pages:end -->"
TARGET_RATIO = 3.0
TARGET_MS = 300.0


def trivial(request):
    """The trivial Django view the targets are measured against."""
    return HttpResponse("ok")


_EMPTY_PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}<p>ok</p>{% endblock %}'
)


@member_required
def empty_page(request):
    """For context: the app's empty page (the site's header, navigation and footer)."""
    return HttpResponse(_EMPTY_PAGE.render({}, request))


class EmptyApi(APIView):
    """For context: an API view with the API's authentication and permission, returning {}."""

    def get(self, request):
        return ApiResponse({})


# This script is the URLconf while it measures: the project's URLs plus the three baselines.
urlpatterns = [
    path("bench/trivial/", trivial, name="bench_trivial"),
    path("bench/empty-page/", empty_page, name="bench_empty_page"),
    path("bench/empty-api/", EmptyApi.as_view(), name="bench_empty_api"),
    *project_urls.urlpatterns,
]


# --- Measuring ----------------------------------------------------------------------------------


def measure(browser: Browser, url: str, repeat: int, warmup: int = 5, *, against=None) -> dict:
    """Median and p95 of ``repeat`` requests of ``url`` after ``warmup``, and its query count.
    With ``against`` (a ``(browser, url)`` pair: the trivial view), each request of ``url`` is
    followed by one of the trivial view, so both see the same machine at the same moments;
    the result then carries the trivial view's timings as ``baseline``."""
    for _ in range(warmup):
        response = browser.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        if against:
            against[0].get(against[1])
    timings, baseline = [], []
    for _ in range(repeat):
        began = time.perf_counter()
        browser.get(url)
        timings.append((time.perf_counter() - began) * 1000)
        if against:
            began = time.perf_counter()
            against[0].get(against[1])
            baseline.append((time.perf_counter() - began) * 1000)
    with CaptureQueriesContext(connection) as queries:
        browser.get(url)
    statements = [
        q["sql"] for q in queries.captured_queries if not q["sql"].startswith(_NOT_QUERIES)
    ]
    result = {**_summary(timings), "queries": len(statements)}
    if against:
        result["baseline"] = _summary(baseline)
    return result


def _summary(timings: list[float]) -> dict:
    timings = sorted(timings)
    return {
        "median": statistics.median(timings),
        "p95": timings[max(0, round(0.95 * len(timings)) - 1)],
    }


# Transaction control is not a query for the table's count.
_NOT_QUERIES = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")


def machine() -> dict:
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            database = f"{connection.vendor} {connection.Database.sqlite_version}"
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": database,
        "system": f"{platform.system()} {platform.release()}",
    }


def markdown(info: dict, rows: list[tuple[str, dict, str]], baselines: dict, sizes: dict) -> str:
    def ratio(timing: dict) -> float:
        return timing["median"] / timing["baseline"]["median"]

    lines = [
        START,
        "## Pages",
        "",
        f"`make bench` (`bench/bench_pages.py`), {datetime.date.today():%d %b %Y}. "
        f"Machine: {info['cpus']} CPUs ({info['cpu']}), {info['memory']} memory, "
        f"{info['system']}; Python {info['python']}, Django {info['django']}, "
        f"{info['database']} on the same machine. Load average when the run began: "
        f"{sizes['load']}.",
        "",
        f"Data: {sizes['clients']:,} active clients on {CLINICIANS} clinicians' caseloads, "
        f"{sizes['responses']:,} administrations ({sizes['per_client']} per client: ECR-R and "
        f"PHQ-9 fortnightly), {sizes['notes']:,} session notes, schedules, open and expired "
        f"links, open alerts. Built in {sizes['build']:.0f} s; `rebuild_progress` for every "
        f"client took {sizes['rebuild']:.1f} s.",
        "",
        f"Each URL requested {sizes['repeat']} times after 5 warm-up requests through Django's "
        "test client (full middleware, session, per-request transaction, audit row), "
        "`DEBUG=false`, by a signed-in owner (dashboards of the whole practice) or clinician. "
        "The trivial view returns `ok` to the same signed-in client, so it pays the same "
        "session, user and membership look-ups (and the session's save) as every page. Each "
        "request of a page is followed by one of the trivial view, so the two share the "
        "machine's moments (this machine's speed drifts by a factor of two within minutes); "
        "each page's ratio is its median over the median of the trivial view measured "
        "alongside it. For context, two more baselines: the app's empty page (header, "
        "navigation, footer: what every page renders around its content) and an empty API "
        "view with the API's authentication and permission.",
        "",
        "| URL | Median | p95 | Queries | Trivial view alongside | / trivial view "
        "| / empty page or API | Target met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    trivial = baselines["trivial"]
    lines.append(
        f"| {BASELINE_LABELS['trivial']} | {trivial['median']:.1f} ms | {trivial['p95']:.1f} ms "
        f"| {trivial['queries']} | | 1.0x | | |"
    )
    for label in ("empty_page", "empty_api"):
        timing = baselines[label]
        lines.append(
            f"| {BASELINE_LABELS[label]} | {timing['median']:.1f} ms | {timing['p95']:.1f} ms "
            f"| {timing['queries']} | {timing['baseline']['median']:.1f} ms "
            f"| {ratio(timing):.1f}x | | |"
        )
    missed_ratio, missed_ms = [], []
    for label, timing, context in rows:
        if ratio(timing) > TARGET_RATIO:
            missed_ratio.append(label)
        if timing["median"] >= TARGET_MS:
            missed_ms.append(label)
        met = ratio(timing) <= TARGET_RATIO and timing["median"] < TARGET_MS
        lines.append(
            f"| {label} | {timing['median']:.1f} ms | {timing['p95']:.1f} ms "
            f"| {timing['queries']} | {timing['baseline']['median']:.1f} ms "
            f"| {ratio(timing):.1f}x | {ratio(timing) / ratio(baselines[context]):.1f}x "
            f"| {'yes' if met else 'no'} |"
        )
    lines += [
        "",
        f"Targets (issue 5): each page within {TARGET_RATIO:.0f}x the trivial view's median, and "
        f"under {TARGET_MS:.0f} ms median. "
        + (
            f"Under {TARGET_MS:.0f} ms: every page."
            if not missed_ms
            else f"Over {TARGET_MS:.0f} ms: " + ", ".join(missed_ms) + "."
        )
        + " "
        + (
            f"Within {TARGET_RATIO:.0f}x the trivial view: every page."
            if not missed_ratio
            else f"Not within {TARGET_RATIO:.0f}x the trivial view: "
            + ", ".join(missed_ratio)
            + "."
        ),
        "",
        *FINDINGS,
        END,
    ]
    return "\n".join(lines) + "\n"


# What the numbers mean and what was done: kept with the script so each run writes it again.
FINDINGS = [
    "What the numbers mean, and what was done:",
    "",
    "- The query count does not grow with the caseload (tests assert the same count with 5 "
    "and 200 clients or administrations), but the time does: this run measured one size only, "
    "and a side-by-side run at 1,000, 5,000 and 20,000 clients (issue 17) found the owner's "
    "dashboard at 8.7x, 11x and 20x the trivial view, because two statements still read the "
    "whole caseload on every request (the ordering query sorts and counts every client; the "
    "overview counts everyone again). An earlier version of this file said nothing here grows "
    "with the caseload; that was wrong. The dashboard reads precomputed rows "
    "(`ClientProgress`, refreshed by the callers of the services, rebuilt by "
    "`rebuild_progress`); the progress page and the API read one client's responses.",
    "- Done for speed: the dashboard sorts the caseload on narrow rows and fetches only the "
    "page's clients; the owners' overview is one aggregate; reliable change is never computed "
    "on a page view; the table's cells, links and dates are prepared once per page in Python "
    "rather than by template filters per cell; the open-alerts panel shows the newest five "
    "and reads no answers. Visibility is decided once per request: the dashboard scopes by the "
    "signed-in membership (`visible_in`: an owner's practice is one condition), and rows "
    "about a client already found through `visible_to` skip the visibility subqueries "
    "(`of_client`); the client page no longer counts every timeline entry; the progress page "
    "and the API read the practice's baseline sample as its size and SD, not every client's "
    "baseline. Together these took the client page from 28 to 25 queries and from 26x to about "
    "11x the trivial view, the whole practice's dashboard from 15x to 9-10x, the progress page "
    "from 10x to about 7x and the API from 7x to under 5x (28 Nov 2026, before and after, on "
    "machines of different speed: the trivial view took 2.5 ms on the first and 9-14 ms on the "
    "second, so compare ratios, not medians; successive runs here differ by about 1x).",
    "- The 3x target against a view that returns `ok` is not met, and is out of reach for a "
    "page that does work of its own in this stack: each page runs its own reads, the audit "
    "row's insert and the site's chrome (the empty page alone is well above 1x), then renders "
    "a 25-row table, three charts or a timeline with Django's template engine; the trivial "
    "view costs about as much as its four small queries. Reaching 3x would mean serving pages "
    "from a cache of rendered health data or splitting each page into lazily loaded pieces, "
    "both of which we judged worse for clinicians than the numbers above. Every page stays "
    "far under the 300 ms target.",
    "- The CPUs are shared with whatever else runs on the machine (the load average above); "
    "medians move with it, the ratios much less since each page is paired with the trivial "
    "view.",
]


BASELINE_LABELS = {
    "trivial": "Trivial view (`ok`)",
    "empty_page": "Empty page (site chrome only)",
    "empty_api": "Empty API view",
}


def write_results(section: str) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small numbers; writes no file")
    parser.add_argument("--clients", type=int, help="clients (default 5000, quick 50)")
    parser.add_argument("--repeat", type=int, help="requests per page (default 50, quick 5)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    clients = args.clients or (50 if args.quick else 5000)
    repeat = args.repeat or (5 if args.quick else 50)
    administrations = 20
    postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if not postgres and not args.quick:
        sys.exit("The full bench needs PostgreSQL: set DATABASE_URL=postgres://... (or --quick).")

    settings.ROOT_URLCONF = __name__
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    clear_url_caches()
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        f"attune_bench_pages_{os.getpid()}"
        if postgres
        else str(Path(tempfile.gettempdir()) / f"attune_bench_pages_{os.getpid()}.sqlite3")
    )
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        from assessments.models import Response
        from clients.models import SessionNote
        from practice.dashboard.progress import rebuild_progress

        load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"Building {clients} clients x {administrations} administrations...", flush=True)
        began = time.perf_counter()
        owner, clinician, client = build_practice(
            clients,
            administrations,
            random.Random(5),  # noqa: S311 (fictional data, seeded)
        )
        build = time.perf_counter() - began
        began = time.perf_counter()
        rebuild_progress()
        rebuild = time.perf_counter() - began
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        sizes = {
            "clients": clients,
            "responses": Response.objects.count(),
            "per_client": administrations,
            "notes": SessionNote.objects.count(),
            "build": build,
            "rebuild": rebuild,
            "repeat": repeat,
            "load": load,
        }
        print(f"built in {build:.0f} s; rebuild_progress {rebuild:.1f} s", flush=True)

        as_owner, as_clinician = Browser(), Browser()
        as_owner.force_login(owner)
        as_clinician.force_login(clinician)
        dashboard = reverse("dashboard")
        pages = [
            (
                f"Dashboard, owner, whole practice ({clients:,} clients)",
                as_owner,
                f"{dashboard}?scope=practice",
                "empty_page",
            ),
            (
                "Dashboard, owner, improved, by last completed",
                as_owner,
                f"{dashboard}?scope=practice&show=improved&sort=-completed&period=365",
                "empty_page",
            ),
            (
                f"Dashboard, a clinician's caseload ({clients // CLINICIANS:,} clients)",
                as_clinician,
                dashboard,
                "empty_page",
            ),
            (
                "Client page",
                as_clinician,
                reverse("clients:detail", args=[client.pk]),
                "empty_page",
            ),
            (
                "Progress page (3 charts, 20 administrations)",
                as_clinician,
                reverse("clients:progress", args=[client.pk]),
                "empty_page",
            ),
            (
                "Trajectory API (20 administrations)",
                as_clinician,
                reverse("client-trajectory", args=[client.pk]),
                "empty_api",
            ),
        ]
        trivial = (as_clinician, reverse("bench_trivial"))
        baselines = {
            "trivial": measure(*trivial, repeat),
            "empty_page": measure(
                as_clinician, reverse("bench_empty_page"), repeat, against=trivial
            ),
            "empty_api": measure(as_clinician, reverse("bench_empty_api"), repeat, against=trivial),
        }
        rows = []
        for label, browser, url, context in pages:
            timing = measure(browser, url, repeat, against=trivial)
            rows.append((label, timing, context))
            print(
                f"{label}: median {timing['median']:.1f} ms, p95 {timing['p95']:.1f} ms, "
                f"trivial view alongside {timing['baseline']['median']:.1f} ms"
            )
        for label, timing in baselines.items():
            print(f"{BASELINE_LABELS[label]}: median {timing['median']:.1f} ms")
        section = markdown(machine(), rows, baselines, sizes)
        print(section)
        if not args.quick and not args.no_write:
            write_results(section)
            print(f"Wrote {RESULTS}")
    finally:
        connection.close()
        teardown_databases(databases, verbosity=0)


if __name__ == "__main__":
    main()
