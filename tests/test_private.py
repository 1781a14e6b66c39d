"""The private folder keeps itself out of git, in a repository `init` did not make too."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from statuspage.inputs.diagnostics import StatuspageError
from statuspage.notify.ledger import KEY_ENV
from statuspage.notify.private import GITIGNORE, private_folder
from tests.notify_sites import NOTIFY_CONFIG, NOW_TEXT, notify_site

IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Operator",
    "GIT_AUTHOR_EMAIL": "operator@test.example",
    "GIT_COMMITTER_NAME": "Test Operator",
    "GIT_COMMITTER_EMAIL": "operator@test.example",
}


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **IDENTITY},
    )
    return result.stdout


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("subscribers", [None, "private/people.json"])
def test_git_add_all_never_picks_up_addresses_or_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, subscribers: str | None
) -> None:
    # A status repository made by hand: no .gitignore at all, everything committed.
    config = NOTIFY_CONFIG
    if subscribers:
        config += f"  subscribers: {subscribers}\n"
    root = notify_site(tmp_path / "status", config=config)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "status page")
    monkeypatch.delenv(KEY_ENV, raising=False)

    invoke("subscribers", "add", "jane@customer.example", "--root", str(root))
    # The first run writes the ledger key next to the list.
    invoke("notify", "--baseline", "--root", str(root), "--now", NOW_TEXT)
    folder = root / Path(subscribers or ".statuspage/subscribers.json").parent
    names = {p.name for p in folder.iterdir()}
    assert {".gitignore", "ledger.key", Path(subscribers or "subscribers.json").name} <= names
    assert (folder / ".gitignore").read_text() == GITIGNORE

    git(root, "add", "-A")
    staged = git(root, "diff", "--cached", "--name-only").split()
    assert "notices.ledger" in staged  # meant to be committed: it names no one
    assert not [path for path in staged if path.startswith(f"{folder.name}/")]
    assert git(root, "status", "--porcelain", "--ignored", folder.name).startswith("!! ")
    found = subprocess.run(
        ["git", "grep", "--cached", "-l", "jane@customer.example"], cwd=root, check=False
    )
    assert found.returncode == 1  # in no committed or staged file


def test_a_gitignore_of_ones_own_is_kept(tmp_path: Path) -> None:
    folder = tmp_path / "private"
    folder.mkdir()
    (folder / ".gitignore").write_text("people.json\n")
    private_folder(folder)
    assert (folder / ".gitignore").read_text() == "people.json\n"


def test_the_sites_own_folder_is_refused(tmp_path: Path) -> None:
    root = notify_site(tmp_path)
    with pytest.raises(StatuspageError, match="is the site's own folder"):
        private_folder(root)
    assert not (root / ".gitignore").exists()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "people.json",
            "'people.json' must be in a folder of its own, like .statuspage/subscribers.json, "
            "which statuspage keeps out of git",
        ),
        (
            "incidents/people.json",
            "'incidents/people.json' is inside incidents/, which is committed",
        ),
        ("themes/x/people.json", "'themes/x/people.json' is inside themes/, which is committed"),
    ],
)
def test_the_list_must_have_a_folder_of_its_own(tmp_path: Path, path: str, message: str) -> None:
    root = notify_site(tmp_path, config=NOTIFY_CONFIG + f"  subscribers: {path}\n")
    result = CliRunner().invoke(
        cli, ["validate", "--no-git", "--root", str(root), "--now", NOW_TEXT]
    )
    assert result.exit_code == 1
    assert result.stdout == f"statuspage.yaml:25:16: error: notify.subscribers: {message}\n"
