"""Real Chromium for end-to-end journeys, driven by Playwright.

Chromium comes from Debian (``/usr/bin/chromium``; `.ci/run` installs it). Playwright's own
browser download does not work here, so we launch that executable. Where Chromium is missing
the browser tests are skipped with the reason - unless ATTUNE_REQUIRE_BROWSER is set (CI sets
it), in which case they fail, so CI can never pass without running them.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
NARROW_PHONE = {"width": 320, "height": 640}

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page actions are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("ATTUNE_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} and ATTUNE_REQUIRE_BROWSER is set")
        pytest.skip(f"Chromium not installed ({CHROMIUM}); `apt-get install chromium` to run")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _phone(chromium, live_server, viewport):
    context = chromium.new_context(
        base_url=live_server.url, viewport=viewport, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(chromium, live_server):
    yield from _phone(chromium, live_server, PHONE)


@pytest.fixture
def narrow_phone_page(chromium, live_server):
    """The smallest phone we support: 320 CSS pixels wide."""
    yield from _phone(chromium, live_server, NARROW_PHONE)
