"""Request latency by view, for the operator's ``/metrics`` (practice.operations).

The middleware times each request and records it under the route's name (``clients:detail``),
never its path, so no id or anything typed into a URL becomes a label; requests that match no
route are counted under ``unmatched``. Labels: view, method, status class (``2xx``).

Each process keeps its own histogram. Under gunicorn with several workers, set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory of the machine's (prometheus_client's
multiprocess mode) so a scrape sums every worker; without it a scrape sees the worker that
answered it.
"""

import time

from prometheus_client import Histogram

REQUEST_LATENCY = Histogram(
    "attune_request_latency_seconds",
    "Time from the request reaching Django to the response leaving it, by view.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


class RequestLatencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match is not None else "") or "unmatched"
        REQUEST_LATENCY.labels(
            view=view,
            method=request.method if request.method in _METHODS else "other",
            status=f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - started)
        return response


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
