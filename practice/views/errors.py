"""The 404 answer for a URL that no route matches.

Under ``/api/`` it is JSON like every other API answer (``{"detail": "Not found."}``), so a
client (or the contract test) that sends an id the URL pattern cannot take, such as ``0.9`` or
an upper-case instrument code, reads the same answer as for an id that does not exist.
Elsewhere it is Django's page.
"""

from django.http import JsonResponse
from django.utils.translation import gettext
from django.views import defaults


def page_not_found(request, exception):
    if request.path.startswith("/api/"):
        # The words of DRF's own NotFound, translated as DRF translates them.
        return JsonResponse({"detail": gettext("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
