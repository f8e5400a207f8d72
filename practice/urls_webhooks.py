"""The owners' webhook pages, under ``/practice/webhooks/`` (practice/views/webhooks.py)."""

from django.urls import path

from practice.views import webhooks

urlpatterns = [
    path("", webhooks.webhook_list, name="practice_webhooks"),
    path("new/", webhooks.webhook_create, name="practice_webhook_create"),
    path("<id:pk>/", webhooks.webhook_detail, name="practice_webhook_detail"),
    path("<id:pk>/secret/", webhooks.webhook_secret, name="practice_webhook_secret"),
    path("<id:pk>/delete/", webhooks.webhook_delete, name="practice_webhook_delete"),
    path(
        "<id:pk>/deliveries/<id:delivery_pk>/send-again/",
        webhooks.webhook_send_again,
        name="practice_webhook_send_again",
    ),
]
