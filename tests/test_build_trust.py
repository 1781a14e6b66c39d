"""What a build trusts: nothing in the cache runs unless this user wrote it, inputs are known
by their bytes, and `--out` replaces only a folder that a build wrote (design §9)."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from statuspage.builder.engine import CACHE_DIR, Builder
from statuspage.builder.pipeline import build_site
from statuspage.cli import cli
from statuspage.inputs.places import SITE_MARKER
from statuspage.inputs.sealed import Seal, user_cache_dir
from tests.sites import DEMO_NOW, REPO_ROOT, write_site
from tests.test_incremental import snapshot

NOW_TEXT = DEMO_NOW.isoformat()


class Hostile:
    """Unpickling this creates the marker file: proof that the cache ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, ...]]:
        return (os.system, (f"touch {self.marker}",))


def demo(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    root.mkdir()
    shutil.copy(REPO_ROOT / "statuspage.yaml", root)
    shutil.copytree(REPO_ROOT / "incidents", root / "incidents")
    return root


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def build_cli(root: Path, *args: str, cache_home: Path | None = None) -> None:
    """`statuspage build` in a new process, as CI runs it."""
    env = dict(os.environ)
    if cache_home is not None:
        env["XDG_CACHE_HOME"] = str(cache_home)
    subprocess.run(
        [sys.executable, "-m", "statuspage", "build", "--root", str(root), "--now", NOW_TEXT,
         "--no-git", *args],
        check=True, capture_output=True, env=env,
    )  # fmt: skip


@pytest.mark.parametrize("home", ["this user's cache", "a fresh machine"])
def test_a_force_added_hostile_cache_runs_nothing(tmp_path: Path, home: str) -> None:
    """A pull request adds pickles and template bytecode to .statuspage/cache: whether the
    builder has a key of its own already or makes one now, nothing of it is loaded."""
    root = demo(tmp_path)
    marker = tmp_path / "pwned"
    build_cli(root)  # the names the cache uses, and compiled templates in the user cache
    names = sorted(p.name for p in (root / CACHE_DIR).iterdir())
    assert "parse-00.pickle" in names and any(n.startswith("build-") for n in names)
    payload = pickle.dumps({"format": 2, "manifest": Hostile(marker), "entries": Hostile(marker)})
    forged = Seal(b"k" * 32)  # sealed, but with another key than this user's
    shutil.rmtree(root / "site")
    for name in names:
        (root / CACHE_DIR / name).write_bytes(payload)
    (root / CACHE_DIR / "forged.pickle").write_bytes(forged.seal("x", payload))
    # Jinja's bytecode starts with a pickled checksum: a pickle there runs when loaded.
    import jinja2.bccache

    bytecode = jinja2.bccache.bc_magic + payload
    templates = user_cache_dir() / "templates"
    compiled = sorted(templates.iterdir())
    assert compiled, "the first build kept its compiled templates"
    for path in compiled:
        path.write_bytes(bytecode)
    (root / CACHE_DIR / "templates").mkdir()
    for path in compiled:  # where earlier versions kept them
        (root / CACHE_DIR / "templates" / path.name).write_bytes(bytecode)
    git(root, "init", "-q")
    git(root, "add", "-f", ".")
    git(root, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "hostile")
    checkout = tmp_path / "checkout"
    git(tmp_path, "clone", "-q", str(root), str(checkout))
    assert (checkout / CACHE_DIR / names[0]).is_file()

    build_cli(checkout, cache_home=tmp_path / "fresh" if home == "a fresh machine" else None)
    assert not marker.exists()
    build_site(REPO_ROOT, tmp_path / "clean", now=DEMO_NOW, check_git=False, cache=False)
    assert snapshot(checkout / "site") == snapshot(tmp_path / "clean")


def test_a_key_others_can_read_keeps_nothing(tmp_path: Path) -> None:
    key = user_cache_dir() / "key"
    assert Seal.mine() is not None and key.is_file()
    try:
        key.chmod(0o644)
        assert Seal.mine() is None
        root = demo(tmp_path)
        build_site(root, root / "site", now=DEMO_NOW, check_git=False)
        assert not (root / CACHE_DIR).exists() or not any((root / CACHE_DIR).iterdir())
    finally:
        key.chmod(0o600)


def test_a_same_size_edit_with_its_time_put_back_is_built(tmp_path: Path) -> None:
    root = demo(tmp_path)
    out = root / "site"
    build_site(root, out, now=DEMO_NOW, check_git=False)
    path = root / "incidents" / "2026-11-20-checkout-errors.yaml"
    before = path.stat()
    text = path.read_text()
    assert "Elevated" in text
    path.write_text(text.replace("Elevated", "Elevatex", 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_ino == before.st_ino
    again = Builder(root, out).build(now=DEMO_NOW, check_git=False)
    assert not again.up_to_date
    page = (out / "incidents" / "2026-11-20-checkout-errors" / "index.html").read_text()
    assert "Elevatex" in page
    build_site(root, tmp_path / "clean", now=DEMO_NOW, check_git=False, cache=False)
    assert snapshot(out) == snapshot(tmp_path / "clean")


# -- what --out may replace -----------------------------------------------------------------


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".statuspage" not in p.parts and "site" not in p.parts
    }


@pytest.mark.parametrize(
    ("out", "message"),
    [
        (".", "{root}, the site's own folder"),
        ("..", "{parent}, a folder that holds the site"),
        ("incidents", "{root}/incidents, the site's incident files"),
        ("incidents/old", "{root}/incidents/old, a folder inside the site's incident files "
         "(incidents)"),
        ("themes", "{root}/themes, the site's themes"),
        (".git", "{root}/.git, the site's git history"),
        (".statuspage", "{root}/.statuspage, the site's private state"),
    ],
)  # fmt: skip
def test_build_never_replaces_the_site_or_its_inputs(
    tmp_path: Path, out: str, message: str
) -> None:
    root = write_site(tmp_path / "status", {"a": "title: x\n"})
    (root / "themes").mkdir()
    (root / "themes" / "keep.txt").write_text("mine")
    git(root, "init", "-q")
    before = tree(tmp_path)
    result = run("build", "--root", str(root), "--out", str(root / out), "--now", NOW_TEXT)
    assert result.exit_code == 1
    shown = message.format(root=root, parent=tmp_path)
    assert result.stderr == (
        f"Error: --out {root / out}: refusing to replace {shown}; choose an output folder "
        "of its own (the default is site/)\n"
    )
    assert tree(tmp_path) == before
    assert not list(tmp_path.glob(".*")) and not list(root.glob(".*.new-*"))


def test_build_never_replaces_a_folder_it_did_not_write(tmp_path: Path) -> None:
    root = write_site(tmp_path / "status")
    foreign = tmp_path / "docs"
    foreign.mkdir()
    (foreign / "notes.md").write_text("keep me")
    result = run("build", "--root", str(root), "--out", str(foreign), "--now", NOW_TEXT)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: --out {foreign}: refusing to replace {foreign}: it holds files that "
        f"statuspage did not write (there is no {SITE_MARKER} in it); empty it or choose "
        "another folder\n"
    )
    assert (foreign / "notes.md").read_text() == "keep me"
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.md"]


def test_build_replaces_an_empty_folder_or_its_own(tmp_path: Path) -> None:
    root = write_site(tmp_path / "status")
    empty = tmp_path / "public"
    empty.mkdir()
    for _ in range(2):  # empty, then holding the first build's marker
        result = run("build", "--root", str(root), "--out", str(empty), "--now", NOW_TEXT)
        assert result.exit_code == 0, result.output
        assert (empty / SITE_MARKER).is_file() and (empty / "index.html").is_file()
    link = tmp_path / "link"
    link.symlink_to(empty)
    result = run("build", "--root", str(root), "--out", str(link), "--now", NOW_TEXT)
    assert result.exit_code == 1
    assert "a symbolic link; give the folder itself" in result.stderr


# -- the same rule for deploy and notify --outbox -------------------------------------------


@pytest.mark.parametrize("where", [".", "incidents", "themes/x", ".git"])
def test_deploy_to_a_directory_never_replaces_the_site_or_its_inputs(
    tmp_path: Path, where: str
) -> None:
    root = write_site(tmp_path / "status")
    git(root, "init", "-q")
    assert run("build", "--root", str(root), "--now", NOW_TEXT, "--no-git").exit_code == 0
    before = tree(tmp_path)
    result = run("deploy", str(root / where), "--root", str(root))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: deploy {root / where}: refusing to replace ")
    assert tree(tmp_path) == before


def test_notify_outbox_is_never_inside_the_site_inputs(tmp_path: Path) -> None:
    from statuspage.inputs.load import load_site_or_raise
    from statuspage.inputs.places import OutputFolderError
    from statuspage.notify.send import notify
    from statuspage.notify.subscribers import Subscriber
    from tests.notify_sites import NOW, notify_site
    from tests.test_send import subscribe

    root = notify_site(tmp_path / "status")
    subscribe(root, Subscriber(email="all@example.net"))
    site = load_site_or_raise(root, now=NOW, check_git=False)
    before = tree(tmp_path)
    for where in ("incidents", ".", "themes"):
        with pytest.raises(OutputFolderError, match="refusing to replace"):
            notify(site, dry_run=True, outbox=root / where)
    assert tree(tmp_path) == before
