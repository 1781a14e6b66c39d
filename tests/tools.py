"""External test tools: headless Chromium (Playwright), the Nu HTML checker and axe-core.

Every helper here either works or stops the test with a clear reason: ``pytest.skip`` on a
developer machine that lacks the tool, ``pytest.fail`` when ``STATUSPAGE_REQUIRE_TOOLS=1``
(as ``.ci/run`` sets), so CI can never pass by skipping.

Install everything with ``bash .ci/run``, or by hand::

    apt-get install chromium default-jre-headless
    python -m pip install -e '.[test]'
    npm ci --ignore-scripts
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

REPO_ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO_ROOT / "node_modules"

CHROMIUM = Path("/usr/bin/chromium")
# Chromium runs as root in CI (hence --no-sandbox) on a machine whose network reaches only
# loopback and package registries: without the background-networking flags it keeps trying
# (and failing) to reach Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA (WCAG 2.2 added no new level-A rule to axe).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

REQUIRE_TOOLS_ENV = "STATUSPAGE_REQUIRE_TOOLS"

WaitUntil = Literal["commit", "domcontentloaded", "load", "networkidle"]


# --------------------------------------------------------------------------- availability


def tools_required() -> bool:
    """True when a missing tool must fail the test instead of skipping it (CI)."""
    return os.environ.get(REQUIRE_TOOLS_ENV, "") == "1"


def missing_tool(reason: str) -> NoReturn:
    """Skip the current test because a tool is missing, or fail it when tools are required."""
    if tools_required():
        pytest.fail(f"{reason} ({REQUIRE_TOOLS_ENV}=1, so this is an error)", pytrace=False)
    pytest.skip(reason)


def require_chromium() -> Path:
    """Path of Debian's Chromium, or skip/fail."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing_tool(f"Chromium not found at {CHROMIUM}; run .ci/run or apt-get install chromium")
    if importlib.util.find_spec("playwright") is None:
        missing_tool("playwright is not installed; run python -m pip install -e '.[test]'")
    return CHROMIUM


def require_java() -> str:
    """Path of the java executable, or skip/fail."""
    java = shutil.which("java")
    if java is None:
        missing_tool(
            "java not found (needed by the Nu HTML checker); "
            "run .ci/run or apt-get install default-jre-headless"
        )
    return java


def require_vnu() -> Path:
    """Path of vnu.jar from node_modules, or skip/fail."""
    if not VNU_JAR.is_file():
        missing_tool(f"Nu HTML checker not found at {VNU_JAR}; run .ci/run or npm ci")
    return VNU_JAR


def require_axe() -> Path:
    """Path of axe.min.js from node_modules, or skip/fail."""
    if not AXE_JS.is_file():
        missing_tool(f"axe-core not found at {AXE_JS}; run .ci/run or npm ci")
    return AXE_JS


# --------------------------------------------------------------------------- HTTP server


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Serve ``root`` over HTTP on 127.0.0.1 (a free port) from a background thread.

    Yields the base URL, ending in "/", e.g. ``http://127.0.0.1:41234/``.
    """
    root = Path(root)
    if not root.is_dir():
        raise NotADirectoryError(root)
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, name=f"serve {root}", kwargs={"poll_interval": 0.1}
    )
    thread.daemon = True
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------- browser


def launch_chromium(playwright: Any) -> Browser:
    """Launch Debian's headless Chromium through a started ``sync_playwright()`` object."""
    browser: Browser = playwright.chromium.launch(
        executable_path=str(require_chromium()), headless=True, args=CHROMIUM_ARGS
    )
    return browser


