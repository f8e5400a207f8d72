"""``/api/v1/webhooks/``: owners manage endpoints, list deliveries and send one again; the secret
only in a create's answer and on request; clinicians 403, other practices 404."""

import pytest
from rest_framework.test import APIClient

from practice import services, webhooks
from practice.models import ApiToken, AuditEvent, WebhookDelivery, WebhookEndpoint
from tests.practice.webhook_helpers import endpoint_for, receiver

API = "/api/v1/webhooks/"
URL = "http://127.0.0.1:9/attune"


@pytest.fixture(autouse=True)
def loopback(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_an_owner_creates_lists_changes_and_deletes_endpoints(alice, practice_a):
    client = as_user(alice)
    created = client.post(API, {"url": URL, "events": ["alert.raised"]}, format="json")
    assert created.status_code == 201, created.content
    endpoint = WebhookEndpoint.objects.get()
    assert created.json()["secret"] == endpoint.secret
    assert endpoint.practice == practice_a and endpoint.is_active

    listed = client.get(API).json()["results"]
    assert [row["id"] for row in listed] == [endpoint.pk]
    assert "secret" not in listed[0]
    assert "secret" not in client.get(f"{API}{endpoint.pk}/").json()

    changed = client.patch(
        f"{API}{endpoint.pk}/", {"events": ["report.ready", "alert.raised"]}, format="json"
    )
    assert changed.status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.events == ["alert.raised", "report.ready"]

    assert client.post(f"{API}{endpoint.pk}/secret/").json() == {"secret": endpoint.secret}
    assert client.delete(f"{API}{endpoint.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()
    actions = AuditEvent.objects.filter(object_type="webhookendpoint").values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["create", "delete", "update", "view"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"url": "https://10.0.0.8/hook", "events": ["alert.raised"]}, "url", "public addresses"),
        ({"url": "https://169.254.169.254/", "events": ["alert.raised"]}, "url", "public"),
        ({"url": URL, "events": []}, "events", ""),
        ({"url": URL, "events": ["client.renamed"]}, "events", "not a valid choice"),
        ({"url": "not a url", "events": ["alert.raised"]}, "url", "valid URL"),
    ],
)
def test_bad_endpoints_are_400_naming_the_field(alice, settings, body, field, message):
    settings.WEBHOOKS_ALLOW_LOOPBACK = field != "url"
    response = as_user(alice).post(API, body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_deliveries_are_listed_with_their_attempts_and_sent_again(alice, practice_a):
    with receiver(503, 200) as hook:
        endpoint = endpoint_for(practice_a, hook.url)
        (delivery,) = webhooks.emit(practice_a.pk, webhooks.ALERT_RAISED, alert_id=3)
        webhooks.deliver_webhook.apply(args=[delivery.pk])
    client = as_user(alice)
    (row,) = client.get(f"{API}{endpoint.pk}/deliveries/").json()["results"]
    assert (row["id"], row["status"], row["last_status_code"]) == (delivery.pk, "delivered", 200)
    assert [a["status_code"] for a in row["attempts_made"]] == [200, 503]
    assert row["payload"]["data"] == {"alert_id": 3}

    again = client.post(f"{API}{endpoint.pk}/deliveries/{delivery.pk}/redeliver/")
    assert again.status_code == 202
    assert again.json()["event_id"] == str(delivery.event_id)
    assert again.json()["resent_from"] == delivery.pk
    assert WebhookDelivery.objects.count() == 2


@pytest.mark.django_db
def test_another_endpoints_delivery_cannot_be_sent_again_through_this_one(alice, practice_a):
    first = endpoint_for(practice_a, URL, [webhooks.ALERT_RAISED])
    second = endpoint_for(practice_a, URL, [webhooks.REPORT_READY])
    (delivery,) = webhooks.emit(practice_a.pk, webhooks.REPORT_READY, report_id=1)
    assert delivery.endpoint == second
    response = as_user(alice).post(f"{API}{first.pk}/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 404
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.django_db
def test_clinicians_get_403_and_other_practices_404(bob, charlie, practice_a):
    endpoint = endpoint_for(practice_a, URL)
    (delivery,) = webhooks.emit(practice_a.pk, webhooks.ALERT_RAISED, alert_id=1)
    for path in ("", f"{endpoint.pk}/", f"{endpoint.pk}/deliveries/"):
        assert as_user(bob).get(API + path).status_code == 403
    redeliver = f"{API}{endpoint.pk}/deliveries/{delivery.pk}/redeliver/"
    assert as_user(bob).post(redeliver).status_code == 403
    assert as_user(bob).post(API, {"url": URL, "events": ["alert.raised"]}).status_code == 403

    assert as_user(charlie).get(API).json()["results"] == []
    for path in (f"{endpoint.pk}/", f"{endpoint.pk}/deliveries/"):
        assert as_user(charlie).get(API + path).status_code == 404
    assert as_user(charlie).post(redeliver).status_code == 404
    assert as_user(charlie).post(f"{API}{endpoint.pk}/secret/").status_code == 404
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.django_db
def test_a_read_only_token_lists_but_cannot_create(alice):
    _, key = services.create_api_token(None, alice, "ro", scope=ApiToken.Scope.READ)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(API).status_code == 200
    response = client.post(API, {"url": URL, "events": ["alert.raised"]}, format="json")
    assert response.status_code == 403
    assert not WebhookEndpoint.objects.exists()
