"""The outage page in headless Chromium (issue 15): what a customer sees in the first three
seconds on a desktop and on a phone, in every language, light and dark; axe-core and the Nu
HTML checker on it.

The scenario is tests/sites.py's OUTAGE_INCIDENTS: a critical checkout outage, a minor search
slowdown filed after it, a maintenance in three days, last week's resolved incident.
`STATUSPAGE_SCREENSHOTS=docs` also writes the screenshots the README shows into docs/.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from statuspage.builder.pipeline import build_site
from statuspage.inputs.clock import parse_now
from statuspage.publish.mediatypes import content_type
from tests.sites import OUTAGE_CONFIG, OUTAGE_INCIDENTS, OUTAGE_NOW, REPO_ROOT, write_site
from tests.tools import (
    axe_violations,
    format_axe,
    format_vnu,
    open_page,
    vnu_errors,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LANGUAGES = ["en", "fr", "ru", "zh"]


@pytest.fixture(scope="module")
def outage_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The outage built in all four languages (English at the top)."""
    root = tmp_path_factory.mktemp("outage")
    config = OUTAGE_CONFIG.replace("language: en\n", "language: en\nlanguages: [en, fr, ru, zh]\n")
    write_site(root, OUTAGE_INCIDENTS, config=config)
    out = root / "site"
    build_site(root, out, now=parse_now(OUTAGE_NOW), check_git=False)
    return out


