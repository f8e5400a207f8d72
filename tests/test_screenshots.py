"""The README's screenshots (issue 15): each one the README shows is in docs/screenshots/, is a
small PNG of the size ``make screenshots`` captures, and the script that makes them keeps its
database, files and e-mail queue out of the developer's own (``var/``, ``.env``)."""

import importlib.util
import re
import struct
from pathlib import Path

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
