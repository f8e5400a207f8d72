"""Fixtures for the instrument tests. The test database is built by `migrate`, which loads the
shipped library (assessments.services.sync_after_migrate)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import Instrument, LicenceAcknowledgement
from tests.assessments.helpers import as_yaml, custom_definition, custom_instrument_for


def acknowledge(practice, code, user=None) -> Instrument:
    """Clear an instrument for use in ``practice``, as its owner would on the instrument page."""
    instrument = Instrument.objects.available_to(practice).get(code=code)
    LicenceAcknowledgement.objects.get_or_create(
        practice=practice,
        instrument=instrument,
        licence_hash=instrument.current_version.licence_hash,
        defaults={"acknowledged_by": user},
    )
    return instrument


def upload(text: str, name: str = "custom.yaml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="application/x-yaml")


def ecr_s_like(**changes) -> str:
    """A practice's own instrument file (placeholder items: no licensed text in our tests)."""
    data = custom_definition(
        code="ecr-s-local",
        name="Local attachment short form",
        licence={"note": "Used under the practice's written permission from the publisher."},
    )
    data["scale"]["anchors_only"] = True  # labelled at its end, as the ECR-S's scale is
    data.update(changes)
    return as_yaml(data)


@pytest.fixture
def custom_in_b(practice_b, charlie):
    """Practice B's own custom instrument, cleared for use in B."""
    return custom_instrument_for(practice_b, charlie)
