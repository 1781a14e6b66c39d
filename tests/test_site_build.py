"""Build guarantees of the site: atomic, deterministic, and clean errors."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import statuspage.builder.write
from statuspage.builder.pipeline import build_site
from statuspage.cli import cli
from statuspage.inputs.diagnostics import InputError
from statuspage.inputs.places import SITE_MARKER
from statuspage.outputs.themes import ThemeError
from tests.sites import DEMO_NOW, REPO_ROOT

NOW_TEXT = "2026-11-23T09:00:00+01:00"


def copy_demo(target: Path) -> Path:
    """The repository's demo site (config and incidents) in a folder of its own."""
    target.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "statuspage.yaml", target)
    shutil.copytree(REPO_ROOT / "incidents", target / "incidents")
    return target


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """A copy of the demo built once: (site root, output folder, its files)."""
    root = copy_demo(tmp_path / "demo")
    out = tmp_path / "public"
    build_site(root, out, now=DEMO_NOW, check_git=False)
    files = snapshot(out)
    assert "index.html" in files and len(files) > 50
    return root, out, files


def leftovers(out: Path) -> list[str]:
    """What the writer left beside the output, but its spare (the site before)."""
    return sorted(
        p.name
        for p in out.parent.iterdir()
        if p.name.startswith(f".{out.name}.") and p.name != f".{out.name}.spare"
    )


def test_bad_input_leaves_the_previous_site_untouched(
    built: tuple[Path, Path, dict[str, bytes]],
) -> None:
    root, out, before = built
    (root / "incidents" / "2026-11-20-checkout-errors.yaml").write_text(
        "title: Broken\nupdates: [{status: resolvd}]\n"
    )
    with pytest.raises(InputError):
        build_site(root, out, now=DEMO_NOW, check_git=False)
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_a_template_error_leaves_the_previous_site_untouched(
    built: tuple[Path, Path, dict[str, bytes]],
) -> None:
    root, out, before = built
    theme = root / "themes" / "default"
    theme.mkdir(parents=True)
    # Fails only on the uptime page, after many other pages rendered fine.
    (theme / "uptime.html").write_text(
        '{% extends "default:base.html" %}{% block main %}{{ report.nope }}{% endblock %}'
    )
    with pytest.raises(ThemeError, match=r"uptime\.html"):
        build_site(root, out, now=DEMO_NOW, check_git=False)
    assert snapshot(out) == before
    assert leftovers(out) == []


@pytest.mark.parametrize(
    ("cache", "room", "spare"),
    [(False, 20, False), (True, 2, False), (False, 20, True), (True, 2, True)],
    ids=["clean build", "incremental build", "clean, spare", "incremental, spare"],
)
def test_a_full_disk_leaves_the_previous_site_untouched(
    built: tuple[Path, Path, dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
    cache: bool,
    room: int,
    spare: bool,
) -> None:
    """Clean or incremental, a build writes into the spare beside the live site (one it
    makes, or the site before): nothing is replaced until all of the files are written."""
    root, out, before = built
    if spare:  # a second build: the first site is kept as the spare
        other = root / "incidents" / "2026-06-23-order-tracking-stale.yaml"
        other.write_text(other.read_text().replace("title: ", "title: Old news, ", 1))
        build_site(root, out, now=DEMO_NOW, check_git=False)
        before = snapshot(out)
    assert (out.parent / ".public.spare").is_dir() == spare
    incident = root / "incidents" / "2026-11-20-checkout-errors.yaml"
    incident.write_text(incident.read_text().replace("Elevated", "Higher"))
    written = 0
    real_write = statuspage.builder.write._write_new

    def write_new(target: str, data: bytes, made: set[str]) -> None:
        nonlocal written
        written += 1
        if written > room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), target)
        real_write(target, data, made)

    monkeypatch.setattr(statuspage.builder.write, "_write_new", write_new)
    with pytest.raises(OSError, match="No space left on device"):
        build_site(root, out, now=DEMO_NOW, check_git=False, cache=cache)
    assert written > room  # the failure came in the middle of writing
    monkeypatch.undo()
    assert snapshot(out) == before
    assert leftovers(out) == []
    # No half-written file left: the only dot-file is the build's marker.
    assert [p.name for p in out.rglob(".*")] == [SITE_MARKER]
    # The next build, which finds the spare half written, makes a clean build's site.
    build_site(root, out, now=DEMO_NOW, check_git=False, cache=cache)
    build_site(root, out.parent / "clean", now=DEMO_NOW, check_git=False, cache=False)
    assert snapshot(out) == snapshot(out.parent / "clean") != before


