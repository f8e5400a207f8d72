"""The owners' webhook pages: add an endpoint (its secret shown once), edit it, show or replace
its secret, list recent deliveries with their answers, send one again, delete it. Clinicians are
refused (403) and other practices' endpoints are not found (404)."""

import pytest
from django.urls import reverse

from practice import webhooks
from practice.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from tests.practice.webhook_helpers import endpoint_for, receiver

LIST = reverse("practice_webhooks")
CREATE = reverse("practice_webhook_create")
URL = "http://127.0.0.1:9/attune"


@pytest.fixture(autouse=True)
def loopback(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True


@pytest.fixture
def sent(monkeypatch):
    published = []
    monkeypatch.setattr(webhooks.deliver_webhook, "delay", lambda *args: published.append(args))
    return published


def detail(endpoint) -> str:
    return reverse("practice_webhook_detail", args=[endpoint.pk])


@pytest.mark.django_db
def test_an_owner_adds_an_endpoint_and_sees_its_secret_once(as_alice, practice_a):
    response = as_alice.post(
        CREATE,
        {"url": URL, "description": "Our EHR", "events": ["alert.raised", "report.ready"]},
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.practice, endpoint.url, endpoint.events) == (
        practice_a,
        URL,
        ["alert.raised", "report.ready"],
    )
    assert endpoint.is_active is False  # an unticked box in a POST is off
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    html = response.content.decode()
    assert endpoint.secret in html and "Copy its secret now" in html
    assert "no-store" in response["Cache-Control"]

    later = as_alice.get(detail(endpoint))
    assert later.status_code == 200
    assert endpoint.secret not in later.content.decode()
    event = AuditEvent.objects.get(object_type="webhookendpoint", action="create")
    assert (event.practice, event.actor.email) == (practice_a, "alice@example.com")


@pytest.mark.django_db
def test_the_form_refuses_private_addresses_and_no_events_with_reasons(as_alice, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    response = as_alice.post(CREATE, {"url": "https://10.0.0.8/hook", "events": []})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "public addresses only" in errors["url"][0]
    assert errors["events"]
    response = as_alice.post(CREATE, {"url": URL, "events": ["alert.raised"]})  # loopback
    assert "public addresses only" in response.context["form"].errors["url"][0]
    response = as_alice.post(CREATE, {"url": "http://93.184.215.14/", "events": ["alert.raised"]})
    assert "HTTPS only" in response.context["form"].errors["url"][0]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_the_list_shows_this_practices_endpoints_only(as_alice, practice_a, practice_b):
    endpoint_for(practice_a, "http://127.0.0.1:9/ours", description="Ours")
    endpoint_for(practice_b, "http://127.0.0.1:9/theirs", description="Theirs")
    html = as_alice.get(LIST).content.decode()
    assert "Ours" in html and "/ours" in html
    assert "Theirs" not in html


@pytest.mark.django_db
def test_clinicians_are_refused_and_other_practices_endpoints_are_not_found(
    as_bob, as_charlie, practice_a
):
    endpoint = endpoint_for(practice_a, URL)
    (delivery,) = webhooks.emit(practice_a.pk, webhooks.ALERT_RAISED, alert_id=1)
    send_again = reverse("practice_webhook_send_again", args=[endpoint.pk, delivery.pk])
    secret = reverse("practice_webhook_secret", args=[endpoint.pk])
    assert as_bob.get(LIST).status_code == 403
    assert as_bob.get(detail(endpoint)).status_code == 403
    assert as_bob.post(send_again).status_code == 403
    assert as_charlie.get(detail(endpoint)).status_code == 404
    assert as_charlie.post(send_again).status_code == 404
    assert as_charlie.post(secret, {"action": "show"}).status_code == 404
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.django_db
def test_recent_deliveries_show_status_answer_and_attempts(
    as_alice, practice_a, django_assert_max_num_queries
):
    with receiver(500, 200) as hook:
        endpoint = endpoint_for(practice_a, hook.url)
        (delivery,) = webhooks.emit(practice_a.pk, webhooks.ALERT_RAISED, alert_id=1)
        webhooks.deliver_webhook.apply(args=[delivery.pk])
    for number in range(20):
        webhooks.emit(practice_a.pk, webhooks.REPORT_READY, report_id=number + 1)

    with django_assert_max_num_queries(15):
        response = as_alice.get(detail(endpoint))
    html = response.content.decode()
    assert "Delivered" in html and "HTTP 200" in html and "HTTP 500" in html
    assert "status 500" in html  # the excerpt of the receiver's answer
    assert html.count("Send again") == 21


@pytest.mark.django_db
def test_send_again_queues_the_same_event_as_a_new_delivery(
    as_alice, practice_a, sent, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(practice_a, URL)
    (delivery,) = webhooks.emit(practice_a.pk, webhooks.ALERT_RAISED, alert_id=1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed")
    url = reverse("practice_webhook_send_again", args=[endpoint.pk, delivery.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = as_alice.post(url)
    assert response.status_code == 302 and response["Location"] == detail(endpoint)
    again = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert (again.event_id, again.payload, again.resent_from, again.status) == (
        delivery.event_id,
        delivery.payload,
        delivery,
        "queued",
    )
    assert sent == [(again.pk,)]
    assert AuditEvent.objects.filter(object_type="webhookdelivery", action="create").exists()


@pytest.mark.django_db
def test_send_again_to_a_turned_off_endpoint_says_why(as_alice, practice_a):
    endpoint = endpoint_for(practice_a, URL)
    (delivery,) = webhooks.emit(practice_a.pk, webhooks.ALERT_RAISED, alert_id=1)
    endpoint.is_active = False
    endpoint.save()
    url = reverse("practice_webhook_send_again", args=[endpoint.pk, delivery.pk])
    page = as_alice.post(url, follow=True).content.decode()
    assert "Turn the endpoint on" in page
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.django_db
def test_showing_and_replacing_the_secret_are_posts_and_audited(as_alice, practice_a):
    endpoint = endpoint_for(practice_a, URL)
    url = reverse("practice_webhook_secret", args=[endpoint.pk])
    assert as_alice.get(url).status_code == 405
    shown = as_alice.post(url, {"action": "show"})
    assert endpoint.secret in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    old = endpoint.secret
    rotated = as_alice.post(url, {"action": "rotate"})
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in rotated.content.decode()
    events = AuditEvent.objects.filter(object_type="webhookendpoint")
    assert sorted(events.values_list("action", "fields")) == [
        ("update", ["secret"]),
        ("view", ["secret"]),
    ]


@pytest.mark.django_db
def test_an_owner_edits_and_deletes_an_endpoint(as_alice, practice_a):
    endpoint = endpoint_for(practice_a, URL)
    response = as_alice.post(
        detail(endpoint), {"url": URL, "events": ["report.ready"], "is_active": ""}
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.events, endpoint.is_active) == (["report.ready"], False)
    refused = as_alice.post(detail(endpoint), {"url": "ftp://x", "events": ["report.ready"]})
    assert refused.status_code == 400

    response = as_alice.post(reverse("practice_webhook_delete", args=[endpoint.pk]))
    assert response.status_code == 302 and response["Location"] == LIST
    assert not WebhookEndpoint.objects.exists()
    assert AuditEvent.objects.filter(object_type="webhookendpoint", action="delete").exists()
