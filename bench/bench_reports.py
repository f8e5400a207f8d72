"""Benchmark PDF reports: one typical report against a bare WeasyPrint render and a warm headless
Chromium print of the same HTML, and a batch drained by two worker processes.

    DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/bench_reports.py            # full run, rewrites BENCHMARKS.md
    .venv/bin/python bench/bench_reports.py --quick        # CI sanity: small numbers, no file

1. **Render**: the median time of the whole report pipeline in this (warm) process, from the
   claimed row to the stored PDF (gather, HTML, the bounded WeasyPrint child, storage), for a
   typical report: a year of monthly ECR-R answers (trajectory and anxiety x avoidance charts),
   fortnightly signed session notes, clinical record. Measured in the same run beside two
   floors, both given that report's own HTML: a bare WeasyPrint render in this process (the
   same fetcher and render options, no database, no child process, no storage: what the
   pipeline adds is the rest; and WeasyPrint's default of a new font configuration per
   document, where the pipeline's child reuses the one its worker filled at start,
   ``pdf.shared_fonts``), and a warm headless Chromium (``/usr/bin/chromium`` through Playwright, launched
   as ``tests/browser/conftest.py`` launches it) printing it to PDF, the renderer a deployment
   could pick instead. Ratios, not milliseconds, compare across machines.
2. **Throughput**: an owner's batch of N reports (200 by default), one per client, drained by a
   real ``celery worker --concurrency=2`` (two prefork processes) on Redis: the time from the
   request to the last report finished.

The data is fictional and lives in a database of its own (``attune_bench_<pid>``, created and
dropped by Django's test-database machinery), so the bench never touches real records. Targets
(issue 7): a typical report under 1 s median in a warm worker; 200 reports in under 3 minutes.
(issue 17): the pipeline at most 1.3x the bare WeasyPrint render of its HTML and at most 4x
Chromium's print of it.
"""

import argparse
import base64
import contextlib
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-" + uuid.uuid4().hex * 2)
os.environ.setdefault("ALLOWED_HOSTS", "localhost")
os.environ.setdefault("SECURE_SSL", "false")
# Playwright's synchronous API runs an event loop in this thread; the bench is one thread and
# touches the database only between its calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
MEDIA = Path(tempfile.mkdtemp(prefix="attune-bench-media-"))
os.environ["MEDIA_ROOT"] = str(MEDIA)

import django  # noqa: E402

django.setup()

import weasyprint  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402
from reports_findings import FINDINGS  # noqa: E402 (bench/)
from results import RESULTS, write_section  # noqa: E402 (bench/)

LOAD_AT_START = os.getloadavg()[0]
START, END = "<!-- reports:start -->", "<!-- reports:end -->"
TARGET_RENDER = 1.0
TARGET_BATCH_200 = 180.0
TARGET_OVER_BARE = 1.3
TARGET_OVER_CHROMIUM = 4.0

CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
MONTHS = 12
# A year of ECR-R answers drifting from fearful-avoidant towards secure (anxiety, avoidance).
ECR_PATH = [
    (6, 6),
    (6, 5),
    (5, 5),
    (5, 5),
    (5, 4),
    (5, 3),
    (3, 3),
    (3, 3),
    (3, 2),
    (2, 2),
    (2, 2),
    (2, 2),
]
NOTE = (
    "Reviewed the week: two arguments with her partner, one repaired the same evening. Noticed "
    "the urge to withdraw and named it. Practised the grounding exercise in session; homework "
    "to note one moment each day of reaching out rather than pulling away. Next time: the "
    "letter to her mother, and how the week went with the new routine."
)


# --- Data -----------------------------------------------------------------------------------------


