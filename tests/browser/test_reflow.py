"""WCAG 1.4.10 reflow in real Chromium (issue 15): at 320 and 390 CSS px no page scrolls
sideways; only a data table may, inside its own scroll box.

Every page is visited: each GET route of the permission walk (so a new page is covered the day
it gets its row there) as the clinician and as the owner where each may open it, the owner's
whole-practice dashboard, every instrument's page, and the client's questionnaire (landing, a
page of questions, thanks), with a client whose address and reference are long. One browser;
one signed-in context per person, made by a session cookie rather than the login form. About
a minute."""

import pytest
from django.conf import settings
from django.test import Client as DjangoClient
from django.urls import reverse

from assessments.models import Instrument
from tests import route_walk
from tests.assessments.assign_helpers import send_now, token_of

# The permission walk's world and the fixtures it is built from (``world``, ``*_world``).
globals().update(
    {name: obj for name, obj in vars(route_walk.permission_walk).items() if name.endswith("world")}
)

WIDTHS = (320, 390)
# Not pages: files, JSON, redirects and the API's browsable docs (a third-party UI). A page of a
# questionnaire answered in session locks the clinician's session until they unlock it (issue
# 14), so walking it would turn every later page into the lock screen; its reflow is checked at
# 320 px by tests/browser/test_in_session_journey.py.
NOT_PAGES = {
    "home",
    "healthz",
    "readyz",
    "livez",
    "api_docs",
    "api_schema",
    "assessments:in_session_page",
}
WIDTH_SCRIPT = "document.documentElement.scrollWidth"
# What sticks out, for the failure message: elements reaching past the viewport, or whose text
# overflows them, outside any table's scroll box.
CULPRITS = """(limit) => [...document.querySelectorAll('body *')]
  .filter(el => !el.closest('.table-wrap') && (el.getBoundingClientRect().right > limit + 0.5
    || (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX == 'visible')))
  .slice(-3)
  .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
    + ' ' + Math.round(el.getBoundingClientRect().right) + ': '
    + (el.textContent || '').trim().slice(0, 30))"""

# The right edge of the results table's scores column, found by its header.
SCORES_RIGHT = """(() => {
  const table = document.querySelector('#results table');
  const column = [...table.querySelectorAll('thead th')]
    .findIndex(th => /scores/i.test(th.textContent));
  return Math.max(...[...table.querySelectorAll('tbody tr')]
    .map(tr => tr.children[column].getBoundingClientRect().right));
})()"""


def _opens(expected) -> bool:
    return expected != "login" and any(code < 300 for code in expected)


def pages(world) -> list[tuple[str, str]]:
    """(actor, path) for every page a person opens with a GET."""
    found = []
    for name, row in route_walk.ROUTES.items():
        if row.api or row.method != "get" or name in NOT_PAGES or name.startswith("questionnaire:"):
            continue
        # As a clinician and as an owner where both may open it: their pages differ.
        allowed = [a for a in ("bob", "alice") if _opens(row.expect[a])]
        for actor in allowed or [route_walk.allowed_actor(name)]:
            found.append((actor, route_walk.route_url(world, name)))
    found.append(("alice", "/dashboard/?scope=practice"))
    # Every instrument's page: their codes, keys and citations are long unbroken strings.
    for code in Instrument.objects.available_to(world["practice_a"]).values_list("code", flat=True):
        found.append(("bob", reverse("assessments:detail", args=[code])))
    return found


def long_strings(world) -> None:
    """Erin's details as long as real ones get: an address and a reference without spaces."""
    erin = world["erin"]
    erin.email = "erin.fictional-long-address-for-testing@clinic-with-a-long-name.example"
    erin.external_reference = "REFERRAL-2025-000000000000000000-WL"
    erin.save(update_fields=["email", "external_reference"])


def signed_in(chromium, live_server, user):
    context = chromium.new_context(base_url=live_server.url)
    if user is not None:
        client = DjangoClient()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def walk(chromium, live_server, world, contexts: dict):
    """(actor, path, page) with ``page`` showing ``path`` as ``actor``, for every page of
    ``pages(world)`` that is a page (files, JSON and redirects are left out). Each person's
    signed-in context is made once and kept in ``contexts`` for the caller to close."""
    for actor, path in pages(world):
        if actor not in contexts:
            user = None if actor == "anonymous" else world[actor]
            contexts[actor] = signed_in(chromium, live_server, user)
        page = contexts[actor][1]
        head = page.request.get(path, max_redirects=0)
        if "text/html" not in head.headers.get("content-type", "") or head.status >= 300:
            continue  # a file, JSON or a redirect, not a page
        page.goto(path)
        yield actor, path, page


def too_wide(page) -> list[str]:
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        scroll_width = page.evaluate(WIDTH_SCRIPT)
        if scroll_width > width:
            culprits = page.evaluate(CULPRITS, width)
            problems.append(f"{width}px: {scroll_width}px wide ({', '.join(culprits)})")
    return problems


@pytest.mark.django_db(transaction=True)
def test_no_page_scrolls_sideways_at_320_or_390_px(chromium, live_server, world):
    long_strings(world)
    _, packet = send_now(world["erin"], "phq-9")
    link = f"/q/{token_of(packet)}/"
    contexts = {}
    failures = []
    try:
        for actor, path, page in walk(chromium, live_server, world, contexts):
            failures += [f"{path} as {actor} at {p}" for p in too_wide(page)]
        if "anonymous" not in contexts:
            contexts["anonymous"] = signed_in(chromium, live_server, None)
        page = contexts["anonymous"][1]
        page.goto(link)
        failures += [f"{link} as anonymous at {p}" for p in too_wide(page)]
        # On a phone the client's latest scores show without scrolling their table.
        page = contexts["bob"][1]
        page.set_viewport_size({"width": 390, "height": 800})
        page.goto(reverse("clients:detail", args=[world["erin"].pk]))
        scores_right = page.evaluate(SCORES_RIGHT)
        assert 0 < scores_right <= 390, f"the scores reach {scores_right}px at 390px"
        # The client's questionnaire: a page of questions and the thank-you page.
        page = contexts["anonymous"][1]
        page.goto(link)
        page.get_by_role("button", name="Start").click()
        page.get_by_text("page 1 of").wait_for()
        failures += [f"questionnaire page at {p}" for p in too_wide(page)]
        page.goto("/q/thanks/")
        failures += [f"thanks page at {p}" for p in too_wide(page)]
    finally:
        for context, _ in contexts.values():
            context.close()
    assert not failures, "Pages scroll sideways:\n" + "\n".join(failures)
