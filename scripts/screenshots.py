"""Screenshots of Attune for the README, made from the demo data (``make screenshots``).

Seeds the fictional demo practice into a throwaway SQLite database in a temporary folder,
starts the development server on a free port, and with Chromium (Playwright) captures into
docs/screenshots/ (or the folder given with ``--out``):

- ``dashboard.png``: the caseload dashboard of the demo clinician, 1366 x 900;
- ``trajectory.png``: an attachment client's progress page (trajectory and the plane);
- ``client-form-phone.png``: a page of the client's questionnaire on a 390 x 844 phone;
- ``report-page.png``: the first page of a PDF report, rendered with ``pdftoppm`` (poppler).

Nothing outside the temporary folder is read or written except the output folder: the e-mail
queue is in memory and ``.env`` is ignored. Needs Chromium (``CHROMIUM_PATH`` or ``chromium``
on the PATH), ``pdftoppm`` and time-machine (a development dependency). The PNGs are reduced to
128 colours with Pillow (WeasyPrint's own dependency) to keep the repository small.

The demo is relative to today (sessions last week, a brief for today's appointments), so every
Python process here - seeding, server, report - runs on a clock that starts at ``DEMO_NOW``
(time-machine, ticking from there): the same pictures on any day, and no "Generated" time that
moves. ``tests/browser/test_screenshots_current.py`` captures them again in CI and fails,
through ``differences()``, when the committed ones no longer show the product as it is.
"""

import argparse
import datetime
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import time_machine

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
CLINICIAN = "clinician@example.com"
NAMES = ("dashboard", "trajectory", "client-form-phone", "report-page")
# The demo's "now": a Wednesday morning, so the dashboard's Today has its appointments.
DEMO_NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=datetime.UTC)
# Runs a Python file (sys.argv[2]) with the clock set to the timestamp in sys.argv[1].
AT_DEMO_NOW = (
    "import runpy, sys, time_machine; "
    "time_machine.travel(float(sys.argv[1]), tick=True).start(); "
    "sys.argv = sys.argv[2:]; "
    "runpy.run_path(sys.argv[0], run_name='__main__')"
)
# differences(): a pixel differs when a channel moves by more than PIXEL_LEVELS (of 255), which
# leaves out anti-aliasing and the 128-colour palette's rounding; a TILE x TILE square has
# changed when more than TILE_SHARE of its pixels differ; a picture has changed when more than
# MAX_CHANGED_SHARE of its tiles have. Measured (see tests/browser/test_screenshots_current.py):
# moving the demo's clock a day, so every date on the pages changes, changes at most 1.7% of the
# tiles (dashboard 21 of 1247); moving the dashboard's Progress links 5 px to the right, 28%.
PIXEL_LEVELS = 48
TILE = 32
TILE_SHARE = 0.02
MAX_CHANGED_SHARE = 0.03


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _at_demo_now(*args: str) -> list[str]:
    """The command line running ``manage.py *args`` on the demo's clock."""
    return [sys.executable, "-c", AT_DEMO_NOW, str(DEMO_NOW.timestamp()), "manage.py", *args]


def _manage(*args: str) -> None:
    subprocess.run(_at_demo_now(*args), cwd=ROOT, check=True)  # noqa: S603


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _environment(folder: Path) -> dict[str, str]:
    """A development configuration that keeps everything inside ``folder``."""
    return {
        "ATTUNE_SKIP_DOTENV": "1",
        "DEBUG": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "memory://",
        "DJANGO_SETTINGS_MODULE": "practice.settings",
    }


def _demo_objects():
    """The demo clinician, their client with the longest attachment history, a fresh
    questionnaire link for that client, and a rendered PDF report about them."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db.models import Count, Q

    from assessments import services
    from assessments.models import Instrument
    from clients.models import Client
    from clients.reports import services as reports
    from clients.reports import storage
    from practice.models import OutboundEmail, User

    clinician = User.objects.get(email=CLINICIAN)
    client = (
        Client.objects.visible_to(clinician)
        .filter(status=Client.Status.ACTIVE)
        .annotate(ecr=Count("responses", filter=Q(responses__instrument__code="ecr-r")))
        .order_by("-ecr", "full_name")
        .first()
    )
    phq9 = Instrument.objects.available_to(client.practice).get(code="phq-9")
    services.assign(clinician, client, [phq9], services.Plan(send_now=True))
    email = OutboundEmail.objects.filter(kind="questionnaire_invitation").latest("pk")
    link = next(word for word in email.text_body.split() if "/q/" in word)
    report = reports.request_report(
        clinician, client, reports.ReportOptions(period_start=None, period_end=None)
    )
    reports.render(report.pk)
    report.refresh_from_db()
    with storage.open_file(report) as handle:
        pdf = handle.read()
    return client, link[link.index("/q/") :], pdf


def _open(page, path: str, what: str) -> None:
    """Go to ``path``; stop, rather than photograph Django's error page, if it fails."""
    response = page.goto(path)
    if response is None or not response.ok:
        status = response.status if response is not None else "no response"
        raise SystemExit(f"screenshots: the {what} answered {status}; nothing was captured")


