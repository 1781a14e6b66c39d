"""`deploy` deletes only what it made (design §9): a git branch it did not write is refused,
and what killed runs left in a directory target is cleaned up, and only that."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from statuspage.publish.deploy import (
    DEPLOY_TRAILER,
    DeployError,
    DirectoryTarget,
    deploy_directory,
    versions_dir,
)
from tests.sites import REPO_ROOT

IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Operator",
    "GIT_AUTHOR_EMAIL": "operator@test.example",
    "GIT_COMMITTER_NAME": "Test Operator",
    "GIT_COMMITTER_EMAIL": "operator@test.example",
}
CONFIG = """\
title: Test Shop Status
base_url: https://status.test.example
contact: {email: help@test.example}
components: [{id: web, name: Website}]
"""


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=os.environ
    )
    return result.stdout.strip()


def commit(work: Path, name: str, text: str) -> None:
    (work / name).write_text(text)
    git(work, "add", name)
    git(work, "commit", "-q", "-m", f"{name}: {text}")


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A status site with history on main, pushed to a bare repository, and a built site."""
    for name, value in IDENTITY.items():
        monkeypatch.setenv(name, value)
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / ".gitignore").write_text("site/\n")
    commit(work, "statuspage.yaml", CONFIG)
    commit(work, "README", "one")
    commit(work, "README", "two")
    git(work, "remote", "add", "origin", str(bare))
    git(work, "push", "-q", "origin", "main")
    (work / "site").mkdir()
    (work / "site" / "index.html").write_text("<!doctype html><title>status</title>")
    return work, bare


def deploy(work: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["deploy", *args, "--root", str(work)])
    return result.exit_code, result.stderr


def tip(repo: Path, branch: str) -> str:
    return git(repo, "rev-parse", branch)


HINT = (
    "deploying replaces a branch's whole history with one commit of the built site; deploy "
    "to another branch (git:gh-pages), or pass --force to replace it anyway"
)


def test_the_branch_checked_out_is_refused(checkout: tuple[Path, Path]) -> None:
    work, bare = checkout
    before = tip(bare, "main")
    for args in (["git:main"], ["git:main", "--dry-run"]):
        assert deploy(work, *args) == (
            1,
            "Error: refusing to deploy to main: it is the branch checked out here, which the "
            f"site is built from, and {HINT}\n",
        )
    assert tip(bare, "main") == before
    assert git(bare, "rev-list", "--count", "main") == "3"  # its history is all there


def test_a_branch_with_history_is_refused_unless_forced(checkout: tuple[Path, Path]) -> None:
    work, bare = checkout
    git(work, "checkout", "-q", "-b", "docs")
    commit(work, "docs.md", "the docs")
    git(work, "push", "-q", "origin", "docs")
    git(work, "checkout", "-q", "main")
    git(work, "branch", "-q", "-D", "docs")  # only on the remote now, as in a fresh clone
    short = git(bare, "rev-parse", "--short", "docs")
    before = tip(bare, "docs")

    assert deploy(work, "git:docs") == (
        1,
        f"Error: refusing to replace docs on origin: it has history (its last commit {short}, "
        f"'docs.md: the docs', has a parent), and {HINT}\n",
    )
    assert tip(bare, "docs") == before

    code, message = deploy(work, "git:docs", "--force")
    assert code == 0, message
    assert git(bare, "rev-list", "--count", "docs") == "1"
    assert git(bare, "show", "docs:index.html") == "<!doctype html><title>status</title>"
    # Now deploy wrote it, so the next deploy replaces it without being told.
    (work / "site" / "index.html").write_text("v2")
    assert deploy(work, "git:docs")[0] == 0
    assert git(bare, "show", "docs:index.html") == "v2"
    assert DEPLOY_TRAILER in git(bare, "log", "-1", "--format=%B", "docs").splitlines()


def test_a_branch_another_tool_wrote_is_refused(checkout: tuple[Path, Path]) -> None:
    work, bare = checkout
    git(work, "checkout", "-q", "--orphan", "pages")
    git(work, "rm", "-q", "-r", "--cached", ".")
    commit(work, "index.html", "made by another generator")
    git(work, "push", "-q", "origin", "pages")
    git(work, "checkout", "-q", "-f", "main")
    short = git(bare, "rev-parse", "--short", "pages")
    before = tip(bare, "pages")
    assert deploy(work, "git:pages") == (
        1,
        f"Error: refusing to replace pages on origin: its commit {short} "
        f"('index.html: made by another generator') was not made by statuspage deploy, and "
        f"{HINT}\n",
    )
    assert tip(bare, "pages") == before


