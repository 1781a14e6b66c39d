"""A build killed at any moment leaves the previous site or the new one, never a mix, and no
temporary file in the output; the next build removes what the killed one left beside it."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from statuspage.builder.engine import Builder
from statuspage.builder.pipeline import build_site
from statuspage.inputs.places import SITE_MARKER
from tests.sites import DEMO_NOW, REPO_ROOT

KILLS = int(os.environ.get("KILL_EXAMPLES", "12"))
INCIDENT = "incidents/2026-11-20-checkout-errors.yaml"


def snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def start_build(root: Path, out: Path, *, cache: bool) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "statuspage", "build", "--root", str(root), "--out", str(out),
         "--now", DEMO_NOW.isoformat(), "--no-git", "--cache" if cache else "--no-cache"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


@pytest.mark.parametrize("cache", [False, True], ids=["cold", "incremental"])
def test_a_killed_build_leaves_the_old_site_or_the_new_one(tmp_path: Path, cache: bool) -> None:
    root = tmp_path / "status"
    root.mkdir()
    shutil.copy(REPO_ROOT / "statuspage.yaml", root)
    shutil.copytree(REPO_ROOT / "incidents", root / "incidents")
    incident = root / INCIDENT
    texts = [incident.read_text()]
    texts.append(texts[0].replace("Elevated error rate", "Raised error rate", 1))
    assert texts[1] != texts[0]
    sites = []
    for text in texts:  # what a clean build makes of each version of the file
        incident.write_text(text)
        reference = tmp_path / f"reference-{len(sites)}"
        build_site(root, reference, now=DEMO_NOW, check_git=False, cache=False)
        sites.append(snapshot(reference))
    assert sites[0] != sites[1]
    out = tmp_path / "public"
    incident.write_text(texts[0])
    started = time.monotonic()
    start_build(root, out, cache=True).wait()
    duration = time.monotonic() - started
    assert snapshot(out) == sites[0]

    chance = random.Random(f"kill {cache}")  # the same moments on every run
    outcomes = set()
    for kill in range(KILLS):
        incident.write_text(texts[(kill + 1) % 2])
        process = start_build(root, out, cache=cache)
        time.sleep(chance.uniform(0.2, 1.2) * duration)
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = snapshot(out)
        assert now in (sites[0], sites[1]), f"kill {kill}: a mix of two sites"
        outcomes.add(sites.index(now))
        temporary = [p for p in now if p.split("/")[-1].startswith(".") and p != SITE_MARKER]
        assert temporary == [], f"kill {kill}: temporary files in the output"
    # The next build finishes the job and removes what the killed ones left beside it (a
    # library call: it removes the old site itself, where the command leaves that to a
    # process of its own).
    build_site(root, out, now=DEMO_NOW, check_git=False, cache=cache)
    assert snapshot(out) == sites[KILLS % 2]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert outcomes, "no kill landed"


def test_the_next_build_removes_what_killed_builds_left_beside_the_output(tmp_path: Path) -> None:
    root = tmp_path / "status"
    root.mkdir()
    shutil.copy(REPO_ROOT / "statuspage.yaml", root)
    shutil.copytree(REPO_ROOT / "incidents", root / "incidents")
    out = tmp_path / "public"
    for name in (".public.new-abc123", ".public.old-def456"):  # as killed builds leave them
        (tmp_path / name / "incidents").mkdir(parents=True)
        (tmp_path / name / "incidents" / "index.html").write_text("half a site")
    (tmp_path / ".public.notes").mkdir()  # not a name a build uses: left alone
    build_site(root, out, now=DEMO_NOW, check_git=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.notes", "public", "status"]
    # A build with nothing to do removes them too.
    (tmp_path / ".public.new-ghi789").mkdir()
    assert Builder(root, out).build(now=DEMO_NOW, check_git=False).up_to_date
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.notes", "public", "status"]


def test_the_command_leaves_the_old_site_to_a_process_of_its_own(tmp_path: Path) -> None:
    """`statuspage build` returns once the new site is in place; the old one is removed
    by a detached process (or, if that is killed, by the next build)."""
    root = tmp_path / "status"
    root.mkdir()
    shutil.copy(REPO_ROOT / "statuspage.yaml", root)
    shutil.copytree(REPO_ROOT / "incidents", root / "incidents")
    out = tmp_path / "public"
    for _ in range(2):
        assert start_build(root, out, cache=True).wait() == 0
    build_site(root, tmp_path / "clean", now=DEMO_NOW, check_git=False, cache=False)
    assert snapshot(out) == snapshot(tmp_path / "clean")
    for _ in range(600):  # the remover has a minute at most, on the slowest machine
        if not any(p.name.startswith(".public.") for p in tmp_path.iterdir()):
            break
        time.sleep(0.1)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
