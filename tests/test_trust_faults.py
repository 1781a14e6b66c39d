"""Faults of the machine, not of statuspage: a full disk, a read-only output, a file that cannot
be read. Each is one clear message and exit status 1, never a traceback; the previous site
stays as it was. Run as real processes against real file systems where the machine allows
(a tiny tmpfs needs root; a file size limit and permissions work anywhere)."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sites import REPO_ROOT, write_site

NOW = "2026-11-23T10:00:00+01:00"
INCIDENT = (
    "title: Checkout errors\nimpact: minor\nupdates:\n  - at: 2026-11-20T14:02:00+01:00\n"
    "    status: investigating\n    message: Looking.\n  - at: 2026-11-20T15:02:00+01:00\n"
    "    status: resolved\n    message: Fixed.\n"
)


def statuspage(
    *args: str, prefix: tuple[str, ...] = (), file_size: int | None = None
) -> subprocess.CompletedProcess[str]:
    def limits() -> None:
        if file_size is not None:  # writing past it fails with EFBIG instead of a signal
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    return subprocess.run(
        [*prefix, sys.executable, "-m", "statuspage", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        preexec_fn=limits,
        check=False,
    )


def build(
    root: Path, out: Path, *extra: str, file_size: int | None = None
) -> subprocess.CompletedProcess[str]:
    return statuspage(
        "build", "--root", str(root), "--out", str(out), "--no-git", "--now", NOW, *extra,
        file_size=file_size,
    )  # fmt: skip


def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site", {"2026-11-20-checkout": INCIDENT})


def one_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB file system of its own, unmounted afterwards."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_disk_full(tmp_path: Path, tmpfs: Path) -> None:
    root = site(tmp_path)
    free = shutil.disk_usage(tmpfs).free
    (tmpfs / "filler").write_bytes(b"\0" * (free - 16384))  # what is left cannot hold a site
    message = one_error(build(root, tmpfs / "site"))
    assert message.startswith(f"Error: cannot write the site into {tmpfs / 'site'}: ")
    assert "No space left on device" in message
    assert message.endswith("; the site there was left as it was")
    assert not (tmpfs / "site").exists()
    assert leftovers(tmpfs) == []  # no half-written staging folder either


def test_disk_full_keeps_the_previous_site(tmp_path: Path, tmpfs: Path) -> None:
    root = site(tmp_path)
    assert build(root, tmpfs / "site").returncode == 0
    before = {p: p.read_bytes() for p in (tmpfs / "site").rglob("*") if p.is_file()}
    free = shutil.disk_usage(tmpfs).free
    (tmpfs / "filler").write_bytes(b"\0" * max(free - 8192, 0))
    (root / "incidents" / "2026-11-21-more.yaml").write_text(INCIDENT.replace("Fixed.", "Gone."))
    for cache in ("--cache", "--no-cache"):
        message = one_error(build(root, tmpfs / "site", cache))
        assert "No space left on device" in message
        after = {p: p.read_bytes() for p in (tmpfs / "site").rglob("*") if p.is_file()}
        assert after == before
        assert leftovers(tmpfs) == []


def test_read_only_output(tmp_path: Path, tmpfs: Path) -> None:
    root = site(tmp_path)
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    message = one_error(build(root, tmpfs / "site"))
    assert message.startswith(
        f"Error: cannot write the site into {tmpfs / 'site'}: Read-only file system ("
    )
    assert not (tmpfs / "site").exists()


def test_file_size_limit(tmp_path: Path) -> None:
    """Where no tmpfs can be mounted: a process limit on file sizes fails writes the same way."""
    root = site(tmp_path)
    message = one_error(build(root, tmp_path / "out", file_size=4096))
    assert message.startswith(f"Error: cannot write the site into {tmp_path / 'out'}: ")
    assert "File too large" in message
    assert not (tmp_path / "out").exists()
    assert leftovers(tmp_path) == []


def unreadable(path: Path) -> tuple[str, ...]:
    """Make `path` unreadable; the command prefix that makes that hold for root too (root
    reads anything its own: in a user namespace, a file of an unmapped owner it cannot)."""
    os.chmod(path, 0)
    if os.getuid() != 0:
        return ()
    os.chown(path, 12345, 12345)
    prefix = ("unshare", "--user", "--map-root-user")
    probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("root reads every file and no user namespace is allowed here")
    return prefix


def validate(root: Path, prefix: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    return statuspage("validate", "--root", str(root), "--no-git", "--now", NOW, prefix=prefix)


def test_unreadable_incident(tmp_path: Path) -> None:
    root = site(tmp_path)
    prefix = unreadable(root / "incidents" / "2026-11-20-checkout.yaml")
    done = validate(root, prefix)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "incidents/2026-11-20-checkout.yaml:1:1: error: cannot be read: Permission denied"
    ]
    assert "Traceback" not in done.stderr


def test_unreadable_config(tmp_path: Path) -> None:
    root = site(tmp_path)
    prefix = unreadable(root / "statuspage.yaml")
    done = validate(root, prefix)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "statuspage.yaml:1:1: error: cannot be read: Permission denied"
    ]
    assert "Traceback" not in done.stderr


def test_unreadable_incidents_folder(tmp_path: Path) -> None:
    root = site(tmp_path)
    prefix = unreadable(root / "incidents")
    done = validate(root, prefix)
    assert done.returncode == 1
    assert done.stdout.splitlines() == ["incidents:1:1: error: cannot be read: Permission denied"]
    assert "Traceback" not in done.stderr


def test_unreadable_theme_file(tmp_path: Path) -> None:
    root = site(tmp_path)
    static = root / "themes" / "default" / "static"
    static.mkdir(parents=True)
    (static / "extra.css").write_text("body { color: black }\n")
    prefix = unreadable(static / "extra.css")
    done = statuspage("build", "--root", str(root), "--no-git", "--now", NOW, prefix=prefix)
    assert one_error(done) == (f"Error: {static / 'extra.css'}: cannot be read: Permission denied")


def test_update_that_cannot_be_written_changes_nothing(tmp_path: Path) -> None:
    root = site(tmp_path)
    path = root / "incidents" / "2026-11-20-checkout.yaml"
    path.write_text(INCIDENT.split("  - at: 2026-11-20T15:02")[0])  # still open
    before = path.read_bytes()
    done = statuspage(
        "update", "2026-11-20-checkout", "--status", "identified", "-m", "Found it.",
        "--root", str(root), "--now", NOW,
        file_size=len(before) + 10,
    )  # fmt: skip
    assert one_error(done) == f"Error: cannot write {path}: File too large; nothing was changed"
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
