"""``/dev/outbox/``: read the e-mails the development backend wrote, while DEBUG is on."""

import email
from email import policy
from pathlib import Path

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET


def _outbox() -> Path:
    if not settings.DEBUG:
        raise Http404
    return Path(settings.EMAIL_OUTBOX_DIR)


def _parse(path: Path) -> dict:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return {
        "name": path.stem,
        "subject": message["subject"],
        "to": message["to"],
        "date": message["date"],
        "text": text.get_content() if text else "",
        "html": html.get_content() if html else "",
    }


@require_GET
def outbox_list(request):
    outbox = _outbox()
    files = sorted(outbox.glob("*.eml"), reverse=True)[:200] if outbox.is_dir() else []
    return render(request, "practice/outbox_list.html", {"messages_": [_parse(p) for p in files]})


@require_GET
# The HTML preview is an iframe srcdoc, which inherits this page's policy; e-mails carry their
# styles inline (mail clients ignore stylesheets). Development only, and the iframe is sandboxed.
@csp_update({"style-src": [UNSAFE_INLINE]})
def outbox_message(request, name: str):
    path = _outbox() / f"{name}.eml"
    if "/" in name or not path.is_file():
        raise Http404
    return render(request, "practice/outbox_message.html", {"message_": _parse(path)})