@pytest.fixture(scope="module")
def outage_url(outage_site: Path) -> Iterator[str]:
    """The site served with the content types `deploy` uploads it with."""
    handler = functools.partial(_Typed, directory=str(outage_site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _Typed(SimpleHTTPRequestHandler):
    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return content_type(str(path))

    def log_message(self, format: str, *args: object) -> None:
        pass


def language_path(language: str) -> str:
    return "" if language == "en" else f"{language}/"


def open_outage(
    browser: Browser,
    url: str,
    viewport: dict[str, int],
    *,
    scripts: bool = False,
    **options: object,
) -> Page:
    """The page with JavaScript off (it needs none), unless a test tool runs in it."""
    context = browser.new_context(viewport=viewport, java_script_enabled=scripts, **options)  # type: ignore[arg-type]
    page, problems = open_page(context, url)
    assert not problems.all(), problems.all()
    return page


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_first_screen_says_what_is_broken(
    browser: Browser, outage_url: str, viewport: dict[str, int]
) -> None:
    page = open_outage(browser, outage_url, viewport, has_touch=viewport is PHONE)
    try:
        banner = page.locator(".banner h2")
        assert banner.inner_text() == "Checkout and Payments are down · Search is slow"
        assert banner.bounding_box()["y"] < 300  # type: ignore[index]
        # The critical incident first; every open card complete.
        cards = page.locator("article.card.active")
        assert cards.count() == 2
        assert cards.nth(0).locator("h3").inner_text() == "Checkout unavailable"
        for n in range(2):
            text = cards.nth(n).inner_text()
            assert "Started " in text and " ago)" in text
            assert cards.nth(n).locator(".states li").count() >= 1  # affected, with state
            assert "Next update by" in text or "Overdue" in text
        # The broken component's row, with its state, is on the first screen: in the list of
        # components on a desktop; on a phone, where two open incidents fill the screen, in
        # the first card's list of affected components (the list of components follows).
        if viewport is DESKTOP:
            row = page.locator(".component", has=page.locator("a", has_text="Checkout")).first
            box = row.locator(".component-head").bounding_box()
            assert "Major outage" in row.locator(".component-head").inner_text()
        else:
            row = cards.nth(0).locator(".states li", has_text="Checkout")
            box = row.bounding_box()
            assert row.inner_text().split() == ["Checkout", "Major", "outage"]
        assert box is not None
        assert box["y"] + box["height"] <= viewport["height"], f"Checkout's row at {box}"
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{width} px wide"
    finally:
        page.context.close()


@pytest.mark.browser
def test_a_phone_shows_30_days_and_a_bar_tells_its_day_on_tap(
    browser: Browser, outage_url: str
) -> None:
    page = open_outage(browser, outage_url, PHONE, has_touch=True)
    try:
        strip = page.locator(".component", has=page.locator("a", has_text="Checkout")).first
        days = strip.evaluate(
            "c => [...c.querySelectorAll('.bars li')].filter(li => li.offsetParent)"
            ".reduce((sum, li) => sum + (parseInt(li.style.getPropertyValue('--n')) || 1), 0)"
        )
        assert days == 30
        bars = strip.locator(".bars li")
        shown = [bars.nth(n) for n in range(bars.count()) if bars.nth(n).is_visible()]
        assert shown[-1].bounding_box()["width"] >= 8  # type: ignore[index]  # wide enough to tap
        assert "30 days ago" in strip.locator(".scale").inner_text()
        today = shown[-1]
        tip = today.locator(".tip")
        assert tip.bounding_box()["width"] <= 1  # type: ignore[index]
        before = page.url
        today.tap()
        assert tip.bounding_box()["width"] > 100  # type: ignore[index]
        assert "Checkout unavailable" in tip.inner_text()
        assert page.url == before  # the tap shows the day; it does not leave the page
        # Inside the viewport, so nothing scrolls sideways.
        box = tip.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        # The incident is one more tap away, in the tooltip.
        assert (
            tip.locator("a").get_attribute("href") == "incidents/2026-11-30-checkout-unavailable/"
        )
    finally:
        page.context.close()


@pytest.mark.browser
def test_a_bar_tells_its_day_on_keyboard_focus(browser: Browser, outage_url: str) -> None:
    page = open_outage(browser, outage_url, DESKTOP)
    try:
        strip = page.locator(".component", has=page.locator("a", has_text="Checkout")).first
        today = strip.locator(".bars li").last
        tip = today.locator(".tip")
        assert tip.bounding_box()["width"] <= 1  # type: ignore[index]
        page.locator(".component-head a", has_text="Checkout").focus()
        page.keyboard.press("Tab")  # the first day of the strip
        assert page.evaluate("() => document.activeElement.tagName") == "LI"
        today.focus()
        assert tip.bounding_box()["width"] > 100  # type: ignore[index]
        assert "Major outage: 16 min" in tip.inner_text()
    finally:
        page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_no_violation_on_the_outage(
    browser: Browser, outage_url: str, language: str, scheme: str
) -> None:
    for path in ["", "incidents/2026-11-30-checkout-unavailable/"]:
        page = open_outage(
            browser,
            outage_url + language_path(language) + path,
            DESKTOP,
            scripts=True,  # axe-core runs in the page
            color_scheme=scheme,
        )
        try:
            violations = axe_violations(page)
            assert not violations, format_axe(violations)
        finally:
            page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_of_the_outage(browser: Browser, outage_url: str, scheme: str) -> None:
    """Desktop 1280×900 and phone 390×844, the first screen as a customer sees it."""
    targets = [ARTIFACTS]
    if os.environ.get("STATUSPAGE_SCREENSHOTS") == "docs":
        targets.append(REPO_ROOT / "docs")
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = open_outage(
            browser,
            outage_url,
            viewport,
            color_scheme=scheme,
            device_scale_factor=1,
        )
        try:
            image = page.screenshot()
            for folder in targets:
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"outage-{name}-{scheme}.png").write_bytes(image)
        finally:
            page.context.close()


@pytest.mark.vnu
def test_the_outage_is_valid_html(outage_site: Path) -> None:
    errors = vnu_errors([outage_site])
    assert not errors, format_vnu(errors)


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_table_too_wide_for_a_phone_says_it_scrolls(
    browser: Browser, outage_url: str, viewport: dict[str, int]
) -> None:
    page = open_outage(browser, outage_url + "components/checkout/", viewport)
    try:
        note = page.locator("p.note", has_text="Swipe the table sideways").first
        table = page.locator(".table").first
        wide = table.evaluate("t => t.scrollWidth > t.clientWidth")
        assert note.is_visible() == (viewport is PHONE)
        assert not wide or note.is_visible()  # a table that scrolls says so
        assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
    finally:
        page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize(
    "feed", ["history.atom", "history.rss", "fr/components/checkout/history.atom"]
)
def test_a_feed_opened_in_a_browser_reads_as_a_page(
    browser: Browser, outage_url: str, feed: str
) -> None:
    page = open_outage(browser, outage_url + feed, DESKTOP)
    try:
        assert (
            page.locator("h1")
            .inner_text()
            .endswith("Checkout history" if "checkout" in feed and "fr/" not in feed else "")
        )
        text = page.locator("body").inner_text()
        assert "feed reader" in text or "lecteur de flux" in text
        assert page.locator("li a", has_text="Checkout unavailable").count() == 1
        link = page.locator("li a", has_text="Checkout unavailable").get_attribute("href")
        assert link is not None and "incidents/2026-11-30-checkout-unavailable/" in link
    finally:
        page.context.close()
