"""Webhooks (owners only): the practice's endpoints, their secrets, recent deliveries and
"send again". The secret appears only in the answer to a POST (creation, "Show secret", "New
secret"), never in a URL, the session or a GET."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from practice import webhooks
from practice.forms import WebhookEndpointForm
from practice.models import WebhookDelivery, WebhookEndpoint
from practice.permissions import owner_required
from practice.views.confirm import Confirmation, ask

RECENT_DELIVERIES = 50


def _endpoints(request):
    return WebhookEndpoint.objects.filter(practice=request.practice)


def _endpoint(request, pk: int) -> WebhookEndpoint:
    return get_object_or_404(_endpoints(request), pk=pk)


@owner_required
def webhook_list(request):
    endpoints = _endpoints(request).order_by("created_at", "pk")
    return render(request, "practice/webhooks/list.html", {"endpoints": endpoints})


@never_cache  # the answer to a valid POST carries the new secret
@owner_required
def webhook_create(request):
    form = WebhookEndpointForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        endpoint = webhooks.create_endpoint(request, request.practice, **form.cleaned_data)
        return _detail_page(request, endpoint, secret=endpoint.secret, created=True)
    status = 400 if request.method == "POST" else 200
    return render(request, "practice/webhooks/form.html", {"form": form}, status=status)


def _detail_page(request, endpoint, *, form=None, secret="", created=False, status=200):
    deliveries = endpoint.deliveries.prefetch_related("tries").order_by("-created_at", "-id")[
        :RECENT_DELIVERIES
    ]
    context = {
        "endpoint": endpoint,
        "form": form or WebhookEndpointForm(instance=endpoint),
        "deliveries": deliveries,
        "secret": secret,
        "created": created,
    }
    return render(request, "practice/webhooks/detail.html", context, status=status)


@owner_required
def webhook_detail(request, pk: int):
    """The endpoint's settings (a POST saves them) and its recent deliveries."""
    endpoint = _endpoint(request, pk)
    if request.method != "POST":
        return _detail_page(request, endpoint)
    # A bound copy, so a refused form never changes what the page shows about the endpoint.
    form = WebhookEndpointForm(request.POST, instance=_endpoint(request, pk))
    if not form.is_valid():
        return _detail_page(request, endpoint, form=form, status=400)
    webhooks.update_endpoint(request, endpoint, **form.cleaned_data)
    messages.success(request, gettext("Webhook endpoint saved."))
    return redirect("practice_webhook_detail", pk=endpoint.pk)


@never_cache
@owner_required
@require_POST
def webhook_secret(request, pk: int):
    """Show the secret (``action=show``) or replace it (``action=rotate``); both audited."""
    endpoint = _endpoint(request, pk)
    if request.POST.get("action") == "rotate":
        webhooks.rotate_secret(request, endpoint)
        messages.success(request, gettext("A new secret signs deliveries from now on."))
        secret = endpoint.secret
    else:
        secret = webhooks.reveal_secret(request, endpoint)
    return _detail_page(request, endpoint, secret=secret)


@owner_required
def webhook_delete(request, pk: int):
    """GET asks, POST deletes the endpoint and its delivery history."""
    endpoint = _endpoint(request, pk)
    if request.method != "POST":
        return ask(
            request,
            Confirmation(
                title=gettext("Delete this webhook endpoint?"),
                consequences=[
                    gettext("Nothing more is sent to %(url)s.") % {"url": endpoint.url},
                    gettext(
                        "Its delivery history is deleted too. To pause it instead, turn off Active."
                    ),
                ],
                button=gettext("Delete the endpoint"),
                cancel_url=reverse("practice_webhook_detail", args=[endpoint.pk]),
            ),
        )
    webhooks.delete_endpoint(request, endpoint)
    messages.success(request, gettext("The webhook endpoint was deleted; it is sent nothing more."))
    return redirect("practice_webhooks")


@owner_required
@require_POST
def webhook_send_again(request, pk: int, delivery_pk: int):
    endpoint = _endpoint(request, pk)
    delivery = get_object_or_404(
        WebhookDelivery.objects.select_related("endpoint").filter(endpoint=endpoint),
        pk=delivery_pk,
    )
    try:
        webhooks.send_again(request, delivery)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, gettext("The event was queued to be sent again."))
    return redirect("practice_webhook_detail", pk=endpoint.pk)