def test_a_successful_build_replaces_everything(
    built: tuple[Path, Path, dict[str, bytes]],
) -> None:
    root, out, _ = built
    (out / "stale.html").write_text("from an older build")
    (root / "incidents" / "2026-09-08-checkout-false-alarm.yaml").unlink()
    build_site(root, out, now=DEMO_NOW, check_git=False)
    after = snapshot(out)
    assert "stale.html" not in after
    assert "incidents/2026-09-08-checkout-false-alarm/index.html" not in after
    assert leftovers(out) == []


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    """Same inputs and --now, separate processes with different hash seeds: same bytes."""
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"site-{seed}"
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from statuspage.cli import main; sys.argv[0] = 'statuspage'; main()",
                "build",
                "--root",
                str(REPO_ROOT),
                "--out",
                str(out),
                "--now",
                NOW_TEXT,
                "--no-git",
            ],
            check=True,
            capture_output=True,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        outputs.append(snapshot(out))
    first, second = outputs
    assert sorted(first) == sorted(second)
    different = [path for path in first if first[path] != second[path]]
    assert not different
    assert "index.html" in first and "uptime/index.html" in first


def test_a_template_error_is_one_clear_message(tmp_path: Path) -> None:
    root = copy_demo(tmp_path / "demo")
    theme = root / "themes" / "default"
    theme.mkdir(parents=True)
    (theme / "index.html").write_text("{% extends 'base.html' %}\n{% block main %}{% if %}")
    result = CliRunner().invoke(
        cli, ["build", "--root", str(root), "--now", NOW_TEXT, "--no-git"], catch_exceptions=False
    )
    assert result.exit_code == 1
    index = theme / "index.html"
    assert result.output.strip() == (
        f"Error: {index}:2: Expected an expression, got 'end of statement block'"
    )
    assert not (root / "site").exists()


def test_a_build_frees_the_cycles_rendering_leaves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`build` pauses the cycle collector; Jinja leaves reference cycles behind every page
    (about 150 objects), so the render sweeps them as it goes (150 MB at 10,000 incidents)
    and leaves nothing frozen behind it."""
    import gc

    from statuspage.builder import engine

    site = copy_demo(tmp_path / "site")
    monkeypatch.setenv("STATUSPAGE_WORKERS", "1")
    was_enabled = gc.isenabled()

    def left_behind(sweep_every: int, out: str) -> tuple[int, int, int]:
        """The objects a build leaves for the collector, the files, what stays frozen."""
        monkeypatch.setattr(engine, "SWEEP_EVERY", sweep_every, raising=False)
        gc.collect()
        gc.disable()
        try:
            result = build_site(site, tmp_path / out, now=DEMO_NOW, check_git=False, cache=False)
            return gc.collect(), result.files, gc.get_freeze_count()
        finally:
            if was_enabled:
                gc.enable()

    left_behind(1, "first")  # what a first build makes once (caches, translations) goes here
    swept, files, frozen = left_behind(1, "swept")
    unswept, _, _ = left_behind(10**9, "unswept")
    assert files > 50
    assert frozen == 0
    # Without the sweeps, about 150 objects a page are left for the collector; with them,
    # a few per page at most (compared in one process: the suite's state cancels out).
    assert unswept > 50 * files, unswept
    assert swept * 5 < unswept, (swept, unswept)


def test_the_build_command_leaves_the_cycle_collector_on(tmp_path: Path) -> None:
    """The command pauses the collector while it builds, and only then: run inside a longer
    process (a test, a script), it gives it back."""
    import gc

    site = copy_demo(tmp_path / "site")
    assert gc.isenabled()
    done = CliRunner().invoke(
        cli, ["build", "--root", str(site), "--no-git", "--now", DEMO_NOW.isoformat()]
    )
    assert done.exit_code == 0, done.output
    assert gc.isenabled()


def test_the_output_folder_can_be_served_whatever_the_umask(tmp_path: Path) -> None:
    """The folder that becomes the output (the spare, made by the first builds) is
    readable by a web server running as another user, as the files' umask allows."""
    root = copy_demo(tmp_path / "demo")
    out = tmp_path / "public"
    previous = os.umask(0o077)
    try:
        for title in ("", "Old news, "):
            path = root / "incidents" / "2026-06-23-order-tracking-stale.yaml"
            path.write_text(path.read_text().replace("title: ", f"title: {title}", 1))
            build_site(root, out, now=DEMO_NOW, check_git=False)
            assert out.stat().st_mode & 0o777 == 0o755
    finally:
        os.umask(previous)
