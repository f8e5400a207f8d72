"""Response headers that keep client data out of caches.

Every response a view produces may carry client data: pages, API answers, PDF downloads, the
questionnaire a client is answering, even a redirect whose ``Location`` names a record. Sorting
"data" from "no data" route by route is the kind of list that goes stale the day a route is
added, so the rule is the simplest one that cannot miss: **every response that passes through
Django is ``Cache-Control: no-store, private``**. Only static files escape it, because
WhiteNoise answers them before this middleware runs (it sits right after WhiteNoise in
``MIDDLEWARE``) and gives them their own long-lived caching; they hold no client data.

``no-store`` keeps pages out of shared proxies, the browser's disk cache and its back/forward
cache, so a clinician who signs out on a shared computer leaves no client record behind for the
Back button. The cost - pages are fetched again on Back - is small next to that.

The Content-Security-Policy and Permissions-Policy headers come from django-csp and
django-permissions-policy, configured in ``practice/settings.py``.
"""

from django.utils.cache import patch_cache_control

NO_STORE = "no-store"


class NoStoreMiddleware:
    """Mark every response produced by Django ``no-store, private``.

    A view that asked for caching (``public``, ``max-age``) loses it: ``patch_cache_control``
    drops ``public`` when ``private`` is set, and ``no-store`` overrides any ``max-age``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response
