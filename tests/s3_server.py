"""A real S3-protocol server on loopback for the object-storage tests: moto in server mode,
started once per test session on a free port, reached over HTTP by boto3 exactly as a
production object store would be (the integration tests' other processes reach it too).

``s3_storage`` points Django's default storage at a fresh bucket of the test's own, with the
settings ``STORAGE_BACKEND=s3`` produces (``s3_environment`` gives the same as environment
variables for processes started by a test).
"""

import secrets
import socket
from dataclasses import dataclass

import boto3
import pytest
from moto.server import ThreadedMotoServer

REGION = "eu-west-2"
# moto accepts any credentials; these name nothing real.
ACCESS_KEY, SECRET_KEY = "attune-test-key", "attune-test-secret"


@dataclass
class S3Server:
    endpoint_url: str

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def new_bucket(self) -> str:
        name = f"attune-test-{secrets.token_hex(6)}"
        self.client().create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        return name

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object in ``bucket``, by key, with its bytes."""
        s3 = self.client()
        listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
        return {
            item["Key"]: s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            for item in listed
        }

    def environment(self, bucket: str) -> dict[str, str]:
        """The environment variables that point Attune at ``bucket``."""
        return {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "S3_ADDRESSING_STYLE": "path",
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(endpoint_url=f"http://{host}:{port}")
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server) -> str:
    return s3_server.new_bucket()


@pytest.fixture
def s3_storage(settings, s3_server, s3_bucket) -> str:
    """Django's default storage is the test's own bucket; returns the bucket's name."""
    settings.STORAGES = settings.STORAGES | {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": s3_bucket,
                "endpoint_url": s3_server.endpoint_url,
                "region_name": REGION,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "addressing_style": "path",
                "file_overwrite": False,
                "default_acl": None,
            },
        }
    }
    return s3_bucket
