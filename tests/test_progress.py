"""Progress on a terminal, silence in CI, in pipes and with -q."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from statuspage.cli.progress import terminal_progress
from tests.sites import REPO_ROOT, write_site


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_and_wipes_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    out = Terminal()
    progress = terminal_progress(out)
    assert progress is not None
    progress("upload", 1, 4)
    progress("upload", 2, 4)  # within 0.1 s of the last drawing: skipped
    progress("upload", 4, 4)
    assert out.getvalue() == "\r\x1b[Kupload: 1/4 (25%)\r\x1b[K"


@pytest.mark.parametrize("ci", ["true", "1", "yes"])
def test_no_progress_in_ci(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    assert terminal_progress(Terminal()) is None


def test_no_progress_in_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "false")
    assert terminal_progress(io.StringIO()) is None
    assert terminal_progress(Terminal()) is not None


def run_on_a_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal; returns the exit code and what it drew there."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(args, cwd=cwd, env=env, stderr=follower, stdout=subprocess.DEVNULL)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            process.kill()
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=30), b"".join(chunks).decode()


def test_build_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    root = write_site(tmp_path / "status")
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "statuspage", "build", "--no-git"]
    code, drawn = run_on_a_terminal(command, root, env)
    assert code == 0, drawn
    assert "render: " in drawn
    # Files to render out of all to render (an incremental build skips the others).
    line = r"\r\x1b\[Krender: \d+/\d+ \(\d+%\)"
    preview = r"Preview it with: statuspage serve  \(http://127\.0\.0\.1:8000/\)\r\n"
    assert re.fullmatch(rf"({line})+\r\x1b\[KBuilt \d+ files into site\r\n{preview}", drawn)

    code, drawn = run_on_a_terminal(command, root, env | {"CI": "true"})
    assert code == 0
    assert "render" not in drawn and drawn.startswith("Built ")
    code, drawn = run_on_a_terminal([*command[:3], "-q", *command[3:]], root, env)
    assert code == 0
    assert "render" not in drawn
