"""A Playwright page on Debian's Chromium, against pytest-django's live_server, and a sign-in helper.

Generic: any page test marks itself `browser`, asks for `page` and `live_server` (with
`@pytest.mark.django_db(transaction=True)`), and signs in with `sign_in(page, username, password)`.
Without /usr/bin/chromium the tests are skipped with the reason, except under CI, where they fail.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _require_chromium():
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing and CI is set: browser tests must run in CI (apt-get install chromium).")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); browser tests skipped outside CI.")


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, so Django sees an "async context"
    # and would refuse ORM calls made by the test itself. The tests are synchronous code: allow them.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    context.close()


@pytest.fixture
def sign_in(live_server):
    """sign_in(page, username, password, next="/"): through the real login form; returns the page."""

    def sign_in(page, username, password, next="/"):
        page.goto(f"{live_server.url}/accounts/login/?next={next}")
        page.fill("input[name=login]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return sign_in
