"""Every module of the three apps takes its place in the layers contract (pyproject.toml,
README "What is where"), so a new module cannot sit outside the layers unchecked. Package
``__init__`` modules that only re-export their children are covered through those children."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("practice", "clients", "assessments")


def layered_modules() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers"]
    names = set()
    for layer in contract["layers"]:
        for name in layer.replace("\\", " ").replace("|", ":").split(":"):
            if name.strip():
                names.add(name.strip())
    return names


def app_modules() -> list[str]:
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "__init__.py":
                continue
            found.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return found


def test_every_module_has_a_layer():
    layered = layered_modules()
    outside = sorted(
        module
        for module in app_modules()
        if not any(module == name or module.startswith(f"{name}.") for name in layered)
    )
    assert outside == [], f"add these to a layer in pyproject.toml's layers contract: {outside}"


def test_the_walk_reads_the_contract_and_the_apps():
    assert {"clients.reports", "practice.dashboard", "assessments.scoring"} <= layered_modules()
    assert "clients.notes.timelines" in app_modules()