def build_practice(clients: int):
    """A fictional practice: an owner and ``clients`` clients, each with a year of monthly ECR-R
    responses and fortnightly signed notes. Rows are written in bulk; the scores come from the
    real engine on the shipped instrument."""
    from assessments import services as assessment_services
    from assessments.models import (
        ClientInstrumentSummary,
        Instrument,
        Packet,
        PacketItem,
        Response,
    )
    from assessments.services.responses import _summary_fields
    from clients.models import Client, SessionNote
    from practice.models import Membership, Practice, Role, User

    practice = Practice.objects.create(name="Bench Practice", time_zone="Europe/London")
    owner = User.objects.create_user("owner@bench.invalid", full_name="Olive Owner")
    Membership.objects.create(user=owner, practice=practice, role=Role.OWNER)
    ecr = Instrument.objects.get(code="ecr-r", practice__isnull=True)
    version = ecr.current_version
    results = [
        assessment_services.score_answers(practice, ecr, ecr_answers(a, v)) for a, v in ECR_PATH
    ]
    now = timezone.now()
    first = now - datetime.timedelta(days=30 * (MONTHS - 1) + 5)
    people = Client.objects.bulk_create(
        Client(
            practice=practice,
            primary_clinician=owner,
            preferred_name=f"Client{n}",
            full_name=f"Client{n} Bench",
            date_of_birth=datetime.date(1980 + n % 20, 1 + n % 12, 1 + n % 28),
        )
        for n in range(clients)
    )
    for client in people:
        moments = [first + datetime.timedelta(days=30 * i) for i in range(MONTHS)]
        packets = Packet.objects.bulk_create(
            Packet(
                practice=practice,
                client=client,
                status=Packet.Status.COMPLETED,
                local_date=moment.date(),
                created_at=moment,
                sent_at=moment,
                completed_at=moment,
                expires_at=moment + datetime.timedelta(days=7),
            )
            for moment in moments
        )
        items = PacketItem.objects.bulk_create(
            PacketItem(
                packet=packet,
                instrument=ecr,
                instrument_version=version,
                position=1,
                completed=True,
            )
            for packet in packets
        )
        responses = Response.objects.bulk_create(
            Response(
                practice=practice,
                client=client,
                packet_item=item,
                instrument=ecr,
                instrument_version=version,
                answers={},
                result=result,
                submitted_at=moment,
                **_summary_fields(result),
            )
            for item, result, moment in zip(items, results, moments, strict=True)
        )
        ClientInstrumentSummary.objects.create(
            practice=practice,
            client=client,
            instrument=ecr,
            baseline=responses[0],
            previous=responses[-2],
            latest=responses[-1],
            responses_count=len(responses),
        )
        SessionNote.objects.bulk_create(
            SessionNote(
                practice=practice,
                client=client,
                author=owner,
                started_at=first + datetime.timedelta(days=14 * week, hours=10),
                time_zone="Europe/London",
                session_date=(first + datetime.timedelta(days=14 * week)).date(),
                duration_minutes=50,
                content={"text": NOTE},
                search_text=NOTE,
                status=SessionNote.Status.SIGNED,
                signed_at=first + datetime.timedelta(days=14 * week, hours=11),
                signed_by=owner,
            )
            for week in range(26)
        )
    return practice, owner, people


def ecr_answers(anxiety: int, avoidance: int) -> list[int]:
    reversed_items = {9, 11, 20, 22, 26, 27, 28, 29, 30, 31, 33, 34, 35, 36}
    return [
        8 - (anxiety if n <= 18 else avoidance)
        if n in reversed_items
        else (anxiety if n <= 18 else avoidance)
        for n in range(1, 37)
    ]


def new_report(client, owner):
    from clients.models import Report

    today = timezone.localdate()
    return Report.objects.create(
        practice=client.practice,
        client=client,
        requested_by=owner,
        period_start=today - datetime.timedelta(days=365),
        period_end=today,
        include_notes=True,
    )


# --- Measurements -----------------------------------------------------------------------------


def report_html(report) -> str:
    """The HTML the pipeline lays out for ``report`` (already rendered once)."""
    from clients.reports import content

    return content.render_html(content.gather(report, None, lambda percent: None))


