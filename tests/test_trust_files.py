"""Only regular files inside the site's folder are read (design §9): links, FIFOs and devices
under incidents/, themes/ and the built site are errors, never followed or opened.

Builds run as real processes: a FIFO that was opened would hang them (the timeout only keeps
a regression from hanging the suite) and /dev/zero would fill the memory.
"""

from __future__ import annotations

import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from tests.sites import REPO_ROOT, write_site

NOW = "2026-11-20T15:00:00+01:00"  # within stale_after of the open incident's update
INCIDENT = (
    "title: Checkout errors\nimpact: minor\nupdates:\n  - at: 2026-11-20T14:02:00+01:00\n"
    "    status: investigating\n    message: Looking.\n  - at: 2026-11-20T15:02:00+01:00\n"
    "    status: resolved\n    message: Fixed.\n"
)
LINK = (
    "is a symbolic link (to {target!r}); links are not followed, so that nothing outside the "
    "site's folder is read: put the file itself here"
)
FIFO = "is a named pipe (FIFO), not a regular file; remove it"
DEVICE = "is a device, not a regular file; remove it"


def _limit_memory() -> None:
    """Reading /dev/zero would take all the memory there is: a regression fails at 2 GB."""
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "statuspage", *args, "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
        preexec_fn=_limit_memory,
    )


def build(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run(root, "build", "--no-git", "--now", NOW, *extra)


def validate(root: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["validate", "--root", str(root), "--no-git", "--now", NOW])
    return result.exit_code, result.stdout.splitlines()


def site(tmp_path: Path) -> Path:
    root = write_site(tmp_path / "site", {"2026-11-20-checkout": INCIDENT})
    static = root / "themes" / "default" / "static"
    static.mkdir(parents=True)
    (static / "extra.css").write_text("body { color: black }\n")
    return root


def assert_refused(root: Path, shown: str, message: str) -> None:
    """validate and build (from scratch, and picking up from a good build) both refuse it."""
    expected = f"{shown}:1:1: error: {message}"
    code, lines = validate(root)
    assert (code, lines) == (1, [expected])
    for extra in ((), ("--no-cache",)):
        done = build(root, *extra)
        assert done.returncode == 1, done.stderr
        assert done.stderr.splitlines()[0] == expected
        assert "Traceback" not in done.stderr


def test_fifo_as_incident_is_never_opened(tmp_path: Path) -> None:
    root = site(tmp_path)
    assert build(root).returncode == 0  # a good build first: the next picks up from it
    os.mkfifo(root / "incidents" / "pipe.yaml")
    assert_refused(root, "incidents/pipe.yaml", FIFO)


def test_fifo_with_any_name_in_incidents(tmp_path: Path) -> None:
    root = site(tmp_path)
    assert build(root).returncode == 0
    os.mkfifo(root / "incidents" / "notes")
    assert_refused(root, "incidents/notes", FIFO)


def test_fifo_in_a_theme(tmp_path: Path) -> None:
    root = site(tmp_path)
    assert build(root).returncode == 0
    os.mkfifo(root / "themes" / "default" / "static" / "pipe.css")
    assert_refused(root, "themes/default/static/pipe.css", FIFO)


def test_link_to_dev_zero_as_incident(tmp_path: Path) -> None:
    root = site(tmp_path)
    (root / "incidents" / "zero.yaml").symlink_to("/dev/zero")
    assert_refused(root, "incidents/zero.yaml", LINK.format(target="/dev/zero"))


def test_published_incident_replaced_by_a_link_to_dev_zero(tmp_path: Path) -> None:
    """git knows the file: the history check compares it with the published version."""
    root = site(tmp_path)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "."], check=True)
    author = ["-c", "user.name=T", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "-C", str(root), *author, "commit", "-qm", "Publish"], check=True)
    path = root / "incidents" / "2026-11-20-checkout.yaml"
    path.unlink()
    path.symlink_to("/dev/zero")
    expected = f"incidents/2026-11-20-checkout.yaml:1:1: error: {LINK.format(target='/dev/zero')}"
    for command in ("validate", "build"):
        done = run(root, command, "--now", NOW)
        assert done.returncode == 1, done.stderr
        assert expected in done.stdout.splitlines() + done.stderr.splitlines()
        assert "Traceback" not in done.stderr


