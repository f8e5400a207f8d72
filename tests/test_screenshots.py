"""The README's screenshots (issue 15): each one the README shows is in docs/screenshots/, is a
small PNG of the size ``make screenshots`` captures, and the script that makes them keeps its
database, files and e-mail queue out of the developer's own (``var/``, ``.env``)."""

import datetime
import importlib.util
import os
import re
import struct
import subprocess
import types
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "docs" / "screenshots"
MAX_BYTES = 120_000


def _script():
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts/screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_the_readme_opens_with_the_four_screenshots():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    opening = readme.split("## Quick start")[0]
    shown = re.findall(r"\]\((docs/screenshots/[^)]+)\)", opening)
    assert shown == [
        "docs/screenshots/dashboard.png",
        "docs/screenshots/trajectory.png",
        "docs/screenshots/client-form-phone.png",
        "docs/screenshots/report-page.png",
    ]
    for path in shown:
        assert (ROOT / path).stat().st_size <= MAX_BYTES, f"{path} is too large for the repo"


def test_the_pngs_have_the_captured_sizes():
    script = _script()
    desktop = (script.DESKTOP["width"], script.DESKTOP["height"])
    assert _png_size(SHOTS / "dashboard.png") == desktop
    assert _png_size(SHOTS / "trajectory.png") == desktop
    assert _png_size(SHOTS / "client-form-phone.png") == (
        script.PHONE["width"],
        script.PHONE["height"],
    )
    width, height = _png_size(SHOTS / "report-page.png")
    assert height > width  # an A4 page, portrait


def test_the_script_keeps_everything_in_its_throwaway_folder(tmp_path):
    environment = _script()._environment(tmp_path)
    assert environment["DATABASE_URL"] == f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    assert Path(environment["MEDIA_ROOT"]).parent == tmp_path
    assert environment["CELERY_BROKER_URL"] == "memory://"
    assert environment["ATTUNE_SKIP_DOTENV"] == "1"
    assert environment["DEBUG"] == "true"  # seed_demo refuses to run otherwise


def test_the_script_runs_the_demo_on_its_fixed_clock(tmp_path):
    script = _script()
    environment = {**os.environ, **script._environment(tmp_path)}
    shown = subprocess.run(
        script._at_demo_now(
            "shell", "-c", "from django.utils import timezone; print(timezone.now())"
        ),
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # Whatever today is: the seeding, the server and the report all see DEMO_NOW.
    now = datetime.datetime.fromisoformat(shown.splitlines()[-1])
    assert datetime.timedelta(0) <= now - script.DEMO_NOW < datetime.timedelta(minutes=1)


def _dated(base: Image.Image, day: int, shift: int = 0) -> Image.Image:
    """``base`` with twenty dates written down the right, as the dashboard's Next due column,
    and everything below y 300 moved ``shift`` px to the right."""
    image = base.copy()
    if shift:
        image.paste(base.crop((0, 300, base.width - shift, base.height)), (shift, 300))
    draw = ImageDraw.Draw(image)
    for row in range(20):
        box = (1000, 320 + row * 28, 1200, 340 + row * 28)
        draw.rectangle(box, fill="white")
        draw.text(box[:2], f"{day} Dec 2026", fill="black", font_size=15)
    return image


def test_a_change_of_dates_passes_the_check_and_a_moved_layout_fails_it(tmp_path):
    script = _script()
    with Image.open(SHOTS / "dashboard.png") as committed:
        base = committed.convert("RGB")
    _dated(base, 13).save(tmp_path / "dashboard.png")
    _dated(base, 14).save(tmp_path / "next-day.png")
    _dated(base, 13, shift=5).save(tmp_path / "moved.png")
    base.crop((0, 0, base.width, base.height - 40)).save(tmp_path / "shorter.png")

    assert script.differences(tmp_path / "dashboard.png", tmp_path / "dashboard.png") is None
    assert script.differences(tmp_path / "next-day.png", tmp_path / "dashboard.png") is None
    moved = script.differences(tmp_path / "moved.png", tmp_path / "dashboard.png")
    assert moved.startswith("dashboard.png: ") and "tiles of 32 px changed" in moved
    assert script.differences(tmp_path / "shorter.png", tmp_path / "dashboard.png") == (
        "dashboard.png is 1366x900 px, the page is 1366x860 now"
    )


class _Page:
    """Just enough of a Playwright page: ``goto`` answers with the given status."""

    def __init__(self, status: int):
        self.status = status

    def goto(self, path):
        return types.SimpleNamespace(status=self.status, ok=self.status < 400)


def test_the_script_stops_rather_than_capture_an_error_page():
    script = _script()
    script._open(_Page(200), "/dashboard/", "dashboard")
    with pytest.raises(SystemExit, match="the dashboard answered 500; nothing was captured"):
        script._open(_Page(500), "/dashboard/", "dashboard")
