"""The demo site in real tools: headless Chromium, the Nu HTML checker and axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.sites import REPO_ROOT
from tests.tools import (
    axe_violations,
    format_axe,
    format_vnu,
    open_page,
    serve_directory,
    vnu_errors,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
# The pages axe checks: one of each kind.
AXE_PAGES = [
    "",
    "incidents/2026-11-20-checkout-errors/",
    "incidents/2026-09-08-checkout-false-alarm/",
    "history/",
    "components/checkout/",
    "uptime/",
    "developers/",
]


def demo_pages(built: Path) -> list[str]:
    """Every HTML page of the demo as a URL path."""
    found = []
    for path in sorted(built.rglob("*.html")):
        relative = path.relative_to(built).as_posix()
        found.append(relative.removesuffix("index.html"))
    assert len(found) > 30
    return found


@pytest.fixture(scope="module")
def demo_url(built_demo: Path) -> Iterator[str]:
    """The built demo served on 127.0.0.1 for this module's tests."""
    with serve_directory(built_demo) as url:
        yield url


@pytest.mark.browser
def test_every_page_loads_cleanly_on_a_phone(
    browser: Browser, built_demo: Path, demo_url: str
) -> None:
    """No console error, no failed request, nothing wider than a 360 px screen."""
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        for path in demo_pages(built_demo):
            page, problems = open_page(context, demo_url + path)
            assert not problems.all(), f"{path}: {problems.all()}"
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} is {width} px wide on a phone"
            page.close()
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_of_the_home_page(browser: Browser, demo_url: str, scheme: str) -> None:
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme)  # type: ignore[arg-type]
    try:
        page, problems = open_page(context, demo_url)
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        # The theme follows the reader's setting.
        assert background == ("rgb(13, 17, 23)" if scheme == "dark" else "rgb(255, 255, 255)")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"index-{scheme}.png"), full_page=True)
        assert not problems.all()
    finally:
        context.close()


def tooltip_box(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None
    return box


@pytest.mark.browser
def test_bars_explain_themselves_on_hover_and_focus(browser: Browser, demo_url: str) -> None:
    context = browser.new_context(viewport=DESKTOP)
    try:
        page, _ = open_page(context, demo_url)
        # Each day is focusable (a tap shows it too); its tooltip links its incidents.
        bar = page.locator(
            ".bars li", has=page.locator('.tip a[href="incidents/2026-11-20-checkout-errors/"]')
        ).first
        link = bar.locator(".tip a")
        tip = bar.locator(".tip")
        assert tip.bounding_box()["width"] <= 1  # type: ignore[index]  # hidden until asked for
        # The name screen readers hear is the day, its uptime and its incident.
        assert bar.evaluate("li => li.textContent.replace(/\\s+/g, ' ').trim()") == (
            "Nov 20, 2026 96.68% uptime Major outage: 42 min Partial outage: 19 min "
            "Elevated error rate at checkout"
        )
        bar.hover()
        assert tip.is_visible() and tip.bounding_box()["width"] > 100  # type: ignore[index]
        page.mouse.move(0, 0)
        assert tip.bounding_box()["width"] <= 1  # type: ignore[index]
        bar.focus()
        assert tip.bounding_box()["width"] > 100  # type: ignore[index]
        link.click()  # from the tooltip to the incident
        page.wait_for_url("**/incidents/2026-11-20-checkout-errors/")
        page.go_back()
        # A quiet run tells its dates on hover too.
        run = page.locator(".bars li.b-operational").first
        run.hover()
        assert "100.00% uptime" in run.inner_text()
        assert run.locator(".tip").bounding_box()["width"] > 100  # type: ignore[index]
    finally:
        context.close()


@pytest.mark.browser
def test_print_hides_navigation(browser: Browser, demo_url: str) -> None:
    context = browser.new_context(viewport=DESKTOP)
    try:
        page, _ = open_page(context, demo_url + "incidents/2026-08-06-shop-unavailable/")
        page.emulate_media(media="print")
        assert not page.locator(".top nav").is_visible()
        assert not page.locator("#subscribe").is_visible()
        assert page.locator("h1").is_visible()
        assert len(page.pdf()) > 10_000
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", AXE_PAGES)
def test_axe_finds_no_violation(browser: Browser, demo_url: str, path: str, scheme: str) -> None:
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme)  # type: ignore[arg-type]
    try:
        page, _ = open_page(context, demo_url + path)
        violations = axe_violations(page)
        assert not violations, format_axe(violations)
    finally:
        context.close()


@pytest.mark.vnu
def test_every_page_is_valid_html(built_demo: Path) -> None:
    errors = vnu_errors([built_demo])
    assert not errors, format_vnu(errors)