def bare_weasyprint(html: str):
    """A bare WeasyPrint render of ``html``: the pipeline's own fetcher and render options, in
    this process, written to a scratch file, with a new font configuration as WeasyPrint makes
    by default (the pipeline's child reuses its worker's, ``pdf.shared_fonts``)."""
    from clients.reports import pdf

    target = Path(tempfile.gettempdir()) / f"attune-bench-bare-{os.getpid()}.pdf"
    return lambda: pdf._write_pdf(html, target)


def chromium_print(html: str):
    """A context manager giving a function that prints ``html`` to PDF in a warm headless
    Chromium (one page kept open, as a rendering service would); ``None`` without Chromium.
    Requests for our static files are answered from disk, anything else is refused, as the
    pipeline's fetcher does."""
    from clients.reports import pdf

    @contextlib.contextmanager
    def printer():
        if not Path(CHROMIUM).exists():
            print(f"Chromium not found at {CHROMIUM}: skipping its print.")
            yield None
            return
        from playwright.sync_api import sync_playwright

        def serve(route):
            path = pdf.static_path_for(route.request.url)
            route.abort() if path is None else route.fulfill(path=str(path))

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
            )
            page = browser.new_page()
            page.route("**/*", serve)

            def run():
                page.set_content(html)
                page.pdf(prefer_css_page_size=True, display_header_footer=False)

            try:
                yield run
            finally:
                browser.close()

    return printer()


def measure_render(client, owner, repeat: int) -> dict:
    from clients.models import Report
    from clients.reports import services

    reports = []

    def one_report():
        report = new_report(client, owner)
        services.render(report.pk)
        reports.append(report.pk)

    one_report()
    html = report_html(Report.objects.get(pk=reports[-1]))
    with chromium_print(html) as chromium:
        # Interleaved, so the three see the machine at the same moments.
        runs = {"typical": one_report, "bare": bare_weasyprint(html)}
        if chromium:
            runs["chromium"] = chromium
        for run in runs.values():
            run()  # warm: imports, fonts, caches
        times = {name: [] for name in runs}
        for _ in range(repeat):
            for name, run in runs.items():
                started = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - started)
        # Inside Playwright's event loop Django opened a connection of that context; close it,
        # or the bench's database cannot be dropped at the end.
        connections.close_all()
    last = Report.objects.get(pk=reports[-1])
    assert last.status == Report.Status.READY, last.error_message
    result = {name: statistics.median(values) for name, values in times.items()}
    return {
        **result,
        "chromium": result.get("chromium"),
        "fastest": min(times["typical"]),
        "slowest": max(times["typical"]),
        "pages": last.page_count,
        "size": last.file_size,
        "html": len(html),
        "svg_elements": html_svg_elements(html),
        "repeat": repeat,
    }


def html_svg_elements(html: str) -> int:
    """Elements inside the report's SVG charts (embedded as base64 ``data:`` URIs)."""
    return sum(
        len(re.findall(r"<[A-Za-z]", base64.b64decode(encoded).decode("utf-8")))
        for encoded in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)
    )


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{Path(db['NAME']).resolve()}"


