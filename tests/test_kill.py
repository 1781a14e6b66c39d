"""A build killed at any moment leaves the previous site or the new one, never a mix, and no
temporary file in the output; the next build removes what the killed one left beside it,
and does not trust a spare (the site before, kept beside the output) that it left half
updated."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
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
    # The next builds finish the job and remove what the killed ones left beside it; the
    # spare they find was perhaps left half updated.
    for step in range(3):
        incident.write_text(texts[(KILLS + step) % 2])
        build_site(root, out, now=DEMO_NOW, check_git=False, cache=cache)
        assert snapshot(out) == sites[(KILLS + step) % 2], f"build {step} after the kills"
    assert sorted(p.name for p in tmp_path.glob(".public*")) == [".public.spare"]
    assert outcomes, "no kill landed"


# A build that kills itself at one point of the spare's update: (what to wrap, after how
# many calls). `clear` removes what the new site no longer holds (or what a file replaces),
# `link` links the live site's current files into the spare, `_write_new` writes a file,
# `seal_spare` puts the marker back once the spare is whole, `swap` puts it in place (the
# manifest is recorded after it).
KILLER = """
import os, signal, sys
from pathlib import Path
from statuspage.builder import engine, write
from statuspage.builder.pipeline import build_site
from tests.sites import DEMO_NOW

root, out, name, after = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
calls = 0

def wrap(real):
    def wrapped(*args, **kwargs):
        global calls
        calls += 1
        late = name in ("seal_spare", "swap")  # dies just after it, else just before
        if calls > after and not late:
            os.kill(os.getpid(), signal.SIGKILL)
        result = real(*args, **kwargs)
        if calls > after and late:
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    return wrapped

if name == "link":
    os.link = wrap(os.link)
else:
    for module in (engine, write):
        if hasattr(module, name):
            setattr(module, name, wrap(getattr(module, name)))
