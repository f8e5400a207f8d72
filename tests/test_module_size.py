"""No module outside migrations and tests passes 600 lines (STYLE.md: split a module into a
package, by what its parts are about, before it gets there)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("practice", "clients", "assessments", "bench")
LIMIT = 600


def test_no_module_over_the_limit():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert too_long == {}, f"split these modules (over {LIMIT} lines): {too_long}"


def test_the_walk_reads_the_apps():
    assert len([p for p in (ROOT / "practice").rglob("*.py") if "migrations" not in p.parts]) > 20
