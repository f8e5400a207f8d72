"""The load run's WSGI application: the project's, plus the trivial view at ``/bench/trivial/``
that every page is compared with. Only ``bench_load.py`` serves it (with gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402 (after the app registry is ready)
from django.http import HttpResponse  # noqa: E402
from django.urls import clear_url_caches, path  # noqa: E402

from practice import urls  # noqa: E402


def trivial(request):
    """The baseline: returns ``ok`` after the same middleware every page passes."""
    return HttpResponse("ok")


# Pages name their static files without a collectstatic run's manifest, as in bench_pages.py.
settings.STORAGES["staticfiles"] = {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
urls.urlpatterns.insert(0, path("bench/trivial/", trivial, name="bench_trivial"))
clear_url_caches()
