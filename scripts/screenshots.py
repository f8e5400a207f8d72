"""Screenshots of Attune for the README, made from the demo data (``make screenshots``).

Seeds the fictional demo practice into a throwaway SQLite database in a temporary folder,
starts the development server on a free port, and with Chromium (Playwright) captures into
docs/screenshots/:

- ``dashboard.png``: the caseload dashboard of the demo clinician, 1366 x 900;
- ``trajectory.png``: an attachment client's progress page (trajectory and the plane);
- ``client-form-phone.png``: a page of the client's questionnaire on a 390 x 844 phone;
- ``report-page.png``: the first page of a PDF report, rendered with ``pdftoppm`` (poppler).

Nothing outside the temporary folder is read or written except docs/screenshots/: the e-mail
queue is in memory and ``.env`` is ignored. Needs Chromium (``CHROMIUM_PATH`` or ``chromium``
on the PATH) and ``pdftoppm``. The PNGs are reduced to 128 colours with Pillow (WeasyPrint's
own dependency) to keep the repository small.
"""

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

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
CLINICIAN = "clinician@example.com"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)  # noqa: S603


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


def _sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("attune-demo")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/dashboard/**")


def _shrink(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=128).save(path, optimize=True)


def _capture(base_url: str, client, link: str, pdf: bytes, folder: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        desktop = browser.new_context(base_url=base_url, viewport=DESKTOP)
        page = desktop.new_page()
        _sign_in(page, CLINICIAN)
        page.goto("/dashboard/")  # without the "signed in" message
        page.screenshot(path=OUT / "dashboard.png")
        page.goto(f"/clients/{client.pk}/progress/")
        page.screenshot(path=OUT / "trajectory.png")
        phone = browser.new_context(
            base_url=base_url, viewport=PHONE, is_mobile=True, has_touch=True
        ).new_page()
        phone.goto(link)
        phone.get_by_role("button", name="Start").click()
        phone.get_by_text("page 1 of").wait_for()
        phone.screenshot(path=OUT / "client-form-phone.png")
        browser.close()
    pdf_path = folder / "report.pdf"
    pdf_path.write_bytes(pdf)
    prefix = folder / "report-page"
    subprocess.run(  # noqa: S603 - a fixed program on the PATH, our own files
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf_path, prefix],  # noqa: S607
        check=True,
    )
    shutil.copyfile(f"{prefix}.png", OUT / "report-page.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="attune-screenshots-") as tmp:
        folder = Path(tmp)
        os.environ.update(_environment(folder))
        _manage("migrate", "--noinput", "--verbosity", "0")
        _manage("createcachetable")
        _manage("seed_demo")
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603 - a fixed command line
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_for(f"{base_url}/healthz")
            client, link, pdf = _demo_objects()
            _capture(base_url, client, link, pdf, folder)
        finally:
            server.terminate()
            server.wait(timeout=30)
    for name in ("dashboard", "trajectory", "client-form-phone", "report-page"):
        _shrink(OUT / f"{name}.png")
        print(f"wrote {(OUT / f'{name}.png').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