def measure_batch(practice, owner, clients, count: int) -> dict | None:
    """Drain a batch of ``count`` reports with a two-process worker; ``None`` without Redis."""
    from clients.models import Report
    from clients.reports import batches, services
    from clients.tasks import render_report
    from practice.celery import app as celery_app

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        print("REDIS_URL is not set: skipping the batch (it needs a real broker).")
        return None
    queue = f"attune-bench-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url,
        "MEDIA_ROOT": str(MEDIA),
        "LOG_LEVEL": "WARNING",
    }
    log_path = Path(tempfile.gettempdir()) / f"{queue}.log"
    command = [
        *(sys.executable, "-m", "celery", "-A", "practice", "worker", "--pool=prefork"),
        *("--concurrency=2", "--loglevel=WARNING", "-Q", queue, "-n", f"{queue}@%h"),
        *("--without-heartbeat", "--without-gossip", "--without-mingle"),
    ]
    with log_path.open("wb") as log:
        worker = subprocess.Popen(  # noqa: S603 - a fixed command line
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        with celery_app.connection_for_write(redis_url) as conn:
            conn.ensure_connection(max_retries=3)
            # Wait until the worker consumes: a throwaway message tells us.
            ping = new_report(clients[0], owner)
            render_report.apply_async((str(ping.pk),), queue=queue, connection=conn)
            wait_for([ping.pk], 120)

            def enqueue(report_id):
                render_report.apply_async((report_id,), queue=queue, connection=conn)

            render_report.delay = enqueue  # the batch's on-commit enqueue goes to our queue
            today = timezone.localdate()
            started = time.perf_counter()
            batch = batches.request_batch(
                owner,
                practice,
                batches.batch_clients(owner, practice, "practice").filter(
                    pk__in=[c.pk for c in clients[:count]]
                ),
                "Bench batch",
                services.ReportOptions(
                    period_start=today - datetime.timedelta(days=365),
                    period_end=today,
                    include_notes=True,
                ),
            )
            ids = list(batch.reports.values_list("pk", flat=True))
            wait_for(ids, 30 * 60)
            elapsed = time.perf_counter() - started
        statuses = list(Report.objects.filter(pk__in=ids).values_list("status", flat=True))
        return {
            "count": len(ids),
            "seconds": elapsed,
            "ready": statuses.count(Report.Status.READY),
            "failed": statuses.count(Report.Status.FAILED),
        }
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def wait_for(ids, seconds: float) -> None:
    from clients.models import Report

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not Report.objects.filter(pk__in=ids, status__in=Report.UNFINISHED).exists():
            return
        time.sleep(0.2)
    raise SystemExit(f"reports still unfinished after {seconds}s")


# --- Report -----------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} CPUs{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}, "
        f"{connection.vendor} database"
    )


