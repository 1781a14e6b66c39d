"""`statuspage deploy`: a directory (atomic, with rollback), a git branch, S3 (moto)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from statuspage.publish.deploy import (
    Action,
    Change,
    DeployError,
    DirectoryTarget,
    GitTarget,
    S3Target,
    cname_for,
    deploy,
    deploy_directory,
    parse_target,
    rollback_directory,
    versions_dir,
)
from tests.sites import REPO_ROOT
from tests.tools import serve_directory

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Operator",
    "GIT_AUTHOR_EMAIL": "operator@test.example",
    "GIT_COMMITTER_NAME": "Test Operator",
    "GIT_COMMITTER_EMAIL": "operator@test.example",
}


def write_files(folder: Path, files: dict[str, str | bytes]) -> Path:
    """A built site as it lies on disk: only these files."""
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return folder


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **GIT_IDENTITY},
    )
    return result.stdout.strip()


SITE_V1 = {
    "index.html": "<!doctype html><title>v1</title>",
    "incidents/a/index.html": "<p>a v1</p>",
    "history.atom": "<feed>v1</feed>",
    "static/style.0123abcd.css": "body{}",
}


# --------------------------------------------------------------------------- targets


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("/var/www/status", DirectoryTarget(Path("/var/www/status"))),
        ("dir:/var/www/status", DirectoryTarget(Path("/var/www/status"))),
        ("public", DirectoryTarget(Path("public"))),
        ("git:", GitTarget("gh-pages", "origin")),
        ("git:gh-pages", GitTarget("gh-pages", "origin")),
        ("git:pages@upstream", GitTarget("pages", "upstream")),
        ("git:@upstream", GitTarget("gh-pages", "upstream")),
        ("s3://status-bucket", S3Target("status-bucket", "")),
        ("s3://status-bucket/", S3Target("status-bucket", "")),
        ("s3://status-bucket/www/status/", S3Target("status-bucket", "www/status")),
    ],
)
def test_parse_target(text: str, target: object) -> None:
    assert parse_target(text) == target


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("s3://Bad_Bucket", "'s3://Bad_Bucket': 'Bad_Bucket' is not an S3 bucket name"),
        ("git:-x", "'git:-x': '-x' is not a git branch or remote name"),
        ("git:a..b", "'git:a..b': 'a..b' is not a git branch or remote name"),
        (
            "ftp://host/dir",
            "'ftp://host/dir': unknown kind of target; use a directory (dir:PATH), "
            "git:BRANCH[@REMOTE] or s3://BUCKET[/PREFIX]",
        ),
        ("dir:", "dir: needs a path, like dir:/var/www/status"),
    ],
)
def test_parse_target_errors(text: str, message: str) -> None:
    with pytest.raises(DeployError) as caught:
        parse_target(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("url", "cname"),
    [
        ("https://status.acme.example", "status.acme.example"),
        ("https://status.acme.example:8443/path", "status.acme.example"),
        ("https://acme.github.io/status", None),
    ],
)
def test_cname_from_base_url(url: str, cname: str | None) -> None:
    assert cname_for(url) == cname


def test_missing_site_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DeployError, match=r"site does not exist; run `statuspage build` first"):
        deploy_directory(tmp_path / "site", DirectoryTarget(tmp_path / "www"))


def test_a_linked_site_folder_is_refused(tmp_path: Path) -> None:
    elsewhere = write_files(tmp_path / "elsewhere", {"index.html": "not built here"})
    (tmp_path / "site").symlink_to(elsewhere)
    with pytest.raises(DeployError) as caught:
        deploy_directory(tmp_path / "site", DirectoryTarget(tmp_path / "www"))
    assert str(caught.value) == (
        f"{tmp_path / 'site'} is a symbolic link (to {str(elsewhere)!r}); deploy ships only a "
        "site folder built in place, never what a link points to: run `statuspage build`"
    )
    assert not (tmp_path / "www").exists()
    result = CliRunner().invoke(cli, ["deploy", f"dir:{tmp_path / 'www'}", "--root", str(tmp_path)])
    assert result.exit_code == 1 and "is a symbolic link" in result.stderr
    assert not (tmp_path / "www").exists()


# --------------------------------------------------------------------------- directory


def test_directory_deploy_swaps_and_keeps_the_previous_version(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE_V1)
    target = DirectoryTarget(tmp_path / "www" / "status")
    (tmp_path / "www").mkdir()

    first = deploy_directory(site, target)
    assert target.path.is_symlink()
    assert (target.path / "incidents/a/index.html").read_text() == "<p>a v1</p>"
    assert {c.action for c in first.changes} == {Action.ADD}
    assert os.stat(target.path / "index.html").st_mode & 0o777 == 0o644
    assert os.stat(target.path / "incidents").st_mode & 0o777 == 0o755

    write_files(site, {**SITE_V1, "index.html": "v2", "new.html": "new"} | {"history.atom": "x"})
    (site / "incidents/a/index.html").unlink()
    dry = deploy_directory(site, target, dry_run=True)
    assert dry.changes == (
        Change("history.atom", Action.CHANGE),
        Change("incidents/a/index.html", Action.DELETE),
        Change("index.html", Action.CHANGE),
        Change("new.html", Action.ADD),
    )
    assert (target.path / "index.html").read_text() == "<!doctype html><title>v1</title>"

    second = deploy_directory(site, target)
    assert second.changes == dry.changes
    assert (target.path / "index.html").read_text() == "v2"
    assert not (target.path / "incidents/a/index.html").exists()
    versions = sorted(p.name for p in versions_dir(target).iterdir())
    assert len(versions) == 2 and versions[0].startswith("000001-")

    unchanged = deploy_directory(site, target)
    assert unchanged.changes == ()
    assert len(list(versions_dir(target).iterdir())) == 2  # no copy for nothing

    back = rollback_directory(target)
    assert (target.path / "index.html").read_text() == "<!doctype html><title>v1</title>"
    assert Change("new.html", Action.DELETE) in back.changes
    with pytest.raises(DeployError, match="has no earlier version to roll back to"):
        rollback_directory(target)

    # The next deploy starts from the rolled-back state and clears the given-up version.
    deploy_directory(site, target)
    assert (target.path / "index.html").read_text() == "v2"
    names = sorted(p.name for p in versions_dir(target).iterdir())
    assert [n[:6] for n in names] == ["000001", "000003"]


def test_directory_keeps_only_so_many_versions(tmp_path: Path) -> None:
    target = DirectoryTarget(tmp_path / "status")
    for number in range(5):
        site = write_files(tmp_path / "site", {"index.html": f"v{number}"})
        deploy_directory(site, target, keep=3)
    names = sorted(p.name[:6] for p in versions_dir(target).iterdir())
    assert names == ["000003", "000004", "000005"]
    assert (target.path / "index.html").read_text() == "v4"


def test_directory_refuses_what_it_did_not_make(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE_V1)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with pytest.raises(DeployError, match="is a directory with files in it"):
        deploy_directory(site, DirectoryTarget(busy))
    assert (busy / "keep.txt").read_text() == "mine"
    foreign = tmp_path / "foreign"
    foreign.symlink_to(busy)
    with pytest.raises(DeployError, match="not to a version deployed by statuspage"):
        deploy_directory(site, DirectoryTarget(foreign))
    empty = tmp_path / "empty"
    empty.mkdir()
    deploy_directory(site, DirectoryTarget(empty))  # an empty folder is taken over
    assert (empty / "history.atom").read_text() == "<feed>v1</feed>"


def test_directory_readers_never_see_half_a_site(tmp_path: Path) -> None:
    """Readers, like a web server's workers, read through the target path while deploys run.

    Every file of version N says N; a reader resolves the target once per "request" (a
    directory handle, as a server resolves the root) and must find every file of one version,
    complete. A reader reading one file by path must always find it.
    """
    names = [f"page-{i}/index.html" for i in range(20)]
    target = DirectoryTarget(tmp_path / "status")
    site = tmp_path / "site"

    def version(number: int) -> dict[str, str | bytes]:
        body = f"version {number}\n" * 500  # big enough that a copy is not instantaneous
        return {name: body for name in names}

    deploy_directory(write_files(site, version(0)), target, keep=1000)
    stop = threading.Event()
    problems: list[str] = []
    reads = [0]

    def read_one_request() -> None:
        fd = os.open(target.path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            seen = set()
            for name in names:
                with open(name, "rb", opener=lambda p, f: os.open(p, f, dir_fd=fd)) as file:
                    seen.add(file.read())
            if len(seen) != 1:
                problems.append(f"one request saw {len(seen)} versions")
            reads[0] += 1
        finally:
            os.close(fd)

    def snapshot_reader() -> None:
        while not stop.is_set():
            try:
                read_one_request()
            except OSError as exc:
                problems.append(f"snapshot read failed: {exc}")
            time.sleep(0.001)  # let the deploy run too

    def path_reader() -> None:
        while not stop.is_set():
            try:
                text = (target.path / names[-1]).read_text()
                if not text.startswith("version ") or len(text.splitlines()) != 500:
                    problems.append("a file was read half-written")
            except OSError as exc:
                problems.append(f"path read failed: {exc}")
            time.sleep(0.001)

    readers = [threading.Thread(target=snapshot_reader) for _ in range(2)]
    readers.append(threading.Thread(target=path_reader))
    for reader in readers:
        reader.start()
    try:
        for number in range(1, 11):
            deploy_directory(write_files(site, version(number)), target, keep=1000)
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert problems == []
    assert reads[0] > 10
    assert (target.path / names[0]).read_text().startswith("version 10\n")


def test_cli_directory_dry_run_and_rollback(tmp_path: Path) -> None:
    runner = CliRunner()
    write_files(tmp_path / "site", {"index.html": "one"})
    target = str(tmp_path / "www")
    root = ["--root", str(tmp_path)]
    result = runner.invoke(cli, ["deploy", target, *root, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "add    index.html\n"
    assert result.stderr.endswith("(1 to add, 0 to change, 0 to delete)\n")
    assert not Path(target).exists()

    result = runner.invoke(cli, ["deploy", target, *root])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.endswith("(1 added, 0 changed, 0 deleted)\n")
    write_files(tmp_path / "site", {"index.html": "two", "feed.atom": "f"})
    result = runner.invoke(cli, ["-v", "deploy", f"dir:{target}", *root])
    assert result.stdout == "add    feed.atom\nchange index.html\n"
    assert Path(target, "index.html").read_text() == "two"
    result = runner.invoke(cli, ["deploy", target, *root, "--rollback"])
    assert result.exit_code == 0, result.output
    assert "(rolled back)" in result.stderr
    assert Path(target, "index.html").read_text() == "one"

    result = runner.invoke(cli, ["deploy", "git:", *root, "--rollback"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: --rollback works with directory targets; for a git branch push a revert of its "
        "last commit, for S3 turn on bucket versioning\n"
    )


# --------------------------------------------------------------------------- git branch


@pytest.fixture
def checkout(tmp_path: Path) -> tuple[Path, Path]:
    """A status site checkout with one commit, its remote `origin` a local bare repository."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / "README").write_text("status\n")
    git(work, "add", "README")
    git(work, "commit", "-q", "-m", "first")
    git(work, "remote", "add", "origin", str(bare))
    git(work, "push", "-q", "origin", "main")
    return work, bare


