"""STORAGE_BACKEND picks where report, export and import files live: this machine's disk by
default, an S3-compatible object store when told, with every S3 variable read (secrets from
NAME_FILE too) and a missing bucket or unknown backend refused at start-up."""

import json

from django.core.files.base import ContentFile

from practice.storage import LocalStorage
from tests.practice.test_settings import GOOD_KEY, load_settings

SHOW_DEFAULT_STORAGE = (
    "import json, practice.settings as s; print(json.dumps(s.STORAGES['default']))"
)


def default_storage_for(**env) -> dict:
    result = load_settings(SHOW_DEFAULT_STORAGE, DEBUG="false", SECRET_KEY=GOOD_KEY, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_local_disk_is_the_default():
    assert default_storage_for() == {"BACKEND": "practice.storage.LocalStorage"}


def test_s3_reads_every_variable_and_secrets_from_files(tmp_path):
    secret = tmp_path / "s3-secret"
    secret.write_text("from-a-file")
    storage = default_storage_for(
        STORAGE_BACKEND="s3",
        S3_BUCKET="attune-files",
        S3_PREFIX="/practice-one/",
        S3_ENDPOINT_URL="http://127.0.0.1:9000",
        S3_REGION="eu-west-2",
        S3_ACCESS_KEY_ID="key-id",
        S3_SECRET_ACCESS_KEY_FILE=str(secret),
        S3_ADDRESSING_STYLE="path",
    )
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert (
        options["bucket_name"],
        options["location"],
        options["endpoint_url"],
        options["region_name"],
        options["access_key"],
        options["secret_key"],
        options["addressing_style"],
    ) == (
        "attune-files",
        "practice-one",
        "http://127.0.0.1:9000",
        "eu-west-2",
        "key-id",
        "from-a-file",
        "path",
    )
    # Never a public object, never an overwritten one.
    assert options["default_acl"] is None
    assert options["file_overwrite"] is False


def test_s3_without_credentials_leaves_them_to_boto3():
    options = default_storage_for(STORAGE_BACKEND="s3", S3_BUCKET="attune-files")["OPTIONS"]
    assert (options["access_key"], options["secret_key"], options["endpoint_url"]) == (
        None,
        None,
        None,
    )


def test_s3_without_a_bucket_or_an_unknown_backend_stops_start_up():
    missing = load_settings(DEBUG="true", STORAGE_BACKEND="s3")
    assert missing.returncode != 0
    assert "S3_BUCKET" in missing.stderr
    unknown = load_settings(DEBUG="true", STORAGE_BACKEND="ftp")
    assert unknown.returncode != 0
    assert "STORAGE_BACKEND must be local or s3" in unknown.stderr
    style = load_settings(
        DEBUG="true", STORAGE_BACKEND="s3", S3_BUCKET="b", S3_ADDRESSING_STYLE="x"
    )
    assert "S3_ADDRESSING_STYLE" in style.stderr


def test_the_local_storage_removes_the_folders_a_deletion_empties(tmp_path):
    storage = LocalStorage(location=tmp_path)
    kept = storage.save("reports/1/a/kept.pdf", ContentFile(b"%PDF"))
    gone = storage.save("reports/1/b/gone.pdf", ContentFile(b"%PDF"))
    storage.delete(gone)
    assert not (tmp_path / "reports/1/b").exists()
    assert (tmp_path / "reports/1/a").is_dir()  # a folder still holding a file stays
    storage.delete(kept)
    assert not (tmp_path / "reports").exists()
    assert tmp_path.is_dir()  # never above the storage's own root