def _sign_in(page, email: str) -> None:
    _open(page, "/accounts/login/", "login page")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("attune-demo")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/dashboard/**")


def _shrink(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=128).save(path, optimize=True)


def _capture(base_url: str, client, link: str, pdf: bytes, folder: Path, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        desktop = browser.new_context(base_url=base_url, viewport=DESKTOP)
        page = desktop.new_page()
        _sign_in(page, CLINICIAN)
        _open(page, "/dashboard/", "dashboard")  # without the "signed in" message
        page.screenshot(path=out / "dashboard.png")
        _open(page, f"/clients/{client.pk}/progress/", "progress page")
        page.screenshot(path=out / "trajectory.png")
        phone = browser.new_context(
            base_url=base_url, viewport=PHONE, is_mobile=True, has_touch=True
        ).new_page()
        _open(phone, link, "questionnaire")
        phone.get_by_role("button", name="Start").click()
        phone.get_by_text("page 1 of").wait_for()
        phone.screenshot(path=out / "client-form-phone.png")
        browser.close()
    pdf_path = folder / "report.pdf"
    pdf_path.write_bytes(pdf)
    prefix = folder / "report-page"
    subprocess.run(  # noqa: S603 - a fixed program on the PATH, our own files
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf_path, prefix],  # noqa: S607
        check=True,
    )
    shutil.copyfile(f"{prefix}.png", out / "report-page.png")


def differences(new: Path, committed: Path) -> str | None:
    """Why the PNG ``new`` no longer shows what ``committed`` shows, or None if it does: the
    same size, and at most MAX_CHANGED_SHARE of the tiles changed (see PIXEL_LEVELS)."""
    from PIL import Image, ImageChops

    with Image.open(new) as fresh, Image.open(committed) as old:
        if fresh.size != old.size:
            return (
                f"{committed.name} is {old.size[0]}x{old.size[1]} px, "
                f"the page is {fresh.size[0]}x{fresh.size[1]} now"
            )
        red, green, blue = ImageChops.difference(fresh.convert("RGB"), old.convert("RGB")).split()
    mask = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    mask = mask.point(lambda level: 255 if level > PIXEL_LEVELS else 0)
    width, height = mask.size
    tiles = [
        (left, top, min(left + TILE, width), min(top + TILE, height))
        for top in range(0, height, TILE)
        for left in range(0, width, TILE)
    ]
    changed = [
        box
        for box in tiles
        if mask.crop(box).histogram()[255] > TILE_SHARE * (box[2] - box[0]) * (box[3] - box[1])
    ]
    if len(changed) <= MAX_CHANGED_SHARE * len(tiles):
        return None
    return (
        f"{committed.name}: {len(changed)} of its {len(tiles)} tiles of {TILE} px changed "
        f"(at most {MAX_CHANGED_SHARE:.0%} may), between x {min(box[0] for box in changed)}-"
        f"{max(box[2] for box in changed)} and y {min(box[1] for box in changed)}-"
        f"{max(box[3] for box in changed)}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=OUT,
        help=f"folder for the PNGs (default {OUT.relative_to(ROOT)})",
    )
    out = parser.parse_args(argv).out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="attune-screenshots-") as tmp:
        folder = Path(tmp)
        os.environ.update(_environment(folder))
        _manage("migrate", "--noinput", "--verbosity", "0")
        _manage("createcachetable")
        _manage("seed_demo")
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603 - a fixed command line
            _at_demo_now("runserver", "--noreload", f"127.0.0.1:{port}"), cwd=ROOT
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_for(f"{base_url}/healthz")
            with time_machine.travel(DEMO_NOW, tick=True):
                client, link, pdf = _demo_objects()
            _capture(base_url, client, link, pdf, folder, out)
        finally:
            server.terminate()
            server.wait(timeout=30)
    for name in NAMES:
        _shrink(out / f"{name}.png")
        print(f"wrote {out / f'{name}.png'}")


if __name__ == "__main__":
    main()