def test_a_local_branch_with_history_is_refused(checkout: tuple[Path, Path]) -> None:
    work, bare = checkout
    git(work, "branch", "notes")  # main's history, not on the remote
    short = git(work, "rev-parse", "--short", "notes")
    before = tip(work, "notes")
    assert deploy(work, "git:notes") == (
        1,
        f"Error: refusing to replace the local branch notes: it has history (its last commit "
        f"{short}, 'README: two', has a parent), and {HINT}\n",
    )
    assert tip(work, "notes") == before
    assert "notes" not in git(bare, "branch", "--list")


def test_gh_pages_is_deployed_again_and_again(checkout: tuple[Path, Path]) -> None:
    work, bare = checkout
    for text in ("v1", "v2"):
        (work / "site" / "index.html").write_text(text)
        code, message = deploy(work, "git:gh-pages")
        assert code == 0, message
        assert git(bare, "show", "gh-pages:index.html") == text
    assert git(bare, "rev-list", "--count", "gh-pages") == "1"
    assert git(bare, "rev-list", "--count", "main") == "3"


# -- directory targets: leftovers ----------------------------------------------------------


def test_leftovers_of_killed_runs_are_removed_and_only_they(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("v1")
    target = DirectoryTarget(tmp_path / "www" / "status")
    target.path.parent.mkdir()
    deploy_directory(site, target)
    versions = versions_dir(target)
    # What a run killed while copying leaves (mkdtemp's name), and one killed between
    # making its new symlink and renaming it over the target.
    copy = versions / ".incoming-k1ll3d_x"
    (copy / "incidents").mkdir(parents=True)
    (copy / "incidents" / "index.html").write_text("half")
    link = target.path.parent / ".status.link-4242"
    os.symlink(versions, link)
    # Names deploy does not give: someone else's, left alone.
    theirs = [versions / ".incoming-mine", target.path.parent / ".status.link-mine"]
    theirs[0].mkdir()
    theirs[1].write_text("mine")

    # Nothing changed in the site: the run still cleans up.
    result = deploy_directory(site, target)
    assert result.detail == f"dir:{target.path} is up to date"
    assert not copy.exists() and not link.is_symlink()
    assert all(path.exists() for path in theirs)
    assert (target.path / "index.html").read_text() == "v1"


def test_one_run_at_a_time(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("v1")
    target = DirectoryTarget(tmp_path / "status")
    deploy_directory(site, target)
    (site / "index.html").write_text("v2")
    fd = os.open(versions_dir(target), os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a run in progress holds it
        with pytest.raises(DeployError) as caught:
            deploy_directory(site, target)
        assert str(caught.value) == (
            f"another `statuspage deploy` to {target.path} is running; try again when it is done"
        )
    finally:
        os.close(fd)
    assert (target.path / "index.html").read_text() == "v1"
    deploy_directory(site, target)
    assert (target.path / "index.html").read_text() == "v2"


def test_a_deploy_killed_while_copying_is_cleaned_up_by_the_next(tmp_path: Path) -> None:
    """A real `statuspage deploy` process, killed (SIGKILL) while it copies the site; the
    next deploy has nothing new to ship, and still removes the half copy."""
    site = tmp_path / "site"
    for number in range(3000):
        page = site / "incidents" / f"i{number}" / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(f"<p>{number}</p>" * 50)
    (site / "index.html").write_text("v1")
    target = DirectoryTarget(tmp_path / "www" / "status")
    target.path.parent.mkdir()
    deploy_directory(site, target)
    versions = versions_dir(target)

    (site / "index.html").write_text("v2")
    command = [sys.executable, "-m", "statuspage", "deploy", f"dir:{target.path}"]
    command += ["--site", str(site)]
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(command, env=environment, cwd=tmp_path)
    try:
        for _ in range(3000):  # until its copy shows up (or it is done)
            if any(p.name.startswith(".incoming-") for p in versions.iterdir()):
                break
            if process.poll() is not None:
                break
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(30)
    if not any(p.name.startswith(".incoming-") for p in versions.iterdir()):
        pytest.skip("the deploy finished before it could be killed")
    assert (target.path / "index.html").read_text() == "v1"  # killed before switching

    (site / "index.html").write_text("v1")
    result = deploy_directory(site, target)
    assert result.detail == f"dir:{target.path} is up to date"
    assert [p.name for p in versions.iterdir() if p.name.startswith(".")] == []
