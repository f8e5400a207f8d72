"""The Docker image carries PostgreSQL client tools of the compose server's major version (issue
17): ``manage.py backup`` and ``restore`` run ``pg_dump`` and ``pg_restore``, which refuse a
server newer than themselves, and Debian bookworm's own client is older than compose's server.

No Docker engine runs here, so the test reads the Dockerfile and the compose file."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def compose_server_major(compose: dict) -> int:
    """The major version of the compose file's PostgreSQL image (``postgres:16`` -> 16)."""
    images = [
        service["image"]
        for service in compose["services"].values()
        if str(service.get("image", "")).split(":")[0].endswith("postgres")
    ]
    assert len(images) == 1, f"expected one PostgreSQL service, found {images}"
    match = re.match(r"^(?:.*/)?postgres:(\d+)", images[0])
    assert match, f"the PostgreSQL image {images[0]!r} names no major version"
    return int(match[1])


def image_client_major(dockerfile: str) -> int:
    """The major version of ``postgresql-client-N`` the image installs (through ``PG_MAJOR``)."""
    installed = re.findall(r"postgresql-client-(\$\{PG_MAJOR\}|\d+)", dockerfile)
    assert installed, "the Dockerfile installs no postgresql-client-N"
    majors = set()
    for version in installed:
        if version == "${PG_MAJOR}":
            arg = re.search(r"^ARG PG_MAJOR=(\d+)\s*$", dockerfile, re.MULTILINE)
            assert arg, "postgresql-client-${PG_MAJOR} without an ARG PG_MAJOR=N default"
            version = arg[1]
        majors.add(int(version))
    assert len(majors) == 1, f"the Dockerfile installs several client versions: {majors}"
    return majors.pop()


def test_the_image_client_matches_the_compose_server():
    assert image_client_major(_dockerfile()) == compose_server_major(_compose())


def test_the_client_comes_from_the_pgdg_repository_of_the_base_image_release():
    """Bookworm's own archive has no postgresql-client-16: the PGDG line must name the base
    image's Debian release, signed by a key the build fetches into the keyring it names."""
    dockerfile = _dockerfile()
    release = re.search(r"^FROM python:[\w.]+-slim-(\w+)\s*$", dockerfile, re.MULTILINE)
    assert release, "the base image names no Debian release"
    source = re.search(
        r"deb \[signed-by=(\S+)\] https://apt\.postgresql\.org/pub/repos/apt (\S+) main",
        dockerfile,
    )
    assert source, "no PGDG apt source in the Dockerfile"
    assert source[2] == f"{release[1]}-pgdg"
    assert f"-o {source[1]}" in dockerfile, "the signing key is not fetched where apt looks"
    # The client is installed after the source is added and the lists are read again.
    assert dockerfile.index("pgdg.list") < dockerfile.rindex("apt-get update")
    assert dockerfile.rindex("apt-get update") < dockerfile.index("postgresql-client-")


def test_the_check_reads_the_major_versions():
    """The helpers see a mismatch: a client 15 against a server 16 differs."""
    assert (
        image_client_major("ARG PG_MAJOR=15\nRUN apt-get install postgresql-client-${PG_MAJOR}")
        == 15
    )
    assert image_client_major("RUN apt-get install postgresql-client-17") == 17
    assert (
        compose_server_major({"services": {"db": {"image": "docker.io/library/postgres:16.4"}}})
        == 16
    )
    with pytest.raises(AssertionError):
        image_client_major("RUN apt-get install postgresql-client")


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="needs the docker-compose command")
def test_the_compose_file_is_valid():
    subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        check=True,
        cwd=ROOT,
    )
