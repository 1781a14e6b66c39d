"""`statuspage serve`: the preview loop in process, and the real command in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from statuspage.inputs.diagnostics import StatuspageError
from statuspage.publish.serve import (
    Build,
    Preview,
    inject,
    is_input,
    make_server,
    server_url,
)
from tests.sites import REPO_ROOT, write_site

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

TIMEOUT = 20.0  # seconds any one expected change may take to show


def poll(check: Callable[[], object], what: str, timeout: float = TIMEOUT) -> object:
    """Call `check` until it returns something true; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# --------------------------------------------------------------------------- in process


def test_inject_adds_the_script_before_the_last_body_end() -> None:
    page = b"<html><body><p>&lt;/body&gt;</p></BODY >\n</html>"
    assert inject(page, "g-1") == (
        b'<html><body><p>&lt;/body&gt;</p><script src="/__statuspage/live.js" '
        b'data-generation="g-1"></script></BODY >\n</html>'
    )
    assert inject(b"<p>no body end", "g").endswith(b"</script>")


@pytest.mark.parametrize(
    ("name", "watched"),
    [
        ("statuspage.yaml", True),
        ("incidents/a.yaml", True),
        ("incidents", True),
        ("themes/default/base.html", True),
        ("themes/mine/static/style.css", True),
        ("incidents/.a.yaml.swp", False),
        ("incidents/a.yaml~", False),
        ("incidents/4913", False),
        ("site/index.html", False),
        (".git/index", False),
        ("README.md", False),
        ("notices.ledger", False),
    ],
)
def test_only_inputs_are_watched(tmp_path: Path, name: str, watched: bool) -> None:
    assert is_input(tmp_path, tmp_path / name) is watched
    assert not is_input(tmp_path, tmp_path.parent / "elsewhere.yaml")


class FakeBuilder:
    """Returns whatever `result` is (a Build, or an exception to raise); counts calls."""

    def __init__(self) -> None:
        self.result: Build | Exception = Build({"index.html": b"<body>one</body>"})
        self.calls: list[frozenset[Path]] = []

    def __call__(self, changed: frozenset[Path]) -> Build:
        self.calls.append(changed)
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def test_preview_keeps_the_last_good_site_and_bumps_generations_only_on_change() -> None:
    builder = FakeBuilder()
    preview = Preview(builder)
    first = preview.rebuild()
    assert first.built and first.error is None
    same = preview.rebuild()
    assert same.generation == first.generation  # nothing changed: open tabs stay put

    builder.result = StatuspageError("incidents/a.yaml:3:1: error: broken")
    broken = preview.rebuild(frozenset({Path("incidents/a.yaml")}))
    assert broken.error == "incidents/a.yaml:3:1: error: broken"
    assert broken.files == first.files and broken.generation == first.generation

    builder.result = Build({"index.html": b"<body>one</body>"})
    fixed = preview.rebuild()
    assert fixed.error is None and fixed.generation == first.generation

    builder.result = Build({"index.html": b"<body>two</body>"})
    changed = preview.rebuild()
    assert changed.generation != first.generation

    builder.result = RuntimeError("a bug in a template")
    bug = preview.rebuild()
    assert bug.error is not None and "RuntimeError: a bug in a template" in bug.error
    assert bug.files == changed.files


def test_debounce_turns_a_burst_into_one_build() -> None:
    builder = FakeBuilder()
    preview = Preview(builder)
    done = threading.Event()
    loop = threading.Thread(target=preview.run, kwargs={"tick": None, "ready": done.set})
    loop.start()
    try:
        for number in range(20):
            preview.touched(Path(f"incidents/{number}.yaml"))
            time.sleep(0.01)
        assert done.wait(5)
        time.sleep(0.5)
    finally:
        preview.close()
        loop.join(5)
    assert len(builder.calls) == 1
    assert len(builder.calls[0]) == 20


