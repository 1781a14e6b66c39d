"""`statuspage serve`: build, serve, watch, rebuild, reload the browser.

The preview is kept in memory: each build renders the site into a mapping of paths to bytes
that replaces the previous one in a single assignment, so the server never reads a half-built
site, and nothing is written to disk, so there is no output folder that the watcher could see.

    watchdog events ─> debounce ─> builder(changed paths) ─> Snapshot ─> HTTP handler
                                                                    └─> /__statuspage/events

A builder is any callable from the set of changed input paths (empty: "everything", or the
clock moved) to the site's files; `incremental_builder` (the one `preview` uses) renders only
what the changes touch.

Served HTML gets one `<script>` before `</body>`; built files never do. The script listens
to an EventSource that reports the build generation and the current error: a new generation
reloads the page, an error shows an overlay over the last good page.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import io
import json
import logging
import queue
import re
import secrets
import selectors
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import FrameType
from typing import Any, Protocol
from urllib.parse import quote, unquote, urlsplit

from statuspage.inputs.config import CONFIG_NAME
from statuspage.inputs.diagnostics import InputError, StatuspageError
from statuspage.inputs.load import INCIDENTS_DIR
from statuspage.publish.mediatypes import content_type

log = logging.getLogger(__name__)

THEMES_DIR = "themes"
ENDPOINT = "/__statuspage/"
EVENTS_PATH = ENDPOINT + "events"
STATUS_PATH = ENDPOINT + "status"
SCRIPT_PATH = ENDPOINT + "live.js"

DEBOUNCE = 0.2  # seconds of quiet after the last event before rebuilding
MAX_DELAY = 2.0  # rebuild at the latest this long after the first event of a burst
CLOCK_TICK = 60.0  # without --now, rebuild this often so clock-driven states move on
KEEPALIVE = 15.0  # seconds between comments on an idle event stream
_PATH_SAFE = "/!$&'()*+,;=:@~"  # what a URL path may hold as it is (RFC 3986)
# A client gets this long to send its whole request, and as long again for each later write
# of the answer. Requests are read without a thread (one selector for all of them); only a
# request that has arrived whole goes to one of MAX_THREADS threads. So 500 half-sent
# requests hold no thread, and a normal request is answered meanwhile.
REQUEST_TIMEOUT = 10.0
MAX_THREADS = 32
MAX_WAITING = 512  # connections still sending their request; more are closed at once
MAX_HEAD = 65_536  # bytes of request line and headers; a longer head is answered 431


@dataclass(frozen=True, slots=True)
class Build:
    """What a builder returns: every file of the site, and the warnings to show."""

    files: Mapping[str, bytes]
    warnings: tuple[str, ...] = ()


class Builder(Protocol):
    def __call__(self, changed: frozenset[Path]) -> Build: ...


def incremental_builder(
    root: Path, *, now: datetime | None = None, check_git: bool = True
) -> Builder:
    """Keeps the last build in memory and renders only what changed (statuspage/builder/engine.py);
    the files are the same as a clean build's at the same clock.

    A new clock renders the pages that show it (the home page, open incidents). Without a
    fixed `now`, the clock is taken on the first build and on each clock tick (no changed
    paths) and kept for rebuilds after edits, unless an edit holds a time after it (an
    update just posted), which takes the clock forward at once.
    """
    from statuspage.builder.engine import Builder as Incremental
    from statuspage.inputs.clock import utc_now

    # Parse results reach the disk cache after the first build only: a preview that saved
    # them at every keystroke would spend more time writing than rendering.
    incremental = Incremental(root, None, save_parses=False)
    clock = now

    def build(changed: frozenset[Path]) -> Build:
        nonlocal clock
        if clock is None or (now is None and not changed):
            clock = utc_now()
        outcome = incremental.build(now=clock, check_git=check_git)
        site = incremental.site
        latest = max((i.last_update.at for i in site.incidents), default=clock) if site else clock
        if now is None and latest > clock:
            clock = utc_now()
            outcome = incremental.build(now=clock, check_git=check_git)
        return Build(outcome.contents, tuple(str(w) for w in outcome.warnings))

    return build


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the server shows: the last good files, and the error of the last build if any."""

    files: Mapping[str, bytes] = field(default_factory=dict)
    generation: str = ""  # changes whenever `files` change; pages reload on a new one
    error: str | None = None
    built: bool = False  # False until a first build succeeded

    def state(self) -> dict[str, str | None]:
        return {"generation": self.generation, "error": self.error}


