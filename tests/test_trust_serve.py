"""`serve` bounds its threads and the time a request may take to arrive (issue 11, item 9):
requests are read without a thread each, and answered by a fixed few.

Real sockets on 127.0.0.1 against the real server, with small limits so the test is short.
"""

from __future__ import annotations

import select
import socket
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from statuspage.publish.serve import Build, Preview, PreviewServer, make_server

THREADS = 4
HALF_SENT = 24


def built(changed: frozenset[Path]) -> Build:
    return Build({"index.html": b"<body>home</body>"})


@pytest.fixture
def server() -> Iterator[PreviewServer]:
    preview = Preview(built)
    preview.rebuild()
    server = make_server(preview, "127.0.0.1", 0, max_threads=THREADS, request_timeout=0.5)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield server
    finally:
        preview.close()
        server.shutdown()
        server.server_close()
        thread.join(5)


def connect(server: PreviewServer) -> socket.socket:
    host, port = server.server_address[:2]
    return socket.create_connection((str(host), int(port)), timeout=30)


def test_half_sent_requests_hold_few_threads_and_a_normal_request_answers(
    server: PreviewServer,
) -> None:
    host, port = server.server_address[:2]
    with urllib.request.urlopen(f"http://{host}:{port}/", timeout=30) as response:
        assert response.status == 200  # the server is up, with all its threads
    before = threading.active_count()
    # Each sends a request line and a header, never the blank line that ends the request.
    waiting = [connect(server) for _ in range(HALF_SENT)]
    for sock in waiting:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    answer: list[bytes] = []

    def normal_request() -> None:
        with urllib.request.urlopen(f"http://{host}:{port}/", timeout=60) as response:
            answer.append(response.read())

    client = threading.Thread(target=normal_request)
    client.start()
    peak = 0
    while client.is_alive():
        peak = max(peak, threading.active_count())
        client.join(0.02)
    try:
        # Half-sent requests take no thread: only this test's client thread was added.
        assert peak <= before + 1
        assert answer and answer[0].startswith(b"<body>home")
        # Each half-sent request was given up on: closed without an answer.
        for sock in waiting:
            assert sock.recv(1) == b""
    finally:
        for sock in waiting:
            sock.close()


def test_a_request_dripping_in_is_cut_off(server: PreviewServer) -> None:
    """A header every 50 ms keeps any one read short; the request as a whole still has
    one deadline (half a second here), after which the connection is closed."""
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\n")
        closed = False
        for _ in range(200):  # ten seconds at most
            readable, _, _ = select.select([sock], [], [], 0.05)
            if readable and sock.recv(1) == b"":
                closed = True
                break
            try:
                sock.sendall(b"X-Drip: 1\r\n")
            except OSError:
                closed = True
                break
        assert closed
    # And the server still answers.
    host, port = server.server_address[:2]
    with urllib.request.urlopen(f"http://{host}:{port}/", timeout=30) as response:
        assert response.read().startswith(b"<body>home")


def test_a_redirect_cannot_split_the_response_headers(tmp_path: Path) -> None:
    """A folder's address without its `/` is redirected; the name goes into Location
    percent-encoded, so a CR LF in a request (or a file name) adds no header."""
    files = {
        "index.html": b"<body>home</body>",
        "a b/index.html": b"<body>a b</body>",
        "x\r\nX-Injected: 1/index.html": b"<body>x</body>",
    }
    preview = Preview(lambda changed: Build(files))
    preview.rebuild()
    server = make_server(preview, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        answers = []
        for path in ("/a%20b", "/x%0D%0AX-Injected:%201"):
            with connect(server) as sock:
                sock.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
                answer = b""
                while chunk := sock.recv(4096):
                    answer += chunk
            answers.append(answer.partition(b"\r\n\r\n")[0].split(b"\r\n"))
    finally:
        preview.close()
        server.shutdown()
        server.server_close()
        thread.join(5)
    for head, location in zip(
        answers, (b"Location: /a%20b/", b"Location: /x%0D%0AX-Injected:%201/"), strict=True
    ):
        assert head[0] == b"HTTP/1.0 301 Moved Permanently"
        assert location in head
        assert not [line for line in head if line.startswith(b"X-Injected")]
