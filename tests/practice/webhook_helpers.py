"""A real webhook receiver on loopback (``http.server`` in a thread), the verification a receiver
runs (the README's snippet, read from the README itself), and a registered endpoint. Tests that
send to the receiver set ``WEBHOOKS_ALLOW_LOOPBACK``."""

import json
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from practice import webhooks

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_verify():
    """The ``verify`` function the README's Webhooks section shows receivers, executed as is."""
    text = README.read_text()
    section = text[text.index("### Verifying a delivery") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(code, namespace)  # our own README's snippet, to prove it works
    return namespace["verify"]


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next of ``statuses`` (the last one repeats)."""

    statuses: list = field(default_factory=lambda: [200])
    requests: list = field(default_factory=list)
    url: str = ""

    def next_status(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@contextmanager
def receiver(*statuses: int):
    """A receiver on 127.0.0.1 answering ``statuses`` in turn; yields a ``Receiver``."""
    state = Receiver(statuses=list(statuses) or [200])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(Received(self.path, dict(self.headers), body))
            status = state.next_status()
            answer = f"status {status}".encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/attune"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def endpoint_for(practice, url, events=webhooks.EVENTS, **fields):
    return webhooks.WebhookEndpoint.objects.create(
        practice=practice, url=url, events=list(events), secret=webhooks.new_secret(), **fields
    )
