"""In real Chromium on a 320-pixel-wide phone: an owner adds a webhook endpoint with a long
address, copies its secret, sees a delivery that failed and then succeeded with each attempt's
answer, and sends it again; no page scrolls sideways, and status is never colour alone."""

import pytest

from practice import webhooks
from practice.models import WebhookDelivery, WebhookEndpoint
from tests.browser.test_reflow import signed_in, too_wide
from tests.practice.webhook_helpers import receiver

LONG_PATH = "/integrations/attune/webhooks/receive-events-for-the-practice-record-system-0001"


@pytest.mark.django_db(transaction=True)
def test_an_owner_adds_an_endpoint_and_follows_its_deliveries_on_a_phone(
    chromium, live_server, alice, practice_a, settings
):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    context, page = signed_in(chromium, live_server, alice)
    try:
        page.set_viewport_size({"width": 320, "height": 640})
        with receiver(500, 200) as hook:
            page.goto("/practice/settings/")
            page.get_by_role("link", name="Webhooks").click()
            assert not too_wide(page)
            page.get_by_role("link", name="Add an endpoint").click()
            page.get_by_label("Address (https://…)").fill(hook.url + LONG_PATH)
            page.get_by_label("Description").fill("Record system")
            events = page.get_by_role("group", name="Events to send")
            events.get_by_label("A questionnaire was completed").check()
            events.get_by_label("An alert was raised").check()
            page.get_by_label("Active: send events to it").check()
            assert not too_wide(page)
            page.get_by_role("button", name="Add endpoint").click()

            endpoint = WebhookEndpoint.objects.get()
            assert page.get_by_role("textbox", name="Secret").input_value() == endpoint.secret
            assert endpoint.events == ["questionnaire.completed", "alert.raised"]
            assert not too_wide(page)

            (delivery,) = webhooks.emit(practice_a.pk, webhooks.ALERT_RAISED, alert_id=41)
            webhooks.deliver_webhook.apply(args=[delivery.pk])  # 500, retried, then 200
            page.goto(f"/practice/webhooks/{endpoint.pk}/")
            row = page.get_by_role("row").filter(has_text="alert.raised")
            assert "Delivered" in row.inner_text() and "HTTP 200" in row.inner_text()
            row.get_by_text("2 attempts").click()  # the summary opens the attempts
            assert "HTTP 500" in row.inner_text()
            assert page.get_by_role("textbox", name="Secret").count() == 0  # not on a GET
            assert not too_wide(page)

            row.get_by_role("button", name="Send again").click()
            page.get_by_text("queued to be sent again").wait_for()
            assert WebhookDelivery.objects.count() == 2
            assert not too_wide(page)
    finally:
        context.close()