build_site(root, out, now=DEMO_NOW, check_git=False)
"""


@pytest.mark.parametrize(
    ("point", "after"),
    [("clear", 0), ("clear", 1), ("link", 0), ("link", 1), ("_write_new", 0),
     ("_write_new", 4), ("seal_spare", 0), ("swap", 0)],
)  # fmt: skip
def test_a_build_killed_while_it_updates_the_spare(tmp_path: Path, point: str, after: int) -> None:
    """The spare is brought up to date in place while the live site is served: a build
    killed at any step of that leaves the live site whole, and the following builds, which
    find the spare half updated, are byte for byte what a clean build makes."""
    root = tmp_path / "status"
    root.mkdir()
    shutil.copy(REPO_ROOT / "statuspage.yaml", root)
    shutil.copytree(REPO_ROOT / "incidents", root / "incidents")
    out = tmp_path / "public"
    incident, other = root / INCIDENT, root / "incidents/2026-06-23-order-tracking-stale.yaml"
    gone = root / "incidents/2026-09-08-checkout-false-alarm.yaml"
    first, second = incident.read_text(), other.read_text()
    versions = [
        lambda: None,  # as it comes
        lambda: incident.write_text(first.replace("Elevated error rate", "Raised error rate", 1)),
        lambda: (
            other.write_text(second.replace("title: ", "title: Old news, ", 1)),
            gone.unlink(),
        ),
    ]
    sites = []
    for change in versions:  # each step keeps the ones before
        change()
        build_site(root, tmp_path / "reference", now=DEMO_NOW, check_git=False, cache=False)
        sites.append(snapshot(tmp_path / "reference"))
    shutil.rmtree(root / "incidents")
    shutil.copytree(REPO_ROOT / "incidents", root / "incidents")
    # Two builds: the live site is the second version, the spare the first.
    for change in versions[:2]:
        change()
        build_site(root, out, now=DEMO_NOW, check_git=False)
    assert snapshot(out) == sites[1]
    assert snapshot(tmp_path / ".public.spare") == sites[0]
    # The third updates the spare: a page to remove (the deleted incident's), pages the
    # live site has and the spare not (to link), pages to write; killed on the way.
    versions[2]()
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(root), str(out), point, str(after)],
        cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    now = snapshot(out)
    assert now == sites[2 if point == "swap" else 1], "not the old site nor the new one"
    # The following builds are clean builds' equals, whatever the spare holds.
    build_site(root, out, now=DEMO_NOW, check_git=False)
    assert snapshot(out) == sites[2]
    incident.write_text(first)  # back to the first version of that incident
    build_site(root, tmp_path / "reference", now=DEMO_NOW, check_git=False, cache=False)
    expected = snapshot(tmp_path / "reference")
    build_site(root, out, now=DEMO_NOW, check_git=False)
    assert snapshot(out) == expected
    build_site(root, out, now=DEMO_NOW, check_git=False)  # nothing to do
    assert snapshot(out) == expected
    assert sorted(p.name for p in tmp_path.glob(".public*")) == [".public.spare"]


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
    # A build with nothing to do removes them too (and leaves the spare that the second
    # build kept).
    build_site(root, out, now=DEMO_NOW + timedelta(minutes=1), check_git=False)
    (tmp_path / ".public.new-ghi789").mkdir()
    assert Builder(root, out).build(now=DEMO_NOW + timedelta(minutes=1), check_git=False).up_to_date
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".public.notes",
        ".public.spare",
        "public",
        "status",
    ]


def test_the_command_keeps_the_old_site_as_the_spare(tmp_path: Path) -> None:
    """`statuspage build` keeps the site it replaces beside the output, whole and with its
    marker: the next build brings it up to date instead of making a new tree."""
    root = tmp_path / "status"
    root.mkdir()
    shutil.copy(REPO_ROOT / "statuspage.yaml", root)
    shutil.copytree(REPO_ROOT / "incidents", root / "incidents")
    out = tmp_path / "public"
    assert start_build(root, out, cache=True).wait() == 0
    first = snapshot(out)
    assert not (tmp_path / ".public.spare").exists()  # nothing was replaced
    incident = root / INCIDENT
    incident.write_text(incident.read_text().replace("Elevated error rate", "Raised", 1))
    assert start_build(root, out, cache=True).wait() == 0
    build_site(root, tmp_path / "clean", now=DEMO_NOW, check_git=False, cache=False)
    assert snapshot(out) == snapshot(tmp_path / "clean") != first
    assert snapshot(tmp_path / ".public.spare") == first
    assert (tmp_path / ".public.spare" / SITE_MARKER).is_file()
    assert sorted(p.name for p in tmp_path.glob(".public*")) == [".public.spare"]


def test_deploy_ships_the_output_never_the_spare(tmp_path: Path) -> None:
    """The spare beside the output is the site before: `deploy` reads the output folder
    alone, so what it ships is the new site, whole, and nothing of the spare."""
    from statuspage.publish.deploy import deploy, parse_target

    root = tmp_path / "status"
    root.mkdir()
    shutil.copy(REPO_ROOT / "statuspage.yaml", root)
    shutil.copytree(REPO_ROOT / "incidents", root / "incidents")
    out = tmp_path / "public"
    build_site(root, out, now=DEMO_NOW, check_git=False)
    incident = root / INCIDENT
    incident.write_text(incident.read_text().replace("Elevated error rate", "Raised", 1))
    (root / "incidents/2026-09-08-checkout-false-alarm.yaml").unlink()
    build_site(root, out, now=DEMO_NOW, check_git=False)
    spare = snapshot(tmp_path / ".public.spare")
    assert spare and spare != snapshot(out)
    www = tmp_path / "www"
    deploy(out, parse_target(f"dir:{www}"), root=root)
    shipped = snapshot(www.resolve())
    assert shipped == snapshot(out)
    assert "incidents/2026-09-08-checkout-false-alarm/index.html" in spare
    assert "incidents/2026-09-08-checkout-false-alarm/index.html" not in shipped
