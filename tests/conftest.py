"""Shared fixtures. Tool helpers (vnu_errors, axe_violations, open_page...): tests/tools.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.tools import launch_chromium, require_chromium, serve_directory

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, launched once per test session.

    Skips the test if Chromium or Playwright is missing (fails when STATUSPAGE_REQUIRE_TOOLS=1).
    """
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser context (own cookies, storage, cache) per test, closed afterwards."""
    context = browser.new_context()
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def serve() -> Iterator[Callable[[Path], str]]:
    """Factory: ``serve(directory)`` serves it on 127.0.0.1 and returns the base URL.

    The URL ends in "/"; every server started by a test is stopped after it.
    """
    with ExitStack() as stack:

        def start(directory: Path) -> str:
            return stack.enter_context(serve_directory(directory))

        yield start
