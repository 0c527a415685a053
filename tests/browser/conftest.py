"""Playwright against Debian's Chromium (no browser downloads): a fresh headless browser per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(monkeypatch):
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("DANGJIAN_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API keeps an event loop on this thread; the ORM calls made by the test and its
    # fixtures are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            # While Playwright's loop runs, Django keeps this thread's connections in a context variable
            # instead of the thread-local: close those here, or they leak and block DROP DATABASE.
            connections.close_all()
            browser.close()


@pytest.fixture
def page(django_db_setup, browser, live_server):
    """A desktop-sized page whose relative URLs go to the live server; fails on any JavaScript error.

    Naming django_db_setup before live_server makes pytest start the (session) live server after the test
    database exists and stop it before the database is dropped: on PostgreSQL a live server still holding
    a connection makes DROP DATABASE fail.
    """
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # CSP: a refused inline script, style or foreign resource is an error too.
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" and "Content Security Policy" in msg.text else None,
    )
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture(autouse=True)
def _second_factor_only_where_tested(settings, request):
    """The browser tests log in through the real form as administrators; the second factor is exercised
    end to end by test_two_factor.py alone (marked `two_factor`), the others skip it (docs/security.md)."""
    if request.node.get_closest_marker("two_factor") is None:
        settings.TWO_FACTOR_REQUIRED_ROLES = []
