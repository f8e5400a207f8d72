"""Every model change has its migration (issue 15 added one, ``clients.0010_client_language``):
the same check as ``make check``'s ``makemigrations --check``, so CI fails on a forgotten one."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_its_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:  # --check exits 1 when a migration would be written
        raise AssertionError(f"makemigrations would write:\n{out.getvalue()}") from None