def markdown(render: dict, batch: dict | None, quick: bool) -> str:
    verdict = "meets" if render["typical"] < TARGET_RENDER else "misses"
    lines = [
        START,
        "## PDF reports (`bench/bench_reports.py`)",
        "",
        f"Run {timezone.now():%Y-%m-%d %H:%M} UTC{' (quick mode)' if quick else ''} on {machine()}."
        f" Load average (1 min) {LOAD_AT_START:.1f} at the start, {os.getloadavg()[0]:.1f} at the"
        " end: the CPUs are shared with whatever else runs on the machine.",
        "",
        "| measurement | result |",
        "| --- | --- |",
        f"| typical report, whole pipeline in a warm process (median of {render['repeat']}) | "
        f"{render['typical'] * 1000:.0f} ms ({render['fastest'] * 1000:.0f}-"
        f"{render['slowest'] * 1000:.0f} ms); {render['pages']} pages, "
        f"{render['size'] / 1024:.0f} KB; HTML {render['html'] / 1024:.0f} KB, "
        f"{render['svg_elements']} SVG elements in its charts |",
        f"| bare WeasyPrint render of the same HTML (median) | {render['bare'] * 1000:.0f} ms |",
        f"| pipeline / bare WeasyPrint | {render['typical'] / render['bare']:.2f}x "
        f"(target at most {TARGET_OVER_BARE}x) |",
    ]
    if render["chromium"]:
        lines += [
            f"| warm headless Chromium printing the same HTML to PDF (median) | "
            f"{render['chromium'] * 1000:.0f} ms |",
            f"| pipeline / Chromium | {render['typical'] / render['chromium']:.1f}x "
            f"(target at most {TARGET_OVER_CHROMIUM:.0f}x) |",
            f"| bare WeasyPrint / Chromium | {render['bare'] / render['chromium']:.1f}x |",
        ]
    if batch:
        rate = batch["count"] / batch["seconds"] * 60
        lines.append(
            f"| batch of {batch['count']} reports, 2 worker processes on Redis | "
            f"{batch['seconds']:.1f} s ({rate:.0f} reports/min; {batch['ready']} ready, "
            f"{batch['failed']} failed) |"
        )
    lines += [
        "",
        "The typical report: clinical record, a year of monthly ECR-R answers (trajectory and "
        "anxiety x avoidance charts, score table, style and earned security), 26 fortnightly "
        "signed-note summaries. The pipeline time includes reading the data, the charts, the "
        "template, laying out in the bounded child process and storing the file. The bare "
        "render takes WeasyPrint's defaults (a new font configuration per document, Python's "
        "garbage collector as it is); the pipeline's child lays out with a font configuration "
        "its worker filled once at start (`pdf.shared_fonts`) and leaves the objects it "
        "inherited out of its garbage collector (`gc.freeze`).",
        "",
        "The three renders are interleaved (pipeline, bare, Chromium, repeated), so each ratio "
        "compares moments of the same machine; other work on the shared CPUs moves the "
        "milliseconds, much less the ratios.",
        "",
        f"Targets: typical report under {TARGET_RENDER:.0f} s median in a warm worker "
        f"({verdict} it)"
        + (_batch_verdict(batch) if batch else ".")
        + f" Pipeline at most {TARGET_OVER_BARE}x the bare render of its HTML ("
        + _meets(render["typical"] / render["bare"] <= TARGET_OVER_BARE)
        + f") and at most {TARGET_OVER_CHROMIUM:.0f}x Chromium's print of it ("
        + (
            _meets(render["typical"] / render["chromium"] <= TARGET_OVER_CHROMIUM)
            if render["chromium"]
            else "not measured: no Chromium"
        )
        + ").",
        "",
        *FINDINGS,
        END,
    ]
    return "\n".join(lines) + "\n"


def _meets(ok: bool) -> str:
    return "meets it" if ok else "misses it"


def _batch_verdict(batch: dict) -> str:
    projected = batch["seconds"] * 200 / batch["count"]
    verdict = "meets" if projected < TARGET_BATCH_200 else "misses"
    scaled = "" if batch["count"] == 200 else f", {projected:.0f} s projected for 200"
    return f"; 200 reports in under {TARGET_BATCH_200 / 60:.0f} minutes ({verdict} it{scaled})."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small numbers; writes no file")
    parser.add_argument("--reports", type=int, help="reports in the batch (default 200, quick 6)")
    parser.add_argument("--repeat", type=int, help="renders for the median (default 15, quick 3)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    count = args.reports or (6 if args.quick else 200)
    repeat = args.repeat or (3 if args.quick else 15)

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        f"attune_bench_{os.getpid()}"
        if settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
        else str(Path(tempfile.gettempdir()) / f"attune_bench_{os.getpid()}.sqlite3")
    )
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        print(f"Building a practice of {count} clients...", flush=True)
        practice, owner, people = build_practice(count)
        render = measure_render(people[0], owner, repeat)
        print(
            f"typical report {render['typical'] * 1000:.0f} ms median ({render['pages']} pages), "
            f"bare WeasyPrint of its HTML {render['bare'] * 1000:.0f} ms, Chromium "
            + (f"{render['chromium'] * 1000:.0f} ms" if render["chromium"] else "not measured"),
            flush=True,
        )
        batch = measure_batch(practice, owner, people, count)
        if batch:
            print(f"batch of {batch['count']}: {batch['seconds']:.1f} s ({batch['failed']} failed)")
        section = markdown(render, batch, args.quick)
        print(section)
        if not args.quick and not args.no_write:
            write_section(section, START, END)
            print(f"Wrote {RESULTS}")
    finally:
        connection.close()
        teardown_databases(databases, verbosity=0)


if __name__ == "__main__":
    main()
