"""The audit log records the client's address, trusting X-Forwarded-For only behind a proxy."""

import pytest
from django.test import RequestFactory, override_settings

from practice.audit import client_ip


def request_with(remote, xff=None):
    headers = {"HTTP_X_FORWARDED_FOR": xff} if xff else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_without_a_proxy_the_forwarded_header_is_ignored():
    assert client_ip(request_with("203.0.113.9", xff="198.51.100.1")) == "203.0.113.9"


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_rightmost_forwarded_address_is_the_client():
    assert client_ip(request_with("10.0.0.2", xff="198.51.100.7, 192.0.2.44")) == "192.0.2.44"


@pytest.mark.parametrize("remote", ["", None])
def test_no_address_is_recorded_as_none(remote):
    request = RequestFactory().get("/")
    request.META.pop("REMOTE_ADDR", None)
    if remote is not None:
        request.META["REMOTE_ADDR"] = remote
    assert client_ip(request) is None


def test_no_request_means_a_system_action():
    assert client_ip(None) is None