@dataclass
class PageProblems:
    """What went wrong while a page was open: filled in by listeners as events arrive."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        """Every problem as one line of text, for ``assert not problems.all()``."""
        return [
            *(f"console error: {m}" for m in self.console_errors),
            *(f"uncaught exception: {m}" for m in self.page_errors),
            *(f"request failed: {m}" for m in self.failed_requests),
            *(f"HTTP error: {m}" for m in self.http_errors),
        ]

    def __bool__(self) -> bool:
        return bool(self.all())


def watch_page(page: Page, *, ignore_favicon: bool = True) -> PageProblems:
    """Start collecting console errors, uncaught exceptions and failed requests of ``page``.

    Attach before ``page.goto`` to catch everything that happens while it loads.
    Chromium asks every site for /favicon.ico by itself (not as a network event Playwright
    reports) and logs a console error when it is missing; ``ignore_favicon`` drops that one.
    """
    problems = PageProblems()

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            loc = msg.location
            if ignore_favicon and urlsplit(loc.get("url", "")).path == "/favicon.ico":
                return
            where = f" ({loc.get('url', '')}:{loc.get('lineNumber', '')})" if loc else ""
            problems.console_errors.append(f"{msg.text}{where}")

    def on_pageerror(error: Any) -> None:
        problems.page_errors.append(str(error))

    def on_requestfailed(request: Any) -> None:
        problems.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def on_response(response: Any) -> None:
        if response.status >= 400:
            problems.http_errors.append(
                f"{response.status} {response.request.method} {response.url}"
            )

    page.on("console", on_console)
    page.on("pageerror", on_pageerror)
    page.on("requestfailed", on_requestfailed)
    page.on("response", on_response)
    return problems


def open_page(
    target: Browser | BrowserContext, url: str, *, wait_until: WaitUntil = "load"
) -> tuple[Page, PageProblems]:
    """Open ``url`` in a new page of ``target`` and return it with its problem collector.

    Given a ``Browser`` the page gets a fresh context, closed when the page is closed;
    given a ``BrowserContext`` (e.g. the ``browser_context`` fixture) it is closed with it.
    """
    page = target.new_page()
    problems = watch_page(page)
    page.goto(url, wait_until=wait_until)
    return page, problems


# --------------------------------------------------------------------------- Nu HTML checker


def vnu_messages(paths: Sequence[Path], *, errors_only: bool = True) -> list[dict[str, Any]]:
    """Run the Nu HTML checker once over ``paths`` (files or folders) and return its messages.

    Folders are searched recursively; only HTML files are checked (``--skip-non-html``).
    Each message is a dict from vnu's JSON output, with keys such as ``type``
    ("error", "info", "non-document-error"), ``url``, ``lastLine`` and ``message``.
    """
    if not paths:
        return []
    java = require_java()
    jar = require_vnu()
    cmd = [
        java,
        "-jar",
        str(jar),
        "--format",
        "json",
        "--stdout",
        "--exit-zero-always",
        "--skip-non-html",
        "--no-langdetect",
        *(["--errors-only"] if errors_only else []),
        *(str(Path(p).resolve()) for p in paths),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    try:
        report = json.loads(proc.stdout)
        messages: list[dict[str, Any]] = report["messages"]
    except (ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(
            f"vnu gave no JSON report (exit {proc.returncode}).\n"
            f"command: {' '.join(cmd)}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        ) from exc
    if proc.returncode != 0:
        raise RuntimeError(f"vnu exited {proc.returncode}.\nstderr:\n{proc.stderr}")
    return messages


def vnu_errors(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """The error messages (and files vnu could not read) for ``paths``; [] means valid HTML."""
    return [m for m in vnu_messages(paths) if m.get("type") in ("error", "non-document-error")]


def format_vnu(messages: Sequence[dict[str, Any]]) -> str:
    """Messages as ``file:line:col: type: message`` lines, for assertion output."""
    lines = []
    for m in messages:
        where = f"{m.get('url', '?')}:{m.get('lastLine', '?')}:{m.get('firstColumn', '?')}"
        lines.append(f"{where}: {m.get('type')}: {m.get('message')}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- axe-core


@functools.cache
def _axe_source(path: Path) -> str:
    # The trailing expression keeps Playwright from treating the script as a function.
    return path.read_text(encoding="utf-8") + "\n;void 0;"


def axe_violations(
    page: Page, *, tags: Sequence[str] = AXE_TAGS, context: Any = None
) -> list[dict[str, Any]]:
    """Run axe-core in ``page`` against WCAG 2.0/2.1/2.2 A and AA; return its violations.

    axe is injected with ``page.evaluate`` rather than a <script> tag, so a page's
    Content-Security-Policy cannot block it. ``context`` is axe's include/exclude
    context (a selector or object); None checks the whole document.
    """
    source = _axe_source(require_axe())
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)
    options = {"runOnly": {"type": "tag", "values": list(tags)}, "resultTypes": ["violations"]}
    results: dict[str, Any] = page.evaluate(
        "([context, options]) => context === null"
        " ? window.axe.run(document, options) : window.axe.run(context, options)",
        [context, options],
    )
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def format_axe(violations: Sequence[dict[str, Any]]) -> str:
    """Violations as readable lines (rule, impact, help, offending nodes)."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v.get('impact')}): {v['help']} <{v.get('helpUrl', '')}>")
        for node in v.get("nodes", []):
            lines.append(f"    {node.get('target')}: {node.get('html', '')[:200]}")
    return "\n".join(lines)
