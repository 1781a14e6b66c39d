"""The demo in every language, in the tools the English demo passes (test_site_browser.py):
headless Chromium on a phone, axe-core, the Nu HTML checker; a screenshot per language.

The multilingual demo is the repository's demo with `languages: [en, fr, ru, zh]` instead of
`language: en`: the main language at the top, the others under /fr/, /ru/ and /zh/. Two
demo incidents are translated (one into all four languages, one into three), so the other
incidents show the fallback to English, marked.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from statuspage.builder.pipeline import build_site
from tests.sites import DEMO_NOW, REPO_ROOT
from tests.tools import (
    axe_violations,
    format_axe,
    format_vnu,
    missing_tool,
    open_page,
    serve_directory,
    vnu_errors,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
LANGUAGE_LINE = re.compile(r"^language: en\b.*$", re.MULTILINE)
ROOTS = {"en": "", "fr": "fr/", "ru": "ru/", "zh": "zh/"}
TAGS = {"en": "en", "fr": "fr", "ru": "ru", "zh": "zh-Hans"}
TRANSLATED = "incidents/2026-11-20-checkout-errors/"  # in all four languages
PARTLY = "incidents/2026-12-03-database-upgrade/"  # en, fr, ru: Chinese falls back
# The pages opened in Chromium for each language: one of each kind.
PAGES = ["", TRANSLATED, PARTLY, "history/", "components/checkout/", "uptime/"]
# Fonts that hold the Chinese glyphs (fonts-noto-cjk in CI; PingFang, YaHei elsewhere).
CJK_FONT = re.compile(r"CJK|Source Han|PingFang|Hiragino|YaHei|WenQuanYi|Hei|Song", re.I)


def require_cjk_font() -> None:
    """Skip locally without a Chinese font (fail in CI, which installs fonts-noto-cjk)."""
    try:
        found = subprocess.run(
            ["fc-list", ":lang=zh"], capture_output=True, text=True, check=False
        ).stdout
    except OSError:
        found = ""
    if not found.strip():
        missing_tool("no font for Chinese; run .ci/run or apt-get install fonts-noto-cjk")


def demo_copy(root: Path, language_line: str) -> Path:
    """The demo with its `language:` line replaced, built into root/site."""
    root.mkdir(parents=True)
    config = (REPO_ROOT / "statuspage.yaml").read_text(encoding="utf-8")
    assert LANGUAGE_LINE.search(config), "the demo config names its language on one line"
    (root / "statuspage.yaml").write_text(LANGUAGE_LINE.sub(language_line, config), "utf-8")
    shutil.copytree(REPO_ROOT / "incidents", root / "incidents")
    build_site(root, root / "site", now=DEMO_NOW, check_git=False)
    return root / "site"


@pytest.fixture(scope="module")
def multilingual_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_copy(tmp_path_factory.mktemp("demo") / "all", "languages: [en, fr, ru, zh]")


@pytest.fixture(scope="module")
def demo_url(multilingual_demo: Path) -> Iterator[str]:
    with serve_directory(multilingual_demo) as url:
        yield url


@pytest.mark.parametrize("language", ["fr", "ru", "zh"])
def test_one_config_line_switches_the_demo(tmp_path: Path, language: str) -> None:
    """`language: fr` puts the French site at the top, with nothing else changed."""
    site = demo_copy(tmp_path / language, f"language: {language}")
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f'<html lang="{TAGS[language]}" dir="ltr">' in index
    assert not (site / language).exists() and "hreflang" not in index
    incident = (site / TRANSLATED / "index.html").read_text(encoding="utf-8")
    english = (REPO_ROOT / "incidents/2026-11-20-checkout-errors.yaml").read_text()
    assert "Elevated error rate at checkout" in english
    assert "Elevated error rate at checkout" not in incident  # the page's own language
    assert 'class="untranslated"' not in incident
    # Plain text is taken to be in the site's language (docs/languages.md): shown as written.
    other = (site / "incidents/2026-08-06-shop-unavailable/index.html").read_text("utf-8")
    assert '<h1 id="title">Acme Shop unavailable</h1>' in other


def test_the_multilingual_demo_has_every_language(multilingual_demo: Path) -> None:
    for language, root in ROOTS.items():
        for page in PAGES:
            html = (multilingual_demo / root / page / "index.html").read_text(encoding="utf-8")
            assert f'<html lang="{TAGS[language]}" dir="ltr">' in html
            assert html.count('hreflang="') == 2 * 4 + 1  # alternates, x-default, switcher
    chinese = (multilingual_demo / "zh" / PARTLY / "index.html").read_text(encoding="utf-8")
    assert '<span lang="en">Database upgrade' in chinese and "尚未翻译" in chinese
    russian = (multilingual_demo / "ru" / PARTLY / "index.html").read_text(encoding="utf-8")
    assert "Обновление базы данных" in russian and 'class="untranslated"' not in russian
    for root in ROOTS.values():
        assert (multilingual_demo / root / "history.atom").is_file()
        assert (multilingual_demo / root / "maintenance.ics").is_file()


@pytest.mark.vnu
def test_every_page_of_every_language_is_valid_html(multilingual_demo: Path) -> None:
    errors = vnu_errors([multilingual_demo])  # one run over all four languages
    assert not errors, format_vnu(errors)


@pytest.mark.browser
@pytest.mark.parametrize("language", list(ROOTS))
def test_pages_load_cleanly_on_a_phone(browser: Browser, demo_url: str, language: str) -> None:
    """No console error, no failed request, nothing wider than a 360 px screen: longer
    French and Russian words must wrap too."""
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        for path in PAGES:
            page, problems = open_page(context, demo_url + ROOTS[language] + path)
            assert not problems.all(), f"{language} {path}: {problems.all()}"
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{language} {path} is {width} px wide on a phone"
            page.close()
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("path", "scheme"), [("", "light"), ("", "dark"), (PARTLY, "light"), ("uptime/", "light")]
)
@pytest.mark.parametrize("language", list(ROOTS))
def test_axe_finds_no_violation(
    browser: Browser, demo_url: str, language: str, path: str, scheme: str
) -> None:
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme)  # type: ignore[arg-type]
    try:
        page, _ = open_page(context, demo_url + ROOTS[language] + path)
        violations = axe_violations(page)
        assert not violations, format_axe(violations)
    finally:
        context.close()


@pytest.mark.browser
def test_the_language_switcher_works_without_javascript(browser: Browser, demo_url: str) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page, problems = open_page(context, demo_url + "fr/" + TRANSLATED)
        assert page.locator("h1").inner_text() == "Taux d'erreurs élevé au paiement"
        switcher = page.get_by_role("navigation", name="Langue")
        assert switcher.get_by_role("link", name="Français").get_attribute("aria-current")
        switcher.get_by_role("link", name="Русский").click()
        page.wait_for_url(demo_url + "ru/" + TRANSLATED)
        assert page.locator("html").get_attribute("lang") == "ru"
        assert page.locator("h1").inner_text() == "Повышенное число ошибок при оформлении заказа"
        page.get_by_role("navigation", name="Язык").get_by_role("link", name="English").click()
        page.wait_for_url(demo_url + TRANSLATED)
        assert page.locator("h1").inner_text() == "Elevated error rate at checkout"
        assert not problems.all()
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("language", list(ROOTS))
def test_screenshot_per_language(browser: Browser, demo_url: str, language: str) -> None:
    """A screenshot of each language's home page for review (tests/artifacts/). Chinese is
    drawn with the system's CJK fonts, no web font: the font Chromium actually used for the
    heading must hold Chinese glyphs, or the screenshot would show empty boxes."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        page, problems = open_page(context, demo_url + ROOTS[language])
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"index-{language}.png"), full_page=True)
        assert not problems.all()
        if language == "zh":
            require_cjk_font()
            assert page.locator(".banner h2").inner_text() == "所有系统运行正常"
            session = context.new_cdp_session(page)
            session.send("DOM.enable")
            session.send("CSS.enable")
            root = session.send("DOM.getDocument")["root"]["nodeId"]
            node = session.send("DOM.querySelector", {"nodeId": root, "selector": ".banner h2"})
            used = session.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
            families = [font["familyName"] for font in used["fonts"]]
            assert any(CJK_FONT.search(name) for name in families), (
                f"Chinese drawn with {families}: install a CJK font (fonts-noto-cjk)"
            )
    finally:
        context.close()
