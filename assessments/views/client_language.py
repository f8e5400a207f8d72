"""The language of the pages a client sees through an e-mailed link (issue 15).

A client's pages come in their own language (``Client.language``), never in one guessed from the
browser. On the page the client may pick another (the "English / Español" links of
``base_client.html``): the choice is a ``?lang=`` flag on the page's own address, carried on to
the next page, the form's posts and its redirects. It adds nothing about the client to the URL
and sets no cookie; an unknown value is ignored.

``speaks_chosen_language`` wraps a view so everything it renders, its error pages included, is in
the chosen language, and nothing stays active for the next request on the thread;
``in_client_language`` does the same around a function of ``(request, packet, ...)`` once the
packet is known, in the client's language unless the client chose another.
"""

from functools import wraps

from django.conf import settings
from django.utils import translation

LANGUAGE_FLAG = "lang"


def chosen_language(request) -> str:
    """The language the client picked on the page (``?lang=``), or "" when none or unknown."""
    value = request.GET.get(LANGUAGE_FLAG, "")
    return value if value in dict(settings.LANGUAGES) else ""


def language_query(request) -> str:
    """``?lang=xx`` when the client picked a language on the page, else "": for the addresses
    the page links, posts or redirects to, so the choice holds from page to page."""
    chosen = chosen_language(request)
    return f"?{LANGUAGE_FLAG}={chosen}" if chosen else ""


def page_language(request, client) -> str:
    return chosen_language(request) or client.language


def speaks_chosen_language(view):
    """Run ``view`` in the language the client picked (else the site's default), restoring the
    thread's language afterwards."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with translation.override(chosen_language(request) or settings.LANGUAGE_CODE):
            return view(request, *args, **kwargs)

    return wrapper


def in_client_language(function):
    """Run ``function(request, packet, ...)`` in the packet's client's language (or the one they
    picked on the page)."""

    @wraps(function)
    def wrapper(request, packet, *args, **kwargs):
        with translation.override(page_language(request, packet.client)):
            return function(request, packet, *args, **kwargs)

    return wrapper
