"""Shared fixtures. Tool helpers (vnu_errors, axe_violations, open_page...): tests/tools.py."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.databases import BACKENDS, fresh_database
from tests.sites import DEMO_NOW, REPO_ROOT
from tests.tools import launch_chromium, require_chromium, serve_directory

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

    from statuspage.inputs.model import Site


_USER_CACHE: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """Builds keep their key and compiled templates in the user's cache folder
    (statuspage/inputs/sealed.py): the tests, and the processes they start, use their own."""
    folder = tempfile.mkdtemp(prefix="statuspage-tests-cache-")
    _USER_CACHE.append(folder)
    os.environ["XDG_CACHE_HOME"] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    for folder in _USER_CACHE:
        shutil.rmtree(folder, ignore_errors=True)


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


@pytest.fixture(scope="session")
def demo_site() -> Site:
    """The repository's demo site, loaded at DEMO_NOW."""
    from statuspage.inputs.load import load_site_or_raise

    return load_site_or_raise(REPO_ROOT, now=DEMO_NOW, check_git=False)


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo site built once per session at DEMO_NOW; returns the output folder."""
    from statuspage.builder.pipeline import build_site

    out = tmp_path_factory.mktemp("demo") / "site"
    build_site(REPO_ROOT, out, now=DEMO_NOW, check_git=False)
    return out


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty subscription database, once SQLite and once PostgreSQL
    (tests/databases.py)."""
    with fresh_database(request.param, tmp_path) as url:
        yield url