def describe(exc: BaseException) -> str:
    """The text shown in the terminal and the overlay for a failed build."""
    if isinstance(exc, InputError):
        return f"{exc.report()}\n{exc}"
    if isinstance(exc, StatuspageError):
        return str(exc)
    # A bug in a theme or in statuspage: the last frames say where.
    lines = traceback.format_exception(exc, limit=-3)
    return "".join(lines).rstrip()


class Preview:
    """The state shared by the builder loop, the watcher and the HTTP handlers."""

    def __init__(self, builder: Builder) -> None:
        self.builder = builder
        self._session = secrets.token_hex(4)  # a restarted server reloads pages, too
        self._count = 0
        self._snapshot = Snapshot(generation=f"{self._session}-0")
        self._warnings: tuple[str, ...] = ()
        self._changed = threading.Condition()
        self._pending: set[Path] = set()
        self._first_event = self._last_event = 0.0
        self._closed = False

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def rebuild(self, changed: frozenset[Path] = frozenset()) -> Snapshot:
        """Build once; never raises: an error is kept in the snapshot beside the last good files."""
        started = time.monotonic()
        try:
            build = self.builder(changed)
        except Exception as exc:
            error = describe(exc)
            if changed or error != self._snapshot.error:  # quiet on clock ticks only
                log.error("Build failed; still serving the last good site:\n%s", error)
            self._publish(self._snapshot.files, error, built=self._snapshot.built)
            return self._snapshot
        if build.warnings != self._warnings:
            for warning in build.warnings:
                log.warning("%s", warning)
        self._warnings = build.warnings
        old = self._snapshot
        new = self._publish(build.files, None, built=True)
        if old.error is not None and old.built:
            log.info("Fixed.")
        if new.generation != old.generation:
            changed_files = sum(1 for p, d in build.files.items() if old.files.get(p) != d)
            changed_files += sum(1 for p in old.files if p not in build.files)
            # A rebuild for the clock alone (pages show the time) is not news every minute.
            level = logging.DEBUG if old.built and not changed else logging.INFO
            log.log(
                level,
                "Built %d files in %.2f s (%d changed)",
                len(build.files),
                time.monotonic() - started,
                changed_files,
            )
        return new

    def _publish(self, files: Mapping[str, bytes], error: str | None, *, built: bool) -> Snapshot:
        with self._changed:
            generation = self._snapshot.generation
            if files != self._snapshot.files or built != self._snapshot.built:
                self._count += 1
                generation = f"{self._session}-{self._count}"
            self._snapshot = Snapshot(files, generation, error, built)
            self._changed.notify_all()
            return self._snapshot

    def wait_for_state(
        self, seen: dict[str, str | None] | None, timeout: float
    ) -> dict[str, str | None] | None:
        """The state once it differs from `seen` (or after `timeout`); None once closed."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._closed or self._snapshot.state() != seen, timeout=timeout
            )
            return None if self._closed else self._snapshot.state()

    # ------------------------------------------------------------ watching and debouncing

    def touched(self, path: Path) -> None:
        """Called by the watcher for each relevant event."""
        with self._changed:
            now = time.monotonic()
            if not self._pending:
                self._first_event = now
            self._last_event = now
            self._pending.add(path)
            self._changed.notify_all()

    def run(
        self,
        *,
        tick: float | None = CLOCK_TICK,
        prepare: Callable[[], None] | None = None,
        ready: Callable[[], None] | None = None,
    ) -> None:
        """Rebuild after each burst of changes (and every `tick` seconds) until `close()`.

        `prepare` runs before each build (the watcher adds folders that appeared: anything
        written after that is seen by the watch, anything before by the build), `ready` after.
        """
        next_tick = time.monotonic() + tick if tick else None
        while True:
            with self._changed:
                while not self._closed and not self._pending:
                    if next_tick is not None and time.monotonic() >= next_tick:
                        break
                    wait = None if next_tick is None else max(0.0, next_tick - time.monotonic())
                    self._changed.wait(wait)
                while not self._closed and self._pending:
                    now = time.monotonic()
                    quiet_at = self._last_event + DEBOUNCE
                    latest = self._first_event + MAX_DELAY
                    if now >= min(quiet_at, latest):
                        break
                    self._changed.wait(min(quiet_at, latest) - now)
                if self._closed:
                    return
                changed = frozenset(self._pending)
                self._pending.clear()
            if changed:
                log.debug("changed: %s", ", ".join(sorted(str(p) for p in changed)))
            if prepare is not None:
                prepare()
            self.rebuild(changed)
            if tick:
                next_tick = time.monotonic() + tick
            if ready is not None:
                ready()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()


# --------------------------------------------------------------------------- watching


def is_input(root: Path, path: Path) -> bool:
    """The config, and anything in incidents/ and themes/ but editors' scratch files."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return False
    if not parts:
        return False
    if parts == (CONFIG_NAME,):
        return True
    if parts[0] not in (INCIDENTS_DIR, THEMES_DIR):
        return False
    name = parts[-1]
    scratch = name.startswith((".#", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp"))
    return not scratch and name != "4913"  # vim's write test


class _Handler:
    """watchdog's event handler interface, without subclassing its untyped base class."""

    def __init__(self, root: Path, preview: Preview) -> None:
        self.root = root
        self.preview = preview

    def dispatch(self, event: Any) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                path = Path(raw.decode() if isinstance(raw, bytes) else raw)
                if is_input(self.root, path):
                    self.preview.touched(path)


class Watcher:
    """Watches the inputs only (never the output, of which there is none on disk).

    The root is watched alone, not recursively, so that a site inside a big repository
    (node_modules, .git, site/) costs a handful of watches; incidents/ and themes/ get
    recursive watches, added when they appear.
    """

    def __init__(self, root: Path, preview: Preview, *, poll: bool) -> None:
        if poll:
            from watchdog.observers.polling import PollingObserver

            self.observer: Any = PollingObserver(timeout=0.5)
        else:
            from watchdog.observers import Observer

            self.observer = Observer()
        self.root = root
        self.handler = _Handler(root, preview)
        self.watches: dict[str, Any] = {}

    def start(self) -> None:
        self.observer.schedule(self.handler, str(self.root), recursive=False)
        self.refresh()
        self.observer.start()

    def refresh(self) -> None:
        """Watch incidents/ and themes/ if they exist now (and stop when they are gone)."""
        for name in (INCIDENTS_DIR, THEMES_DIR):
            folder = self.root / name
            if folder.is_dir() and name not in self.watches:
                self.watches[name] = self.observer.schedule(
                    self.handler, str(folder), recursive=True
                )
            elif not folder.is_dir() and name in self.watches:
                self.observer.unschedule(self.watches.pop(name))

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(timeout=5)


# --------------------------------------------------------------------------- HTTP

_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)

LIVE_JS = """\
// statuspage serve: reloads this page after each rebuild and shows build errors over it.
// Only the preview server adds this script; built sites never contain it.
(() => {
  const served = document.currentScript.dataset.generation;
  let overlay = null;
  const show = (text) => {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "statuspage-error";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "all:initial;position:fixed;inset:0;z-index:2147483647;" +
        "background:rgba(20,20,20,.92);color:#fff;overflow:auto;padding:2rem;" +
        "font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;";
      const title = document.createElement("strong");
      title.textContent = "statuspage: the last change does not build " +
        "(this is the last good version; fix the file and this page reloads)";
      // all:initial on each element: the page's own styles (a theme's pre has a light
      // background) must not make the text unreadable, in a light or a dark scheme.
      title.style.cssText = "all:initial;display:block;color:#ffb4a9;margin-bottom:1rem;" +
        "font:inherit;font-weight:700;";
      const pre = document.createElement("pre");
      pre.style.cssText = "all:initial;display:block;white-space:pre-wrap;margin:0;" +
        "font:inherit;color:inherit;";
      overlay.append(title, pre);
      document.body.append(overlay);
    }
    overlay.querySelector("pre").textContent = text;
  };
  const hide = () => { if (overlay) { overlay.remove(); overlay = null; } };
  // Browsers allow six connections per server: only visible tabs keep a stream open, so
  // many open tabs cannot starve the next page load. A tab shown again catches up at once.
  let events = null;
  const listen = () => {
    events = new EventSource("/__statuspage/events");
    events.onmessage = (message) => {
      const state = JSON.parse(message.data);
      if (state.generation !== served) { events.close(); location.reload(); return; }
      if (state.error) { show(state.error); } else { hide(); }
    };
  };
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) { if (events) { events.close(); events = null; } }
    else if (!events) { listen(); }
  });
  if (!document.hidden) { listen(); }
})();
"""

_WAITING_PAGE = """\
<!doctype html>
<html lang="en"><meta charset="utf-8"><title>statuspage serve</title>
<body><p>The site has not built yet; the error is shown over this page.</p></body></html>
"""


def inject(html: bytes, generation: str) -> bytes:
    """The page with the live-reload script before its last `</body>` (or at its end)."""
    tag = f'<script src="{SCRIPT_PATH}" data-generation="{generation}"></script>'.encode()
    ends = list(_BODY_END.finditer(html))
    if not ends:
        return html + tag
    at = ends[-1].start()
    return html[:at] + tag + html[at:]


class PreviewHandler(BaseHTTPRequestHandler):
    server_version = "statuspage-serve"
    preview: Preview  # set on a subclass per server
    server: PreviewServer
    timeout = REQUEST_TIMEOUT  # the socket's, for every write of the answer

    def setup(self) -> None:
        super().setup()
        # The request as the server read it: the line and headers, whole (a GET has no body).
        self.rfile.close()
        self.rfile = io.BytesIO(self.server.take_head(self.connection))

    def do_GET(self) -> None:
        self.respond(send_body=True)

    def do_HEAD(self) -> None:
        self.respond(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def respond(self, *, send_body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == EVENTS_PATH and send_body:
            self.stream_events()
            return
        snapshot = self.preview.snapshot
        if path == STATUS_PATH:
            body = json.dumps(snapshot.state(), sort_keys=True).encode()
            self.send(HTTPStatus.OK, "application/json", body, send_body)
            return
        if path == SCRIPT_PATH:
            self.send(HTTPStatus.OK, content_type("live.js"), LIVE_JS.encode(), send_body)
            return
        if not snapshot.built:
            page = inject(_WAITING_PAGE.encode(), snapshot.generation)
            self.send(HTTPStatus.SERVICE_UNAVAILABLE, content_type(".html"), page, send_body)
            return
        name = path.lstrip("/")
        if name == "" or name.endswith("/"):
            name += "index.html"
        status = HTTPStatus.OK
        data = snapshot.files.get(name)
        if data is None and f"{name}/index.html" in snapshot.files:
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            # Percent-encoded as it came: no decoded CR or LF can end the header early.
            self.send_header("Location", quote(path, safe=_PATH_SAFE) + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if data is None:
            status, name = HTTPStatus.NOT_FOUND, "404.html"
            data = snapshot.files.get(name, b"<!doctype html><title>Not found</title>Not found")
        kind = content_type(name)
        if kind.startswith("text/html"):
            data = inject(data, snapshot.generation)
        self.send(status, kind, data, send_body)

    def send(self, status: HTTPStatus, kind: str, body: bytes, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")  # a reload must show the new build
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def stream_events(self) -> None:
        """Server-sent events: the state now, then each time it changes, until the tab goes."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen: dict[str, str | None] | None = None
        try:
            self.wfile.write(b"retry: 1000\n\n")
            while True:
                state = self.preview.wait_for_state(seen, timeout=KEEPALIVE)
                if state is None:
                    return
                if state == seen:
                    self.wfile.write(b": still here\n\n")
                else:
                    payload = json.dumps(state, sort_keys=True)
                    self.wfile.write(f"data: {payload}\n\n".encode())
                self.wfile.flush()
                seen = state
        except (BrokenPipeError, ConnectionResetError):
            return


class PreviewServer(HTTPServer):
    """Reads requests without a thread each, answers them on a few.

    Accepted connections go to one selector thread that reads each request's line and
    headers as they come, without blocking; a connection that has not sent its whole head
    after `request_timeout` is closed. A request that has arrived whole goes to one of
    `max_threads` worker threads, made once. Slow or half-sent requests hold a file
    descriptor each (at most MAX_WAITING of them), never a thread.
    """

    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        *,
        max_threads: int = MAX_THREADS,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self.max_threads = max_threads
        self.request_timeout = request_timeout
        self._arrived: queue.SimpleQueue[socket.socket] = queue.SimpleQueue()
        self._ready: queue.SimpleQueue[tuple[socket.socket, Any] | None] = queue.SimpleQueue()
        self._heads: dict[socket.socket, bytes] = {}
        self._heads_lock = threading.Lock()
        self._wake_reader, self._waker = socket.socketpair()
        self._closing = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = threading.Lock()
        super().__init__(address, handler)  # last: a failed bind calls server_close

    # -- the accepting thread ------------------------------------------------------------

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        with self._started:
            if not self._threads:
                self._start_threads()
        super().serve_forever(poll_interval)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Hand the new connection to the reader; never blocks."""
        request.setblocking(False)
        self._arrived.put(request)
        self._wake()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._waker.send(b"x")

    def _start_threads(self) -> None:
        reader = threading.Thread(target=self._read_requests, name="statuspage serve reader")
        self._threads.append(reader)
        for number in range(self.max_threads):
            worker = threading.Thread(target=self._work, name=f"statuspage serve {number}")
            self._threads.append(worker)
        for thread in self._threads:
            thread.daemon = True
            thread.start()

    # -- the reader thread ---------------------------------------------------------------

    def _read_requests(self) -> None:
        waiting: dict[socket.socket, tuple[bytearray, float, Any]] = {}
        with selectors.DefaultSelector() as selector:
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self._closing.is_set():
                for key, _ in selector.select(timeout=0.25):
                    if key.fileobj is self._wake_reader:
                        with contextlib.suppress(OSError):
                            self._wake_reader.recv(4096)
                        self._take_arrivals(selector, waiting)
                        continue
                    connection = key.fileobj
                    assert isinstance(connection, socket.socket)
                    done = self._read_some(connection, waiting[connection][0])
                    if done is None:
                        continue
                    selector.unregister(connection)
                    head, _, address = waiting.pop(connection)
                    if done:
                        with self._heads_lock:
                            self._heads[connection] = bytes(head)
                        connection.setblocking(True)
                        self._ready.put((connection, address))
                    else:
                        self.shutdown_request(connection)
                now = time.monotonic()
                for connection in [c for c, (_, end, _) in waiting.items() if end < now]:
                    selector.unregister(connection)  # too slow: closed without an answer
                    del waiting[connection]
                    self.shutdown_request(connection)
            for connection in waiting:
                self.shutdown_request(connection)

    def _take_arrivals(
        self,
        selector: selectors.BaseSelector,
        waiting: dict[socket.socket, tuple[bytearray, float, Any]],
    ) -> None:
        while True:
            try:
                connection = self._arrived.get_nowait()
            except queue.Empty:
                return
            if len(waiting) >= MAX_WAITING:
                self.shutdown_request(connection)
                continue
            try:
                address = connection.getpeername()
            except OSError:
                self.shutdown_request(connection)
                continue
            deadline = time.monotonic() + self.request_timeout
            waiting[connection] = (bytearray(), deadline, address)
            selector.register(connection, selectors.EVENT_READ)

    @staticmethod
    def _read_some(connection: socket.socket, head: bytearray) -> bool | None:
        """Read what is there: True once the head is whole (or too long, for the handler
        to refuse), False if the client is gone, None to wait for more."""
        try:
            data = connection.recv(MAX_HEAD + 1 - len(head))
        except (BlockingIOError, InterruptedError):
            return None
        except OSError:
            return False
        if not data:
            return False
        head += data
        return b"\r\n\r\n" in head or b"\n\n" in head or len(head) > MAX_HEAD

    # -- the workers ---------------------------------------------------------------------

    def take_head(self, connection: socket.socket) -> bytes:
        with self._heads_lock:
            return self._heads.pop(connection, b"")

    def _work(self) -> None:
        while True:
            item = self._ready.get()
            if item is None:
                return
            connection, address = item
            try:
                self.finish_request(connection, address)
            except Exception:
                self.handle_error(connection, address)
            finally:
                with self._heads_lock:
                    self._heads.pop(connection, None)
                self.shutdown_request(connection)

    def server_close(self) -> None:
        self._closing.set()
        self._wake()
        for _ in range(self.max_threads):
            self._ready.put(None)
        for thread in self._threads:
            thread.join(timeout=1)
        super().server_close()
        self._wake_reader.close()
        self._waker.close()


def make_server(
    preview: Preview,
    host: str,
    port: int,
    *,
    max_threads: int = MAX_THREADS,
    request_timeout: float = REQUEST_TIMEOUT,
) -> PreviewServer:
    handler = type(
        "BoundPreviewHandler", (PreviewHandler,), {"preview": preview, "timeout": request_timeout}
    )
    try:
        return PreviewServer(
            (host, port), handler, max_threads=max_threads, request_timeout=request_timeout
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StatuspageError(
                f"cannot listen on {host}:{port}: the port is in use; pick another with --port"
            ) from None
        raise StatuspageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def server_url(server: PreviewServer) -> str:
    """The address to open; for a server on every interface, this machine's own."""
    host, port = server.server_address[:2]
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(str(host), str(host))
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


# --------------------------------------------------------------------------- the loop


def preview(
    root: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    poll: bool = False,
    check_git: bool = True,
    now: datetime | None = None,
    builder: Builder | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve a live preview of the site at `root` until Ctrl-C (or `stop` is set).

    Raises StatuspageError only before serving starts (no statuspage.yaml, port in use);
    after that, build errors are shown and the loop goes on.
    """
    root = root.resolve()
    if not (root / CONFIG_NAME).is_file():
        raise StatuspageError(f"no {CONFIG_NAME} in {root}; run `statuspage init` first")
    state = Preview(builder or incremental_builder(root, now=now, check_git=check_git))
    server = make_server(state, host, port)
    watcher = Watcher(root, state, poll=poll)
    stop = stop or threading.Event()
    threads: list[threading.Thread] = []
    serving_started = False
    previous_handler = _stop_on_sigterm()
    try:
        watcher.start()  # before the first build, so no edit falls between the two
        state.rebuild()
        serving = threading.Thread(
            target=server.serve_forever, name="statuspage serve http", kwargs={"poll_interval": 0.2}
        )
        building = threading.Thread(
            target=functools.partial(
                state.run, tick=None if now else CLOCK_TICK, prepare=watcher.refresh
            ),
            name="statuspage serve build",
        )
        threads += [serving, building]
        for thread in threads:
            thread.daemon = True
            thread.start()
        serving_started = True
        everywhere = " (and on every network interface)" if host in ("0.0.0.0", "::") else ""
        log.info("Serving %s%s (Ctrl-C to stop)", server_url(server), everywhere)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        state.close()
        if serving_started:
            server.shutdown()  # waits for serve_forever, so only once it runs
        server.server_close()
        watcher.stop()
        for thread in threads:
            thread.join(timeout=5)
        _restore_sigterm(previous_handler)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _stop_on_sigterm() -> Any:
    """`docker stop` sends SIGTERM: stop as cleanly as on Ctrl-C (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _interrupt)


def _restore_sigterm(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)