def test_link_to_dev_zero_in_a_theme(tmp_path: Path) -> None:
    root = site(tmp_path)
    assert build(root).returncode == 0
    (root / "themes" / "default" / "zero.html").symlink_to("/dev/zero")
    assert_refused(root, "themes/default/zero.html", LINK.format(target="/dev/zero"))


def test_device_node_in_incidents(tmp_path: Path) -> None:
    root = site(tmp_path)
    try:
        os.mknod(root / "incidents" / "zero.yaml", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("making a device node needs root (CAP_MKNOD)")
    assert_refused(root, "incidents/zero.yaml", DEVICE)


def test_link_to_etc_passwd_in_static_is_not_published(tmp_path: Path) -> None:
    root = site(tmp_path)
    (root / "themes" / "default" / "static" / "passwd.txt").symlink_to("/etc/passwd")
    assert_refused(root, "themes/default/static/passwd.txt", LINK.format(target="/etc/passwd"))
    assert not (root / "site").exists()
    # The link removed, the site builds, and nothing of /etc/passwd is in it.
    (root / "themes" / "default" / "static" / "passwd.txt").unlink()
    assert build(root).returncode == 0
    assert not list((root / "site" / "assets").glob("passwd*"))


def test_link_to_git_config_in_static(tmp_path: Path) -> None:
    root = site(tmp_path)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "themes" / "default" / "static" / "config.txt").symlink_to("../../../.git/config")
    assert_refused(
        root, "themes/default/static/config.txt", LINK.format(target="../../../.git/config")
    )


def test_link_escaping_the_folder(tmp_path: Path) -> None:
    root = site(tmp_path)
    outside = tmp_path / "outside.yaml"
    outside.write_text(INCIDENT)
    (root / "incidents" / "escape.yaml").symlink_to("../../outside.yaml")
    assert_refused(root, "incidents/escape.yaml", LINK.format(target="../../outside.yaml"))


def test_linked_theme_folder_and_template(tmp_path: Path) -> None:
    root = site(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "base.html").write_text("{{ 7 * 6 }}")
    (root / "themes" / "default" / "partials").symlink_to(elsewhere)
    assert_refused(root, "themes/default/partials", LINK.format(target=str(elsewhere)))
    (root / "themes" / "default" / "partials").unlink()
    (root / "themes" / "default" / "base.html").symlink_to(elsewhere / "base.html")
    target = str(elsewhere / "base.html")
    assert_refused(root, "themes/default/base.html", LINK.format(target=target))


def test_linked_incidents_folder(tmp_path: Path) -> None:
    root = site(tmp_path)
    os.rename(root / "incidents", tmp_path / "real-incidents")
    (root / "incidents").symlink_to(tmp_path / "real-incidents")
    target = str(tmp_path / "real-incidents")
    assert_refused(root, "incidents", LINK.format(target=target))


def test_linked_config(tmp_path: Path) -> None:
    root = site(tmp_path)
    os.rename(root / "statuspage.yaml", tmp_path / "real.yaml")
    (root / "statuspage.yaml").symlink_to(tmp_path / "real.yaml")
    code, lines = validate(root)
    target = str(tmp_path / "real.yaml")
    assert (code, lines) == (1, [f"statuspage.yaml:1:1: error: {LINK.format(target=target)}"])


def test_editor_lock_links_are_left_alone(tmp_path: Path) -> None:
    """Emacs marks a file being edited with a dangling link `.#name`: not an input."""
    root = site(tmp_path)
    (root / "incidents" / ".#2026-11-20-checkout.yaml").symlink_to("someone@host.1234:1")
    (root / "themes" / "default" / ".#base.html").symlink_to("someone@host.1234:1")
    assert validate(root)[0] == 0
    assert build(root).returncode == 0


def test_deploy_refuses_a_link_inside_the_site(tmp_path: Path) -> None:
    root = site(tmp_path)
    assert build(root).returncode == 0
    (root / "site" / "leak.txt").symlink_to("/etc/passwd")
    target = tmp_path / "www"
    result = CliRunner().invoke(
        cli, ["deploy", str(target), "--root", str(root), "--site", str(root / "site")]
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: {root / 'site' / 'leak.txt'}: {LINK.format(target='/etc/passwd')}; "
        "deploy copies only regular files"
    ]
    assert not target.exists()


def test_deploy_refuses_a_fifo_inside_the_site(tmp_path: Path) -> None:
    root = site(tmp_path)
    assert build(root).returncode == 0
    os.mkfifo(root / "site" / "pipe")
    result = run(root, "deploy", str(tmp_path / "www"), "--site", str(root / "site"))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: {root / 'site' / 'pipe'}: {FIFO}; deploy copies only regular files"
    ]


