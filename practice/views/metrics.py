"""``/metrics``: Prometheus text for the operator (practice.operations, request latency).

Off (404) unless ``METRICS_TOKEN`` is set; then only a request with ``Authorization: Bearer
<METRICS_TOKEN>`` gets the numbers, anything else 401. No personal data in any label.
"""

import hmac
import os

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from practice.operations import AttuneCollector
from practice.request_metrics import REQUEST_LATENCY


def _authorised(request) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), settings.METRICS_TOKEN.encode()
    )


@transaction.non_atomic_requests
@never_cache
@require_GET
def metrics(request):
    if not settings.METRICS_TOKEN:
        raise Http404
    if not _authorised(request):
        response = HttpResponse("Send the metrics token as a bearer token.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # every worker's request latency
    else:
        registry.register(REQUEST_LATENCY)
    registry.register(AttuneCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
