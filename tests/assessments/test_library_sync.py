"""Loading the shipped library into the database: on migrate, idempotently, with versions."""

import shutil

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from assessments import loader, services
from assessments.models import Instrument, InstrumentVersion
from tests.assessments.helpers import as_yaml, custom_definition
from tests.assessments.test_loader import SHIPPED

pytestmark = pytest.mark.django_db


def test_migrate_leaves_the_library_loaded():
    assert sorted(Instrument.objects.shipped().values_list("code", flat=True)) == SHIPPED
    for instrument in Instrument.objects.shipped().select_related("current_version"):
        assert instrument.current_version.number == 1
        assert instrument.name == instrument.current_version.definition["name"]


@pytest.mark.parametrize("code", SHIPPED)
def test_stored_definitions_round_trip_through_the_loader(code):
    stored = Instrument.objects.shipped().get(code=code).current_version
    loaded = {definition["code"]: definition for definition in loader.load_directory()}[code]
    assert stored.definition == loaded
    assert stored.content_hash == loader.content_hash(stored.definition)
    loader.validate_definition(stored.definition, code)


def test_sync_is_idempotent(capsys):
    report = services.sync_shipped_instruments()
    assert (report.created, report.new_versions, report.retired) == ([], [], [])
    assert sorted(report.unchanged) == SHIPPED
    assert InstrumentVersion.objects.count() == len(SHIPPED)
    call_command("sync_instruments")
    assert "0 added, 0 with a new version, 10 unchanged" in capsys.readouterr().out
    # The post_migrate hook is the same operation.
    services.sync_after_migrate(apps.get_app_config("assessments"), verbosity=0)
    assert InstrumentVersion.objects.count() == len(SHIPPED)


@pytest.fixture
def library(tmp_path):
    """A copy of the shipped library that a test may edit."""
    for path in loader.INSTRUMENTS_DIR.iterdir():
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def test_a_changed_file_adds_a_version_and_old_versions_stay(library):
    original = Instrument.objects.shipped().get(code="gad-7").current_version
    path = library / "gad-7.yaml"
    path.write_text(path.read_text().replace('label: "Mild"', 'label: "Mild anxiety"'))
    report = services.sync_shipped_instruments(library)
    assert report.new_versions == ["gad-7"]
    gad = Instrument.objects.shipped().get(code="gad-7")
    assert gad.current_version.number == 2
    assert gad.current_version.definition["scoring"]["subscales"][0]["bands"][1]["label"] == (
        "Mild anxiety"
    )
    original.refresh_from_db()
    assert original.definition["scoring"]["subscales"][0]["bands"][1]["label"] == "Mild"
    # Syncing again changes nothing; restoring the old file makes version 1 current again.
    assert services.sync_shipped_instruments(library).new_versions == []
    shutil.copy(loader.INSTRUMENTS_DIR / "gad-7.yaml", path)
    services.sync_shipped_instruments(library)
    gad.refresh_from_db()
    assert gad.current_version == original
    assert gad.versions.count() == 2


def test_layout_only_changes_do_not_add_a_version(library):
    path = library / "phq-9.yaml"
    path.write_text("# A comment added at the top.\n" + path.read_text())
    assert services.sync_shipped_instruments(library).new_versions == []


def test_a_removed_file_retires_its_instrument_but_keeps_its_versions(library):
    (library / "limiting-beliefs.yaml").unlink()
    report = services.sync_shipped_instruments(library)
    assert report.retired == ["limiting-beliefs"]
    worksheet = Instrument.objects.get(code="limiting-beliefs")
    assert not worksheet.is_active
    assert worksheet.versions.count() == 1
    assert not Instrument.objects.available_to(None).exists()


def test_a_broken_file_fails_loudly_and_changes_nothing(library, monkeypatch):
    (library / "new.yaml").write_text(as_yaml(custom_definition(code="new-one")))
    path = library / "gad-7.yaml"
    path.write_text(path.read_text().replace("method: sum", "method: total"))
    with pytest.raises(loader.InstrumentFileError) as caught:
        services.sync_shipped_instruments(library)
    assert "gad-7.yaml, line" in str(caught.value)
    assert "scoring.subscales[0].method" in str(caught.value)
    assert not Instrument.objects.filter(code="new-one").exists()
    monkeypatch.setattr(loader, "INSTRUMENTS_DIR", library)
    with pytest.raises(CommandError, match=r"gad-7\.yaml, line"):
        call_command("sync_instruments")


def test_versions_are_immutable():
    version = Instrument.objects.shipped().get(code="phq-9").current_version
    version.definition["name"] = "Changed"
    with pytest.raises(PermissionError):
        version.save()
