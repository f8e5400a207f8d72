"""The load run's clients, driven by ``bench_load.py`` in a process of its own (locust patches
the standard library with gevent on import, so no Django code runs here).

    .venv/bin/python bench/load_users.py PLAN.json

PLAN names the server, the number of concurrent users, the seconds per phase, the signed-in
sessions (one per user) and their cookie's name, the phases (a name and a path, or ``"questionnaire"``) and the questionnaire
links to answer. Each phase runs alone: ``users`` clients request it back to back (no wait) for
``seconds``. Prints one JSON object per phase: requests, failures, requests per second and the
50th, 95th and 99th percentile response times in milliseconds.
"""

import itertools
import json
import re
import sys
from urllib.request import urlopen

import gevent
from locust import HttpUser, constant, task
from locust.env import Environment

RADIO = re.compile(r'<input[^>]*type="radio"[^>]*>')
NAME = re.compile(r'name="([^"]+)"')
VALUE = re.compile(r'value="([^"]*)"')
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')


def answers(html: str) -> dict:
    """The first choice of every question on a questionnaire page, and its hidden fields."""
    data: dict = {}
    for tag in HIDDEN.findall(html):
        name, value = NAME.search(tag), VALUE.search(tag)
        if name and value:
            data[name.group(1)] = value.group(1)
    for tag in RADIO.findall(html):
        name, value = NAME.search(tag), VALUE.search(tag)
        if name and value:
            data.setdefault(name.group(1), value.group(1))
    return data


def phase_user(plan: dict, phase: dict, tokens: list) -> type:
    sessions = itertools.cycle(plan["sessions"])  # one signed-in session per user

    class PageUser(HttpUser):
        host = plan["host"]
        wait_time = constant(0)

        def on_start(self):
            self.client.cookies.set(plan["cookie"], next(sessions))

        @task
        def one(self):
            if phase["path"] == "questionnaire":
                self.answer()
            else:
                self.client.get(phase["path"], name=phase["name"])

        def answer(self):
            """Open a link, start, answer every page with the first choice, submit."""
            if not tokens:
                self.environment.runner.quit()
                return
            token = tokens.pop()
            name = phase["name"]
            self.client.cookies.clear()
            start = f"/q/{token}/"
            self.client.get(start, name=f"{name}: landing")
            page = self.client.post(start, name=f"{name}: start", allow_redirects=True)
            for _ in range(10):  # pages, then the thanks page
                if "/q/thanks" in page.url or "thanks" in page.url:
                    return
                data = answers(page.text)
                data["action"] = "submit"
                with self.client.post(
                    page.url, data=data, name=f"{name}: answer and submit", catch_response=True
                ) as posted:
                    if posted.status_code != 200 or not (
                        "thanks" in posted.url or "/q/" in posted.url
                    ):
                        posted.failure(f"{posted.status_code} at {posted.url}")
                        return
                    if "errorlist" in posted.text:
                        posted.failure("the page refused the answers")
                        return
                page = posted

    return PageUser


def run_phase(plan: dict, phase: dict, tokens: list) -> dict:
    env = Environment(user_classes=[phase_user(plan, phase, tokens)])
    runner = env.create_local_runner()
    runner.start(plan["users"], spawn_rate=plan["users"])
    gevent.spawn_later(plan["seconds"], runner.quit)
    runner.greenlet.join()
    # Requests still queued at the server when the phase stopped would be served during the
    # next phase: wait for them (this one is answered after them) before measuring again.
    urlopen(plan["host"] + "/livez", timeout=600).read()  # noqa: S310 (loopback)
    total = env.stats.total
    rows = {
        name: {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": entry.num_requests / plan["seconds"],
            "p50": entry.get_response_time_percentile(0.5),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
        }
        for (name, _method), entry in env.stats.entries.items()
    }
    return {
        "phase": phase["name"],
        "requests": total.num_requests,
        "failures": total.num_failures,
        "errors": [f"{error.name}: {error.error}" for error in env.stats.errors.values()][:5],
        "rps": total.num_requests / plan["seconds"],
        "p50": total.get_response_time_percentile(0.5),
        "p95": total.get_response_time_percentile(0.95),
        "p99": total.get_response_time_percentile(0.99),
        "requests_by_name": rows,
    }


def main() -> None:
    with open(sys.argv[1]) as handle:
        plan = json.load(handle)
    tokens = list(plan["tokens"])
    for phase in plan["phases"]:
        print(json.dumps(run_phase(plan, phase, tokens)), flush=True)


if __name__ == "__main__":
    main()
