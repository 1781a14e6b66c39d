"""Nothing published disappears, merges included: the history check walks every parent."""

from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import CliRunner

from statuspage.cli import cli
from tests.sites import write_site

NOW = "2026-11-20T15:00:00+01:00"  # within stale_after of the open incident's update
INCIDENT = (
    "title: Published\nimpact: minor\nupdates:\n  - at: 2026-11-20T14:02:00+01:00\n"
    "    status: investigating\n    message: Looking.\n"
)


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def validate(root: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["validate", "--root", str(root), "--now", NOW])
    return result.exit_code, [line for line in result.stdout.splitlines() if ": error: " in line]


def repository(tmp_path: Path) -> Path:
    root = write_site(tmp_path, {"published": INCIDENT, "other": INCIDENT})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "Publish")
    return root


def deleted(commit: str, parent: str) -> str:
    return (
        f"incidents/published.yaml:1:1: error: published incident 'published' was deleted in "
        f"commit {commit}; published history never disappears: restore it "
        f"(git checkout {parent} -- incidents/published.yaml) and add `retracted: <reason>` "
        "to take it back"
    )


def test_deleting_inside_a_merge_commit_is_found(tmp_path: Path) -> None:
    root = repository(tmp_path)
    git(root, "checkout", "-qb", "side")
    (root / "incidents" / "new.yaml").write_text(INCIDENT)
    git(root, "add", ".")
    git(root, "commit", "-qm", "Side work")
    git(root, "checkout", "-q", "main")
    (root / "README").write_text("main moves on\n")
    git(root, "add", ".")
    git(root, "commit", "-qm", "Main work")
    git(root, "merge", "-q", "--no-ff", "--no-commit", "side")
    git(root, "rm", "-q", "incidents/published.yaml")  # hidden in the merge
    git(root, "commit", "-qm", "Merge side")
    merge = git(root, "rev-parse", "--short=12", "HEAD")
    assert git(root, "log", "--diff-filter=D", "--name-only", "--format=") == ""  # git's default
    assert validate(root) == (1, [deleted(merge, f"{merge}^")])


def test_a_merge_that_drops_a_file_only_the_second_parent_had(tmp_path: Path) -> None:
    root = repository(tmp_path)
    git(root, "checkout", "-qb", "side")
    (root / "incidents" / "side-only.yaml").write_text(INCIDENT)
    git(root, "add", ".")
    git(root, "commit", "-qm", "Published from a branch")
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--no-ff", "--no-commit", "side")
    git(root, "rm", "-qf", "incidents/side-only.yaml")
    git(root, "commit", "-qm", "Merge, dropping it")
    merge = git(root, "rev-parse", "--short=12", "HEAD")
    code, lines = validate(root)
    assert code == 1
    assert lines == [
        f"incidents/side-only.yaml:1:1: error: published incident 'side-only' was deleted in "
        f"commit {merge}; published history never disappears: restore it "
        f"(git checkout {merge}^2 -- incidents/side-only.yaml) and add `retracted: <reason>` "
        "to take it back"
    ]
    # The hint works: restored from that parent, the file validates.
    git(root, "checkout", f"{merge}^2", "--", "incidents/side-only.yaml")
    assert validate(root)[0] == 0


def test_a_plain_merge_deletes_nothing(tmp_path: Path) -> None:
    root = repository(tmp_path)
    git(root, "checkout", "-qb", "side")
    (root / "incidents" / "new.yaml").write_text(INCIDENT)
    git(root, "add", ".")
    git(root, "commit", "-qm", "Side work")
    git(root, "checkout", "-q", "main")
    (root / "README").write_text("main moves on\n")
    git(root, "add", ".")
    git(root, "commit", "-qm", "Main work")
    git(root, "merge", "-q", "--no-ff", "side", "-m", "Merge side")
    assert validate(root)[0] == 0


def test_deleting_a_file_the_loader_never_read_is_no_deletion(tmp_path: Path) -> None:
    root = repository(tmp_path)
    (root / "incidents" / "drafts").mkdir()
    (root / "incidents" / "drafts" / "x.yaml").write_text(INCIDENT)
    (root / "incidents" / ".x.yaml").write_text(INCIDENT)
    git(root, "add", ".")
    git(root, "commit", "-qm", "A draft, and a hidden file")
    (root / "incidents" / "drafts" / "x.yaml").unlink()  # not committed yet: ls-tree
    (root / "incidents" / ".x.yaml").unlink()
    assert validate(root) == (0, [])
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Drop them")  # committed: the walk
    assert validate(root) == (0, [])