def test_deploy_refuses_a_file_swapped_for_a_link_after_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Listed as a regular file, a link by the time it is copied: still not followed."""
    from statuspage.publish import deploy

    root = site(tmp_path)
    assert build(root).returncode == 0
    listed = deploy.site_files(root / "site")
    victim = root / "site" / "index.html"
    victim.unlink()
    victim.symlink_to("/etc/passwd")
    monkeypatch.setattr(deploy, "site_files", lambda folder: listed)
    target = deploy.DirectoryTarget(tmp_path / "www")
    with pytest.raises(deploy.DeployError) as refused:
        deploy.deploy(root / "site", target, root=root)
    assert str(refused.value) == (
        f"{victim}: {LINK.format(target='/etc/passwd')}; deploy copies only regular files"
    )
    assert not (tmp_path / "www").exists()


def test_linked_notice_ledger(tmp_path: Path) -> None:
    """The ledger is committed: as a link, notify would append to what it points at."""
    root = site(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (root / "notices.ledger").symlink_to(victim)
    code, lines = validate(root)
    assert (code, lines) == (
        1,
        [f"notices.ledger:1:1: error: {LINK.format(target=str(victim))}"],
    )
    (root / "notices.ledger").unlink()
    (root / "notices.ledger.d").mkdir()
    (root / "notices.ledger.d" / "2026-11-20-checkout.0").symlink_to(victim)
    code, lines = validate(root)
    assert (code, lines) == (
        1,
        ["notices.ledger.d/2026-11-20-checkout.0:1:1: error: " + LINK.format(target=str(victim))],
    )
    result = CliRunner().invoke(
        cli, ["notify", "--root", str(root), "--no-git", "--now", NOW, "--dry-run"]
    )
    assert result.exit_code == 1
    assert victim.read_text() == "precious\n"


def test_ledger_is_never_opened_through_a_link(tmp_path: Path) -> None:
    """Commands that open the ledger without loading the site (subscribers unsuppress) too."""
    from statuspage.notify.ledger import Keys, Ledger, LedgerError

    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    path = tmp_path / "notices.ledger"
    path.symlink_to(victim)
    with pytest.raises(LedgerError) as refused:
        Ledger.open(path, Keys.from_secret(b"k" * 32))
    assert str(refused.value) == f"{path}: {LINK.format(target=str(victim))}"
    assert victim.read_text() == "precious\n"


def test_a_huge_incident_is_not_read_whole_after_a_good_build(tmp_path: Path) -> None:
    """Picking up from a good build, the inputs' digests read no more than the loader would:
    a sparse 3 GB file gets the loader's error within the 2 GB memory limit."""
    root = site(tmp_path)
    assert build(root).returncode == 0
    huge = root / "incidents" / "2026-11-21-huge.yaml"
    with huge.open("wb") as handle:
        handle.truncate(3 << 30)
    done = build(root)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0].startswith(f"{huge.relative_to(root)}:1:1: error: ")
    assert "too large" in done.stderr.splitlines()[0]


@pytest.mark.parametrize("committed", [True, False])
def test_cache_files_linked_to_a_fifo_are_never_opened(tmp_path: Path, committed: bool) -> None:
    """A cache file that is a link to a FIFO (committed in a pull request, or put there) is
    not followed: the build neither hangs on it nor fails, it builds afresh."""
    root = site(tmp_path)
    git = ["git", "-C", str(root), "-c", "user.name=T", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "Site"], check=True)
    assert run(root, "build", "--now", NOW).returncode == 0
    cache = root / ".statuspage" / "cache"
    names = sorted(p.name for p in cache.iterdir() if not p.name.startswith("."))
    assert "history-edits.json" in names and any(n.endswith(".pickle") for n in names)
    os.mkfifo(tmp_path / "pipe")
    for name in names:
        (cache / name).unlink()
        (cache / name).symlink_to(tmp_path / "pipe")
    if committed:
        subprocess.run([*git, "add", "-f", ".statuspage/cache"], check=True)
        subprocess.run([*git, "commit", "-qm", "A cache of links"], check=True)
    done = run(root, "build", "--now", NOW)  # a regression hangs here until the timeout
    assert done.returncode == 0, done.stderr
    assert (root / "site" / "index.html").is_file()
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe").st_mode)
