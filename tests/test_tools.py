"""Self-tests of the test tooling: each check must be able to fail as well as pass."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.tools import (
    REQUIRE_TOOLS_ENV,
    axe_violations,
    format_axe,
    format_vnu,
    missing_tool,
    open_page,
    vnu_errors,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

Serve = Callable[[Path], str]

PIXEL = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def page_html(body: str, *, title: str = "Status", head: str = "") -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n{head}</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


VALID = page_html("<main>\n<h1>All systems operational</h1>\n<p>No incidents.</p>\n</main>")
INVALID = (
    "<!DOCTYPE html>\n<html lang=en>\n<head><title>Broken</title></head>\n<body>\n"
    '<main><p id="dup">one</p><p id="dup">two</p><span></div></main>\n'
    "</body>\n</html>\n"
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def closed_port() -> int:
    """A loopback port with nothing listening on it (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


# --------------------------------------------------------------------------- skip / fail


def test_missing_tool_skips_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_TOOLS_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="frobnicator not found"):
        missing_tool("frobnicator not found")


def test_missing_tool_fails_when_tools_are_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_TOOLS_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="frobnicator not found"):
        missing_tool("frobnicator not found")


# --------------------------------------------------------------------------- HTTP server


def test_serve_directory(serve: Serve, tmp_path: Path) -> None:
    write(tmp_path / "sub" / "index.html", VALID)
    base = serve(tmp_path)
    assert base.startswith("http://127.0.0.1:") and base.endswith("/")
    with urllib.request.urlopen(base + "sub/", timeout=10) as response:
        assert response.status == 200
        assert b"All systems operational" in response.read()
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(base + "missing.html", timeout=10)
    assert excinfo.value.code == 404


# --------------------------------------------------------------------------- Nu HTML checker


@pytest.mark.vnu
def test_vnu_flags_invalid_file_and_passes_valid_one(tmp_path: Path) -> None:
    valid = write(tmp_path / "valid.html", VALID)
    invalid = write(tmp_path / "invalid.html", INVALID)

    errors = vnu_errors([valid, invalid])  # one checker run for both files

    assert errors, "vnu found no error in a deliberately invalid file"
    files = {Path(e["url"].removeprefix("file:")).name for e in errors}
    assert files == {"invalid.html"}, format_vnu(errors)
    text = format_vnu(errors)
    assert "Duplicate ID" in text, text
    assert "div" in text, text  # the stray </div>
    assert vnu_errors([valid]) == []


@pytest.mark.vnu
def test_vnu_checks_folders_recursively_and_only_html(tmp_path: Path) -> None:
    write(tmp_path / "index.html", VALID)
    write(tmp_path / "deep" / "er" / "broken.html", INVALID)
    write(tmp_path / "notes.txt", "<<< not html >>>")
    write(tmp_path / "style.css", "this is { not css")

    errors = vnu_errors([tmp_path])

    assert {Path(e["url"]).name for e in errors} == {"broken.html"}, format_vnu(errors)


# --------------------------------------------------------------------------- axe-core


@pytest.mark.browser
def test_axe_reports_missing_alt_and_low_contrast(
    browser_context: BrowserContext, serve: Serve, tmp_path: Path
) -> None:
    body = (
        "<main>\n<h1>Status</h1>\n"
        f'<img src="{PIXEL}" width="20" height="20">\n'
        '<p style="color: #bbbbbb; background: #ffffff">Degraded performance</p>\n'
        "</main>"
    )
    write(tmp_path / "index.html", page_html(body))
    page, _ = open_page(browser_context, serve(tmp_path))

    violations = axe_violations(page)

    ids = {v["id"] for v in violations}
    assert {"image-alt", "color-contrast"} <= ids, format_axe(violations)


@pytest.mark.browser
def test_axe_passes_clean_page_even_under_strict_csp(
    browser_context: BrowserContext, serve: Serve, tmp_path: Path
) -> None:
    # A strict Content-Security-Policy must not stop axe from being injected.
    csp = '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'">\n'
    body = (
        "<main>\n<h1>All systems operational</h1>\n"
        f'<img src="{PIXEL}" alt="Green tick" width="20" height="20">\n'
        '<p style="color: #1a1a1a; background: #ffffff">No incidents.</p>\n'
        "</main>"
    )
    write(tmp_path / "index.html", page_html(body, head=csp))
    page, _ = open_page(browser_context, serve(tmp_path))

    violations = axe_violations(page)

    assert violations == [], format_axe(violations)


# --------------------------------------------------------------------------- browser


@pytest.mark.browser
def test_browser_renders_served_page_without_problems(
    browser: Browser, serve: Serve, tmp_path: Path
) -> None:
    css = "h1 { color: rgb(0, 100, 0); }"
    write(tmp_path / "style.css", css)
    write(
        tmp_path / "app.js",
        "document.getElementById('state').textContent = 'Operational';",
    )
    body = (
        '<main>\n<h1>Status</h1>\n<p id="state">loading</p>\n</main>\n'
        '<script src="app.js"></script>'
    )
    head = '<link rel="stylesheet" href="style.css">\n'
    write(tmp_path / "index.html", page_html(body, head=head))

    page, problems = open_page(browser, serve(tmp_path) + "index.html")
    try:
        assert page.title() == "Status"
        assert page.text_content("#state") == "Operational"  # the script ran
        heading = page.locator("h1")
        assert heading.evaluate("e => getComputedStyle(e).color") == "rgb(0, 100, 0)"
        box = heading.bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0
        assert page.screenshot(full_page=True).startswith(b"\x89PNG")
        assert not problems, problems.all()
    finally:
        page.close()


@pytest.mark.browser
def test_browser_collects_console_errors_and_failed_requests(
    browser_context: BrowserContext, serve: Serve, tmp_path: Path
) -> None:
    body = (
        "<main><h1>Broken</h1></main>\n"
        "<script>console.error('deliberate console error');</script>\n"
        "<script>undefinedFunction();</script>\n"
        '<script src="missing.js"></script>\n'
        f'<img alt="x" src="http://127.0.0.1:{closed_port()}/refused.png">'
    )
    write(tmp_path / "index.html", page_html(body, title="Broken"))

    page, problems = open_page(browser_context, serve(tmp_path))

    assert page.title() == "Broken"
    assert any("deliberate console error" in m for m in problems.console_errors), problems
    assert any("undefinedFunction" in m for m in problems.page_errors), problems
    assert any(m.startswith("404 GET ") and "missing.js" in m for m in problems.http_errors)
    assert any("refused.png" in m for m in problems.failed_requests), problems
    assert problems
