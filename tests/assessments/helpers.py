"""Shared test helpers: the shipped definitions, the verified reference data, small builders."""

import copy
import json
from functools import cache
from pathlib import Path

from assessments import loader

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"


@cache
def _shipped() -> dict[str, dict]:
    return {definition["code"]: definition for definition in loader.load_directory()}


def shipped(code: str) -> dict:
    """A fresh copy of a shipped definition, as the loader produces it."""
    return copy.deepcopy(_shipped()[code])


def shipped_codes() -> list[str]:
    return sorted(_shipped())


def reference(name: str) -> dict:
    """The verified reference data (a copy of shared/reference/instruments/<name>.json)."""
    return json.loads((REFERENCE_DIR / f"{name}.json").read_text(encoding="utf-8"))


def custom_definition(**changes) -> dict:
    """A small, valid custom instrument: two subscales of three 1-5 items, one reversed."""
    data = {
        "format_version": 1,
        "code": "test-scale",
        "name": "Test scale",
        "version": "1",
        "language": "en",
        "citations": [{"text": "Test citation."}],
        "licence": {"note": "Test licence note."},
        "scale": {"min": 1, "max": 5, "labels": [{"value": 1, "label": "No"}]},
        "items": [
            {"number": 1, "text": "One", "subscale": "a"},
            {"number": 2, "text": "Two", "subscale": "a", "reverse": True},
            {"number": 3, "text": "Three", "subscale": "a"},
            {"number": 4, "text": "Four", "subscale": "b"},
            {"number": 5, "text": "Five", "subscale": "b"},
            {"number": 6, "text": "Six", "subscale": "b"},
        ],
        "scoring": {
            "subscales": [
                {"key": "a", "label": "A", "method": "sum", "better": "lower"},
                {"key": "b", "label": "B", "method": "mean", "better": "higher"},
            ]
        },
    }
    data.update(changes)
    return data


def as_yaml(data: dict) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def load_custom(**changes) -> dict:
    (definition,) = loader.load_text(as_yaml(custom_definition(**changes)), "test.yaml")
    return definition


def custom_instrument_for(practice, owner, code: str = "ecr-s-local"):
    """A custom instrument of ``practice``, stored and cleared for use by ``owner`` (placeholder
    items: no licensed text in our tests). For tests outside tests/assessments too."""
    from assessments import services
    from assessments.models import Instrument, LicenceAcknowledgement

    definition = load_custom(
        code=code,
        name="Local attachment short form",
        licence={"note": "Used under the practice's written permission from the publisher."},
    )
    instrument = Instrument.objects.create(
        practice=practice, code=code, name=definition["name"], uploaded_by=owner
    )
    services._store_definition(instrument, definition, f"{code}.yaml")
    LicenceAcknowledgement.objects.create(
        practice=practice,
        instrument=instrument,
        licence_hash=instrument.current_version.licence_hash,
        acknowledged_by=owner,
    )
    return instrument