def test_git_branch_deploy(checkout: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    work, bare = checkout
    for name, value in GIT_IDENTITY.items():
        monkeypatch.setenv(name, value)
    site = write_files(work / "site", SITE_V1)
    target = GitTarget("gh-pages", "origin")
    result = deploy(site, target, root=work, base_url="https://status.acme.example")
    assert result.detail.startswith("gh-pages on origin: pushed commit ")
    paths = git(bare, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    assert sorted(paths) == sorted([*SITE_V1, ".nojekyll", "CNAME"])
    assert git(bare, "show", "gh-pages:CNAME") == "status.acme.example"
    source = git(work, "rev-parse", "--short=12", "HEAD")
    assert git(bare, "log", "-1", "--format=%s", "gh-pages") == (
        f"Deploy status page from {source}"
    )
    assert git(bare, "show", "gh-pages:incidents/a/index.html") == "<p>a v1</p>"

    again = deploy(site, target, root=work, base_url="https://status.acme.example")
    assert again.changes == ()
    assert again.detail == "gh-pages on origin is up to date"
    assert git(bare, "rev-list", "--count", "gh-pages") == "1"

    # A fresh clone (as CI has: main only) compares with the published branch, replaces it.
    clone = work.parent / "clone"
    git(work.parent, "clone", "-q", "--single-branch", "-b", "main", str(bare), str(clone))
    (clone / "README").write_text("changed\n")
    git(clone, "commit", "-q", "-am", "second")
    site = write_files(clone / "site", {**SITE_V1, "index.html": "v2"})
    dry = deploy(site, target, root=clone, base_url="https://acme.github.io/status", dry_run=True)
    assert dry.changes == (Change("CNAME", Action.DELETE), Change("index.html", Action.CHANGE))
    deploy(site, target, root=clone, base_url="https://acme.github.io/status")
    assert git(bare, "rev-list", "--count", "gh-pages") == "1"  # one commit, replaced
    assert git(bare, "show", "gh-pages:index.html") == "v2"
    assert "CNAME" not in git(bare, "ls-tree", "--name-only", "gh-pages")
    assert git(bare, "log", "-1", "--format=%s", "gh-pages").endswith(
        git(clone, "rev-parse", "--short=12", "HEAD")
    )


def test_git_errors(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE_V1)
    with pytest.raises(DeployError, match="is not in a git repository; git: targets need one"):
        deploy(site, GitTarget(), root=tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    with pytest.raises(DeployError) as caught:
        deploy(site, GitTarget("gh-pages", "upstream"), root=tmp_path)
    assert str(caught.value) == (
        "the git repository has no remote 'upstream'; add it with `git remote add upstream URL` "
        "or name another (git:BRANCH@REMOTE)"
    )


def test_fresh_site_deployed_to_a_branch_a_static_host_can_serve(tmp_path: Path) -> None:
    """Done-when of issue 6: `init`, push to a bare repository, build, deploy, serve the branch."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    site_root = tmp_path / "status"
    run = [sys.executable, "-m", "statuspage"]
    env = {**os.environ, **GIT_IDENTITY, "PYTHONPATH": str(REPO_ROOT)}
    subprocess.run([*run, "init", str(site_root)], check=True, env=env, capture_output=True)
    git(site_root, "init", "-q", "-b", "main")
    git(site_root, "add", ".")
    git(site_root, "commit", "-q", "-m", "Status page")
    git(site_root, "remote", "add", "origin", str(bare))
    git(site_root, "push", "-q", "origin", "main")
    for command in (["build"], ["deploy", "git:gh-pages"]):
        done = subprocess.run(
            [*run, *command], cwd=site_root, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    assert "gh-pages on origin: pushed commit" in done.stderr

    published = tmp_path / "published"
    git(tmp_path, "clone", "-q", "-b", "gh-pages", str(bare), str(published))
    built = sorted(
        p.relative_to(site_root / "site").as_posix()
        for p in (site_root / "site").rglob("*")
        if p.is_file()
    )
    served = sorted(
        p.relative_to(published).as_posix()
        for p in published.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(published).parts
    )
    assert served == sorted([*built, ".nojekyll", "CNAME"])
    assert (published / "CNAME").read_text() == "status.example.com"
    assert "index.html" in built
    with serve_directory(published) as url:
        for path in ("", "history.atom", "api/v2/summary.json"):
            with urllib.request.urlopen(url + path, timeout=10) as response:
                assert response.status == 200
                assert response.read() == (site_root / "site" / (path or "index.html")).read_bytes()


# --------------------------------------------------------------------------- S3


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    import boto3

    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket="status")
    yield client
    for item in client.list_objects_v2(Bucket="status").get("Contents", ()):
        client.delete_object(Bucket="status", Key=item["Key"])
    client.delete_bucket(Bucket="status")


S3_SITE: dict[str, str | bytes] = {
    "index.html": "<!doctype html><title>status</title>",
    "incidents/a/index.html": "<p>a</p>",
    "static/style.0123abcd.css": "body{}",
    "badge.svg": "<svg/>",
    "api/v2/summary.json": "{}",
    "history.atom": "<feed/>",
    "history.rss": "<rss/>",
    "maintenance.ics": "BEGIN:VCALENDAR",
    "sitemap.xml": "<urlset/>",
    "robots.txt": "User-agent: *",
}


def test_s3_deploy(tmp_path: Path, s3: Any, s3_endpoint: str) -> None:
    site = write_files(tmp_path / "site", S3_SITE)
    s3.put_object(Bucket="status", Key="outside/keep.txt", Body=b"not ours")
    target = S3Target("status", "www")
    first = deploy(site, target, root=tmp_path, endpoint_url=s3_endpoint)
    assert [c.action for c in first.changes] == [Action.ADD] * len(S3_SITE)

    expected = {
        "index.html": ("text/html; charset=utf-8", "public, max-age=60"),
        "incidents/a/index.html": ("text/html; charset=utf-8", "public, max-age=60"),
        "static/style.0123abcd.css": (
            "text/css; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
        "badge.svg": ("image/svg+xml", "public, max-age=60"),
        "api/v2/summary.json": ("application/json", "public, max-age=60"),
        "history.atom": ("application/xml; charset=utf-8", "public, max-age=60"),
        "history.rss": ("application/xml; charset=utf-8", "public, max-age=60"),
        "maintenance.ics": ("text/calendar; charset=utf-8", "public, max-age=60"),
        "sitemap.xml": ("application/xml; charset=utf-8", "public, max-age=60"),
        "robots.txt": ("text/plain; charset=utf-8", "public, max-age=60"),
    }
    for path, (kind, cache) in expected.items():
        head = s3.head_object(Bucket="status", Key=f"www/{path}")
        assert (head["ContentType"], head["CacheControl"]) == (kind, cache), path
        body = s3.get_object(Bucket="status", Key=f"www/{path}")["Body"].read()
        assert body == (site / path).read_bytes()

    # Mark an object that must not be uploaded again: same bytes, so the same MD5 and ETag.
    s3.copy_object(
        Bucket="status",
        Key="www/badge.svg",
        CopySource={"Bucket": "status", "Key": "www/badge.svg"},
        Metadata={"marker": "untouched"},
        MetadataDirective="REPLACE",
        ContentType="image/svg+xml",
        CacheControl="public, max-age=60",
    )
    write_files(site, {**S3_SITE, "index.html": "<!doctype html><title>new</title>"})
    (site / "incidents/a/index.html").unlink()
    dry = deploy(site, target, root=tmp_path, endpoint_url=s3_endpoint, dry_run=True)
    assert dry.changes == (
        Change("incidents/a/index.html", Action.DELETE),
        Change("index.html", Action.CHANGE),
    )
    assert (
        s3.get_object(Bucket="status", Key="www/index.html")["Body"]
        .read()
        .endswith(b"status</title>")
    )
    second = deploy(site, target, root=tmp_path, endpoint_url=s3_endpoint)
    assert second.changes == dry.changes
    assert second.detail == "s3://status/www: uploaded 1, deleted 1 objects"
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket="status")["Contents"]}
    assert keys == {f"www/{p}" for p in S3_SITE if p != "incidents/a/index.html"} | {
        "outside/keep.txt",
        "www/.statuspage-deployed",  # the keys deploy uploaded: the only ones it deletes
    }
    assert s3.head_object(Bucket="status", Key="www/badge.svg")["Metadata"] == {
        "marker": "untouched"
    }
    assert s3.get_object(Bucket="status", Key="www/index.html")["Body"].read() == (
        b"<!doctype html><title>new</title>"
    )
    third = deploy(site, target, root=tmp_path, endpoint_url=s3_endpoint)
    assert third.changes == ()


def test_s3_cli(tmp_path: Path, s3: Any, s3_endpoint: str) -> None:
    write_files(tmp_path / "site", {"index.html": "x", "history.atom": "y"})
    runner = CliRunner()
    args = ["deploy", "s3://status", "--root", str(tmp_path), "--endpoint-url", s3_endpoint]
    result = runner.invoke(cli, [*args, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "add    history.atom\nadd    index.html\n"
    assert runner.invoke(cli, args).exit_code == 0
    assert s3.get_object(Bucket="status", Key="index.html")["Body"].read() == b"x"

    missing = runner.invoke(
        cli,
        ["deploy", "s3://no-such-bucket", "--root", str(tmp_path), "--endpoint-url", s3_endpoint],
    )
    assert missing.exit_code == 1
    assert missing.stderr == (
        "Error: s3://no-such-bucket: NoSuchBucket: The specified bucket does not exist\n"
    )


def test_s3_without_boto3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 raises ImportError
    site = write_files(tmp_path / "site", {"index.html": "x"})
    with pytest.raises(DeployError) as caught:
        deploy(site, S3Target("status"), root=tmp_path)
    assert str(caught.value) == "s3:// targets need boto3: pip install 'statuspage-git[s3]'"


def test_s3_deletes_only_what_it_uploaded(tmp_path: Path, s3: Any, s3_endpoint: str) -> None:
    target = S3Target("status", "www")
    s3.put_object(Bucket="status", Key="www/campaign/index.html", Body=b"not ours")
    site = write_files(tmp_path / "site", {"index.html": "one", "old.html": "old"})
    with pytest.raises(DeployError) as refused:
        deploy(site, target, root=tmp_path, endpoint_url=s3_endpoint)
    assert str(refused.value) == (
        "s3://status/www holds 1 objects that deploy did not upload (no "
        "www/.statuspage-deployed lists them); deploy to an empty bucket or prefix, or pass "
        "--force to upload beside them (deploy never deletes them)"
    )
    with pytest.raises(DeployError):
        deploy(site, target, root=tmp_path, endpoint_url=s3_endpoint, dry_run=True)
    assert "Contents" not in s3.list_objects_v2(Bucket="status", Prefix="www/index")

    first = deploy(site, target, root=tmp_path, endpoint_url=s3_endpoint, force=True)
    assert first.changes == (Change("index.html", Action.ADD), Change("old.html", Action.ADD))
    (site / "old.html").unlink()
    second = deploy(site, target, root=tmp_path, endpoint_url=s3_endpoint)
    assert second.changes == (Change("old.html", Action.DELETE),)
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket="status")["Contents"]}
    assert keys == {"www/campaign/index.html", "www/index.html", "www/.statuspage-deployed"}
    assert s3.get_object(Bucket="status", Key="www/campaign/index.html")["Body"].read() == (
        b"not ours"
    )
    assert deploy(site, target, root=tmp_path, endpoint_url=s3_endpoint).changes == ()


def test_s3_cli_refuses_a_bucket_it_did_not_fill(tmp_path: Path, s3: Any, s3_endpoint: str) -> None:
    write_files(tmp_path / "site", {"index.html": "x"})
    s3.put_object(Bucket="status", Key="logo.png", Body=b"not ours")
    args = ["deploy", "s3://status", "--root", str(tmp_path), "--endpoint-url", s3_endpoint]
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Error: s3://status holds 1 objects that deploy did not")
    assert CliRunner().invoke(cli, [*args, "--force"]).exit_code == 0
    assert s3.get_object(Bucket="status", Key="index.html")["Body"].read() == b"x"
    assert s3.get_object(Bucket="status", Key="logo.png")["Body"].read() == b"not ours"