@pytest.fixture
def preview_server() -> Iterator[tuple[Preview, FakeBuilder, str]]:
    builder = FakeBuilder()
    preview = Preview(builder)
    server = make_server(preview, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield preview, builder, server_url(server)
    finally:
        preview.close()
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_server_paths_headers_and_script(preview_server: tuple[Preview, FakeBuilder, str]) -> None:
    preview, builder, url = preview_server
    status, headers, body = fetch(url)
    assert status == 503 and b"/__statuspage/live.js" in body  # not built yet: still reloads

    builder.result = Build(
        {
            "index.html": b"<body>home</body>",
            "incidents/a/index.html": b"<body>a</body>",
            "history.atom": b"<feed/>",
            "404.html": b"<body>lost</body>",
        }
    )
    generation = preview.rebuild().generation
    status, headers, body = fetch(url)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-store"
    assert body == (
        b'<body>home<script src="/__statuspage/live.js" data-generation="'
        + generation.encode()
        + b'"></script></body>'
    )
    status, headers, body = fetch(url + "history.atom")
    assert (status, headers["Content-Type"], body) == (
        200,
        "application/xml; charset=utf-8",  # a browser shows it as a page (feed.xsl), in UTF-8
        b"<feed/>",
    )
    status, headers, body = fetch(url + "incidents/a")  # redirected to incidents/a/
    assert (status, body.startswith(b"<body>a<script")) == (200, True)
    status, headers, body = fetch(url + "nothing/here")
    assert status == 404 and body.startswith(b"<body>lost<script")
    status, headers, body = fetch(url + "__statuspage/status")
    assert json.loads(body) == {"generation": generation, "error": None}
    status, headers, body = fetch(url + "__statuspage/live.js")
    assert status == 200 and b"EventSource" in body


def test_event_stream_reports_changes(preview_server: tuple[Preview, FakeBuilder, str]) -> None:
    preview, builder, url = preview_server
    first = preview.rebuild().generation
    with urllib.request.urlopen(url + "__statuspage/events", timeout=10) as stream:
        assert stream.headers["Content-Type"] == "text/event-stream"

        def next_event() -> dict[str, str | None]:
            while True:
                line = stream.readline().decode()
                if line.startswith("data: "):
                    return json.loads(line.removeprefix("data: "))

        assert next_event() == {"generation": first, "error": None}
        builder.result = StatuspageError("broken")
        preview.rebuild()
        assert next_event() == {"generation": first, "error": "broken"}
        builder.result = Build({"index.html": b"<body>two</body>"})
        second = preview.rebuild().generation
        assert next_event() == {"generation": second, "error": None}


def test_busy_port_is_a_clear_error(preview_server: tuple[Preview, FakeBuilder, str]) -> None:
    preview, _, url = preview_server
    port = int(url.rsplit(":", 1)[1].strip("/"))
    with pytest.raises(StatuspageError) as caught:
        make_server(preview, "127.0.0.1", port)
    assert str(caught.value) == (
        f"cannot listen on 127.0.0.1:{port}: the port is in use; pick another with --port"
    )


# --------------------------------------------------------------------------- the command


def incident_text(now: datetime) -> str:
    def at(minutes: int) -> str:
        return (now - timedelta(minutes=minutes)).isoformat(timespec="seconds")

    return f"""\
title: Slow checkout
impact: minor
components:
  checkout: degraded_performance
updates:
  - at: {at(120)}
    status: investigating
    message: Checkout is slow.
"""


def appended_update(now: datetime, message: str, status: str = "identified") -> str:
    moment = (now - timedelta(minutes=1)).isoformat(timespec="seconds")
    return f"  - at: {moment}\n    status: {status}\n    message: {message}\n"


class ServeProcess:
    """`statuspage serve --port 0` in a subprocess, its terminal output collected as it comes."""

    def __init__(self, root: Path, *extra: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "statuspage", "serve", "--port", "0", "--no-git", *extra],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        line = poll(
            lambda: next((x for x in self.lines if x.startswith("Serving ")), None),
            "the server to start",
        )
        self.url = str(line).split()[1]

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def get(self, path: str) -> tuple[int, bytes]:
        status, _, body = fetch(self.url + path)
        return status, body

    def state(self) -> dict[str, str | None]:
        return json.loads(self.get("__statuspage/status")[1])

    def stop(self, how: signal.Signals = signal.SIGINT) -> int:
        """Ctrl-C (or `docker stop`'s SIGTERM); returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(how)
        try:
            return self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self.reader.join(5)


@pytest.mark.parametrize("watching", ["native", "poll"])
def test_serve_rebuilds_shows_errors_and_recovers(tmp_path: Path, watching: str) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    root = write_site(tmp_path / "status", {"slow-checkout": incident_text(now)})
    incident = root / "incidents" / "slow-checkout.yaml"
    page = "incidents/slow-checkout/index.html"
    server = ServeProcess(root, *(["--poll"] if watching == "poll" else []))
    try:
        status, body = server.get(page)
        assert status == 200, body
        assert b"Checkout is slow." in body
        assert b"/__statuspage/live.js" in body

        with incident.open("a", encoding="utf-8") as file:
            file.write(appended_update(now, "Found a slow database query."))
        poll(lambda: b"Found a slow database query." in server.get(page)[1], "the new update")
        good = server.state()
        assert good["error"] is None

        good_text = incident.read_text(encoding="utf-8")
        incident.write_text(good_text.replace("status: identified", "status: identifed"))
        error = poll(lambda: server.state()["error"], "the error to show")
        assert "incidents/slow-checkout.yaml:10:13: error: updates[1].status: 'identifed'" in str(
            error
        )
        poll(lambda: "'identifed' is not one of" in server.output, "the error in the terminal")
        assert "Build failed; still serving the last good site:" in server.output
        status, body = server.get(page)  # the last good site stays up
        assert status == 200 and b"Found a slow database query." in body
        assert server.state()["generation"] == good["generation"]

        incident.write_text(good_text + appended_update(now, "All good again.", "resolved"))
        poll(lambda: server.state()["error"] is None, "the error to clear")
        poll(lambda: b"All good again." in server.get(page)[1], "the fixed page")
        assert "Fixed." in server.output
        assert not (root / "site").exists()  # the preview never writes the site
    finally:
        code = server.stop()
    assert code == 0, server.output
    assert server.lines[-1] == "Stopped."
    assert "Traceback" not in server.output


def test_serve_watches_a_theme_folder_made_later(tmp_path: Path) -> None:
    """themes/ does not exist at start; once made, it is watched, and a template error in it
    is shown like an input error, then recovered from."""
    now = datetime.now(UTC).replace(microsecond=0)
    root = write_site(tmp_path / "status", {"slow-checkout": incident_text(now)})
    server = ServeProcess(root)
    try:
        theme = root / "themes" / "default"
        theme.mkdir(parents=True)
        template = theme / "base.html"

        def extend(marker: int) -> str:
            return (
                '{% extends "default:base.html" %}{% block footer_extra %}'
                f"<p>Marker {marker}</p>"
            )

        template.write_text(extend(1) + "{% endblock %}")
        poll(lambda: b"<p>Marker 1</p>" in server.get("")[1], "the first theme edit")
        template.write_text(extend(2) + "{% endblock %}")
        poll(lambda: b"<p>Marker 2</p>" in server.get("")[1], "the second theme edit")

        template.write_text(extend(3))  # no endblock: a template syntax error
        error = str(poll(lambda: server.state()["error"], "the template error"))
        assert "base.html" in error and "endblock" in error, error
        assert b"<p>Marker 2</p>" in server.get("")[1]
        template.write_text(extend(3) + "{% endblock %}")
        poll(lambda: b"<p>Marker 3</p>" in server.get("")[1], "recovery from the template error")
        assert server.state()["error"] is None
    finally:
        assert server.stop() == 0, server.output


def test_built_files_never_carry_the_reload_script(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    root = write_site(tmp_path / "status", {"slow-checkout": incident_text(now)})
    server = ServeProcess(root)
    try:
        assert b"/__statuspage/live.js" in server.get("")[1]
    finally:
        assert server.stop(signal.SIGTERM) == 0
    assert server.lines[-1] == "Stopped."
    from statuspage.builder.pipeline import build_site

    build_site(root, root / "site", now=now, check_git=False)
    pages = list((root / "site").rglob("*.html"))
    assert pages
    for path in pages:
        assert b"__statuspage" not in path.read_bytes(), path


def test_serve_without_config_fails_cleanly(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "statuspage", "serve", "--port", "0"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1
    assert done.stderr == (
        f"Error: no statuspage.yaml in {tmp_path.resolve()}; run `statuspage init` first\n"
    )


@pytest.mark.browser
def test_browser_reloads_and_shows_the_overlay(
    tmp_path: Path, browser_context: BrowserContext
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    root = write_site(tmp_path / "status", {"slow-checkout": incident_text(now)})
    incident = root / "incidents" / "slow-checkout.yaml"
    server = ServeProcess(root)
    try:
        page = browser_context.new_page()
        page.goto(server.url + "incidents/slow-checkout/", wait_until="load")
        assert page.locator("#statuspage-error").count() == 0
        good_text = incident.read_text(encoding="utf-8")

        incident.write_text(good_text.replace("status: investigating", "status: lost"))
        overlay = page.locator("#statuspage-error")
        overlay.wait_for(state="visible", timeout=TIMEOUT * 1000)
        assert "updates[0].status: 'lost' is not one of" in overlay.inner_text()
        assert overlay.get_attribute("role") == "alert"
        # Light text on the dark box, whatever the theme gives a <pre> (a light background).
        text_style = overlay.locator("pre").evaluate(
            "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
        )
        assert text_style == ["rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"]
        assert "Checkout is slow." in page.content()  # the last good page under it

        incident.write_text(good_text)
        overlay.wait_for(state="detached", timeout=TIMEOUT * 1000)

        incident.write_text(good_text + appended_update(now, "Rolling back the release."))
        page.get_by_text("Rolling back the release.").wait_for(timeout=TIMEOUT * 1000)
    finally:
        assert server.stop() == 0
