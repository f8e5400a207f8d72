"""The audit log's table stays inside the page on a laptop screen (issue 16): at 1366 px an
owner reads every column without scrolling sideways, whatever the events hold."""

import pytest

from practice.models import AuditAction
from tests.factories import PASSWORD, ClientFactory
from tests.practice.test_audit_log import event


@pytest.mark.django_db(transaction=True)
def test_the_table_fits_a_laptop_screen(chromium, live_server, alice, bob, practice_a):
    client = ClientFactory(
        practice=practice_a,
        primary_clinician=bob,
        full_name="Philippa Featherstonehaugh-Cholmondeley Fictional",
    )
    for n in range(10):
        event(
            practice_a,
            bob,
            action=AuditAction.UPDATE,
            object_type="licenceacknowledgement",
            object_id=f"{n}" * 30,
            client_id=client.pk,
            fields=["full_name", "preferred_name", "email", "date_of_birth", "time_zone"],
            ip_address="2001:0db8:85a3:0000:0000:8a2e:0370:7334",
        )
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(alice.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url("**/dashboard/")
        page.goto("/practice/audit/")
        assert page.get_by_role("link", name=client.full_name).first.is_visible()
        sizes = page.evaluate(
            """() => {
                const box = document.querySelector("table").closest(".table-wrap");
                return {page: document.documentElement.scrollWidth,
                        table: box.scrollWidth, box: box.clientWidth};
            }"""
        )
        # Neither the page nor the table's own scroll box scrolls sideways.
        assert sizes["page"] <= 1366, sizes
        assert sizes["table"] <= sizes["box"], sizes
    finally:
        context.close()
