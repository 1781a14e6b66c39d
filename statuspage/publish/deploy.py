"""Ship a built site: to a local directory, a git branch (GitHub Pages) or S3-compatible storage.

Targets are spelled (docs/deploy.md):

    dir:/var/www/status  or a plain path   a directory, swapped atomically through a symlink
    git:gh-pages  git:BRANCH@REMOTE         a branch, committed with ghp-import and pushed
    s3://bucket  s3://bucket/prefix         a bucket, only changed objects uploaded

Every target first works out what would change (the same list `--dry-run` prints), then
changes it so that a reader never sees half a site: new files go up before anything points
at them, and stale files go only after.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from statuspage.inputs.diagnostics import Progress, StatuspageError
from statuspage.inputs.places import check_not_protected
from statuspage.inputs.regular import NotRegularError, read_regular, refusal
from statuspage.publish.mediatypes import cache_control, content_type

log = logging.getLogger(__name__)


DEFAULT_BRANCH = "gh-pages"
DEFAULT_REMOTE = "origin"
DEFAULT_KEEP = 2


class DeployError(StatuspageError):
    """The target cannot take the site (missing, not ours, unreachable, refused)."""


class Action(StrEnum):
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"


@dataclass(frozen=True, slots=True, order=True)
class Change:
    path: str
    action: Action

    def __str__(self) -> str:
        return f"{self.action:<6} {self.path}"


@dataclass(frozen=True, slots=True)
class DeployResult:
    target: str
    changes: tuple[Change, ...]
    dry_run: bool
    detail: str  # one line for the operator: what happened, or what would happen


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True, slots=True)
class DirectoryTarget:
    path: Path

    def __str__(self) -> str:
        return f"dir:{self.path}"


@dataclass(frozen=True, slots=True)
class GitTarget:
    branch: str = DEFAULT_BRANCH
    remote: str = DEFAULT_REMOTE

    def __str__(self) -> str:
        return f"git:{self.branch}@{self.remote}"


@dataclass(frozen=True, slots=True)
class S3Target:
    bucket: str
    prefix: str = ""  # without slashes at either end; "" is the whole bucket

    def key(self, path: str) -> str:
        return f"{self.prefix}/{path}" if self.prefix else path

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


Target = DirectoryTarget | GitTarget | S3Target

_REF_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def parse_target(text: str) -> Target:
    """`dir:PATH` or a plain path, `git:[BRANCH][@REMOTE]`, `s3://BUCKET[/PREFIX]`."""
    if text.startswith("s3://"):
        bucket, _, prefix = text.removeprefix("s3://").partition("/")
        if not _BUCKET.fullmatch(bucket):
            raise DeployError(f"{text!r}: {bucket!r} is not an S3 bucket name")
        return S3Target(bucket, prefix.strip("/"))
    if text.startswith("git:"):
        branch, _, remote = text.removeprefix("git:").partition("@")
        branch, remote = branch or DEFAULT_BRANCH, remote or DEFAULT_REMOTE
        for name in (branch, remote):
            if not _REF_NAME.fullmatch(name) or ".." in name:
                raise DeployError(f"{text!r}: {name!r} is not a git branch or remote name")
        return GitTarget(branch, remote)
    if re.match(r"[a-z][a-z0-9+.-]+://", text):
        raise DeployError(
            f"{text!r}: unknown kind of target; use a directory (dir:PATH), "
            "git:BRANCH[@REMOTE] or s3://BUCKET[/PREFIX]"
        )
    path = text.removeprefix("dir:")
    if not path:
        raise DeployError("dir: needs a path, like dir:/var/www/status")
    return DirectoryTarget(Path(path))


# --------------------------------------------------------------------------- the built site


def site_files(site_dir: Path) -> dict[str, Path]:
    """The built site's files by their `/` path, sorted; refuses a missing or empty site, and
    one whose folder is a link (what it points to was not built here: design §9)."""
    if site_dir.is_symlink():
        raise DeployError(
            f"{site_dir} is a symbolic link (to {os.readlink(site_dir)!r}); deploy ships only a "
            "site folder built in place, never what a link points to: run `statuspage build`"
        )
    if not site_dir.is_dir():
        raise DeployError(f"{site_dir} does not exist; run `statuspage build` first")
    files = {}
    for path in sorted(site_dir.rglob("*")):  # rglob lists links but never enters them
        mode = path.lstat().st_mode
        if not stat.S_ISDIR(mode):
            reason = refusal(path, mode)
            if reason is not None:  # nothing outside the site's folder is shipped
                raise DeployError(f"{path}: {reason}; deploy copies only regular files")
            files[path.relative_to(site_dir).as_posix()] = path
    if not files:
        raise DeployError(f"{site_dir} is empty; run `statuspage build` first")
    return dict(sorted(files.items()))


def diff(local: Mapping[str, str], remote: Mapping[str, str]) -> tuple[Change, ...]:
    """Changes that turn `remote` into `local`; both map paths to content digests."""
    changes = [
        Change(path, Action.ADD if path not in remote else Action.CHANGE)
        for path, digest in local.items()
        if remote.get(path) != digest
    ]
    changes += [Change(path, Action.DELETE) for path in remote if path not in local]
    return tuple(sorted(changes))


def _sha256(path: Path) -> str:
    return hashlib.sha256(_read(path)).hexdigest()


def _read(path: Path) -> bytes:
    """A built file's bytes; one that became a link or a FIFO since it was listed is refused."""
    try:
        return read_regular(path)
    except NotRegularError as exc:
        raise DeployError(f"{path}: {exc.reason}; deploy copies only regular files") from None


def _no_progress(what: str, done: int, total: int) -> None:
    pass


def deploy(
    site_dir: Path,
    target: Target,
    *,
    root: Path,
    base_url: str | None = None,
    dry_run: bool = False,
    endpoint_url: str | None = None,
    keep: int = DEFAULT_KEEP,
    progress: Progress | None = None,
    force: bool = False,
) -> DeployResult:
    """Ship `site_dir` to `target`; `root` is the status site (the git checkout for git:).

    `force` lets a git: target replace a branch that deploy did not write, or the one
    checked out, and an s3: target upload beside objects deploy did not upload.
    """
    report = progress or _no_progress
    if isinstance(target, DirectoryTarget):
        # The same rule as `build --out`: never the site's folder, its inputs or .git.
        check_not_protected(root, target.path, option="deploy")
        return deploy_directory(site_dir, target, dry_run=dry_run, keep=keep, progress=report)
    if isinstance(target, GitTarget):
        cname = cname_for(base_url) if base_url else None
        return deploy_git(site_dir, target, repo=root, cname=cname, dry_run=dry_run, force=force)
    return deploy_s3(
        site_dir, target, endpoint_url=endpoint_url, dry_run=dry_run, progress=report, force=force
    )


def rollback(target: Target, *, dry_run: bool = False) -> DeployResult:
    if not isinstance(target, DirectoryTarget):
        raise DeployError(
            "--rollback works with directory targets; for a git branch push a revert of its "
            "last commit, for S3 turn on bucket versioning"
        )
    return rollback_directory(target, dry_run=dry_run)


# --------------------------------------------------------------------------- directory
#
# /var/www/status                     a symlink, the path the web server serves
# /var/www/.status.versions/000007-…  one complete copy of the site per deploy
#
# A new version is copied in full under a temporary name, renamed into place, and then the
# symlink is replaced with rename(2), which is atomic: a request resolves the old version or
# the new one, never a mix or nothing. Earlier versions are kept for --rollback.

_VERSION = re.compile(r"(\d{6})-\d{8}T\d{6}Z")
_ROLLED_BACK = ".rolled-back"
# What a run makes on its way and renames when done; a killed run leaves it behind. Only
# names deploy gives (tempfile's 8 characters; the process id) are ever cleaned up.
_INCOMING = re.compile(r"\.incoming-[a-z0-9_]{8}")


def versions_dir(target: DirectoryTarget) -> Path:
    return target.path.parent / f".{target.path.name}.versions"


def _versions(folder: Path) -> list[Path]:
    """Live-able versions, oldest first (versions given up by --rollback are left out)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _VERSION.fullmatch(p.name) and p.is_dir())


def _current(target: DirectoryTarget) -> Path | None:
    """The version the target points at, None before the first deploy; refuses foreign paths."""
    path = target.path
    if path.is_symlink():
        pointed = (path.parent / os.readlink(path)).resolve()
        if pointed.parent != versions_dir(target).resolve():
            raise DeployError(
                f"{path} is a symlink to {pointed}, not to a version deployed by statuspage; "
                "remove it or choose another path"
            )
        return pointed
    if path.is_dir():
        if any(path.iterdir()):
            raise DeployError(
                f"{path} is a directory with files in it; statuspage deploys to a path it "
                "manages as a symlink: remove the directory or choose another path"
            )
        return None
    if path.exists():
        raise DeployError(f"{path} exists and is not a directory")
    return None


def _tree_digests(folder: Path | None) -> dict[str, str]:
    if folder is None or not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): _sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@contextmanager
def _exclusive(target: DirectoryTarget) -> Iterator[Path]:
    """The versions folder, held by this run alone while it changes anything."""
    folder = versions_dir(target)
    folder.mkdir(exist_ok=True)
    os.chmod(folder, 0o755)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)  # the folder itself is the lock
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DeployError(
                f"another `statuspage deploy` to {target.path} is running; try again when it "
                "is done"
            ) from None
        yield folder
    finally:
        os.close(fd)  # releases the lock


def _leftovers(target: DirectoryTarget, folder: Path) -> list[Path]:
    """What runs killed half-way left: their copies and their new symlinks. Only called
    under the lock, when no other run can be using them."""
    link = re.compile(rf"\.{re.escape(target.path.name)}\.link-\d+")
    found = [p for p in folder.iterdir() if _INCOMING.fullmatch(p.name) and p.is_dir()]
    found += [p for p in target.path.parent.iterdir() if link.fullmatch(p.name) and p.is_symlink()]
    return sorted(found)


def _remove(path: Path) -> None:
    if path.is_symlink():
        path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def _point(target: DirectoryTarget, version: Path) -> None:
    """Make the target a symlink to `version`, in one rename."""
    path = target.path
    link = path.parent / f".{path.name}.link-{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(os.path.relpath(version, path.parent), link)
    if path.is_dir() and not path.is_symlink():
        path.rmdir()  # empty (checked in _current): nothing is being served from it yet
    os.replace(link, path)


def deploy_directory(
    site_dir: Path,
    target: DirectoryTarget,
    *,
    dry_run: bool = False,
    keep: int = DEFAULT_KEEP,
    progress: Progress = _no_progress,
) -> DeployResult:
    if keep < 1:
        raise DeployError("--keep must be at least 1")
    files = site_files(site_dir)
    if not target.path.parent.is_dir():
        raise DeployError(f"{target.path.parent} does not exist")
    current = _current(target)
    local = {path: _sha256(source) for path, source in files.items()}
    changes = diff(local, _tree_digests(current))
    if dry_run:
        detail = f"{target.path} would get a new version" if changes else f"{target} is up to date"
        return DeployResult(str(target), changes, dry_run, detail)
    with _exclusive(target) as folder:
        for leftover in _leftovers(target, folder):
            log.info("removing %s, left by a deploy that was stopped", leftover)
            _remove(leftover)
        current = _current(target)  # as it is now that no other run can change it
        changes = diff(local, _tree_digests(current))
        if current is not None and not changes:
            return DeployResult(str(target), changes, False, f"{target} is up to date")
        return _new_version(files, target, folder, changes, keep, progress)


def _new_version(
    files: Mapping[str, Path],
    target: DirectoryTarget,
    folder: Path,
    changes: tuple[Change, ...],
    keep: int,
    progress: Progress,
) -> DeployResult:
    existing = [int(m.group(1)) for p in folder.iterdir() if (m := _VERSION.match(p.name))]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    version = folder / f"{max(existing, default=0) + 1:06d}-{stamp}"
    staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=folder))
    try:
        for done, (path, source) in enumerate(files.items(), 1):
            destination = staging / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(_read(source))
            os.chmod(destination, 0o644)
            progress("copy", done, len(files))
        for directory in (staging, *(p for p in staging.rglob("*") if p.is_dir())):
            os.chmod(directory, 0o755)  # mkdtemp makes 0700: the web server must read it
        os.rename(staging, version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _point(target, version)
    removed = _prune(folder, version, keep)
    log.info("%s now serves %s; removed %d old version(s)", target.path, version.name, removed)
    return DeployResult(str(target), changes, False, f"{target.path} → {version}")


def _prune(folder: Path, current: Path, keep: int) -> int:
    """Keep the current version and the `keep - 1` newest before it; drop given-up ones."""
    versions = _versions(folder)
    older = [v for v in versions if v.name < current.name][::-1]
    doomed = older[keep - 1 :] + [v for v in versions if v.name > current.name]
    doomed += [p for p in folder.iterdir() if p.name.endswith(_ROLLED_BACK)]
    for path in doomed:
        shutil.rmtree(path, ignore_errors=True)
    return len(doomed)


def rollback_directory(target: DirectoryTarget, *, dry_run: bool = False) -> DeployResult:
    """Point the target back at the version before the current one.

    The version given up is renamed `….rolled-back` (kept for a look, removed by the next
    deploy), so a second rollback goes one further back instead of forth again.
    """
    current = _current(target)
    if current is None:
        raise DeployError(f"{target.path} has not been deployed to; nothing to roll back")
    earlier = [v for v in _versions(versions_dir(target)) if v.name < current.name]
    if not earlier:
        raise DeployError(f"{target.path} has no earlier version to roll back to")
    previous = earlier[-1]
    changes = diff(_tree_digests(previous), _tree_digests(current))
    if dry_run:
        return DeployResult(
            str(target), changes, True, f"{target.path} would go back to {previous}"
        )
    with _exclusive(target):
        if _current(target) != current:
            raise DeployError(f"{target.path} changed while rolling back; run it again")
        _point(target, previous)
        os.rename(current, current.with_name(current.name + _ROLLED_BACK))
    return DeployResult(str(target), changes, False, f"{target.path} → {previous} (rolled back)")


# --------------------------------------------------------------------------- git branch


def cname_for(base_url: str) -> str | None:
    """The CNAME file GitHub Pages needs for a custom domain; None on a *.github.io address."""
    host = urlsplit(base_url).hostname
    if not host or host.endswith(".github.io"):
        return None
    return host


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=False, encoding="utf-8"
    )
    if check and result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise DeployError(f"git {' '.join(args)} failed: {message[-1] if message else '?'}")
    return result


def _blob_sha(data: bytes) -> str:
    """Git's object id of a file's content, to compare with the branch without checking it out."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def source_commit(repo: Path) -> str:
    """`abc1234` (or `abc1234 with uncommitted changes`): what the site was built from."""
    head = _git(repo, "rev-parse", "--short=12", "HEAD", check=False)
    if head.returncode != 0:
        return "a folder with no commit"
    dirty = _git(repo, "status", "--porcelain", "--untracked-files=no", check=False).stdout
    return head.stdout.strip() + (" with uncommitted changes" if dirty.strip() else "")


# Every commit deploy makes says so; a branch whose last commit does not, or has a parent,
# holds history deploy did not write, and replacing it would erase that history.
DEPLOY_TRAILER = "Deployed-by: statuspage"
_DEPLOY_SUBJECT = "Deploy status page from "


def _not_ours(repo: Path, ref: str) -> str | None:
    """Why the branch at `ref` was not written by deploy; None if it was, or does not exist."""
    if _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False).returncode:
        return None
    short, parents, body = _git(repo, "log", "-1", "--format=%h%x00%P%x00%B", ref).stdout.split(
        "\0", 2
    )
    subject = body.strip().splitlines()[0] if body.strip() else ""
    if parents.strip():
        return f"it has history (its last commit {short}, {subject!r}, has a parent)"
    lines = body.splitlines()
    if DEPLOY_TRAILER not in lines and not subject.startswith(_DEPLOY_SUBJECT):
        return f"its commit {short} ({subject!r}) was not made by statuspage deploy"
    return None


def _check_branch(repo: Path, target: GitTarget, tracking: str | None) -> None:
    """Refuse the branch checked out here and any branch deploy did not write (design §9)."""
    where = f"{target.branch} on {target.remote}"
    hint = "; deploy to another branch (git:gh-pages), or pass --force to replace it anyway"
    current = _git(repo, "symbolic-ref", "--quiet", "--short", "HEAD", check=False).stdout.strip()
    if current == target.branch:
        raise DeployError(
            f"refusing to deploy to {target.branch}: it is the branch checked out here, which "
            "the site is built from, and deploying replaces a branch's whole history with one "
            f"commit of the built site{hint}"
        )
    branches = [(f"the local branch {target.branch}", f"refs/heads/{target.branch}")]
    if tracking is not None:  # the branch is on the remote, just fetched
        branches.insert(0, (where, tracking))
    for name, ref in branches:
        reason = _not_ours(repo, ref)
        if reason is not None:
            raise DeployError(
                f"refusing to replace {name}: {reason}, and deploying replaces a branch's "
                f"whole history with one commit of the built site{hint}"
            )


def deploy_git(
    site_dir: Path,
    target: GitTarget,
    *,
    repo: Path,
    cname: str | None = None,
    dry_run: bool = False,
    force: bool = False,
) -> DeployResult:
    """Commit the site as the whole content of `target.branch` and push it to its remote.

    The branch holds one commit, replaced (force-pushed) by each deploy: a static host needs
    no history, the source's history is in main, and the pages carry the build time, so a
    schedule every 15 minutes would otherwise add 96 commits a day. The published branch is
    fetched first and compared by content, so nothing is pushed when nothing changed.

    Because it is replaced, the branch must be one deploy wrote (its commits carry
    DEPLOY_TRAILER) or a new one; the branch checked out here and any other are refused
    unless `force`.
    """
    files = site_files(site_dir)
    if _git(repo, "rev-parse", "--git-dir", check=False).returncode != 0:
        raise DeployError(f"{repo.resolve()} is not in a git repository; git: targets need one")
    if _git(repo, "remote", "get-url", target.remote, check=False).returncode != 0:
        raise DeployError(
            f"the git repository has no remote {target.remote!r}; add it with "
            f"`git remote add {target.remote} URL` or name another (git:BRANCH@REMOTE)"
        )
    tracking = f"refs/remotes/{target.remote}/{target.branch}"
    fetched = _git(
        repo,
        "fetch",
        "--quiet",
        target.remote,
        f"+refs/heads/{target.branch}:{tracking}",
        check=False,
    )
    if fetched.returncode != 0 and "couldn't find remote ref" not in fetched.stderr:
        raise DeployError(f"git fetch {target.remote} failed: {fetched.stderr.strip()}")
    if not force:
        _check_branch(repo, target, tracking if fetched.returncode == 0 else None)
    published: dict[str, str] = {}
    if fetched.returncode == 0:
        listing = _git(repo, "ls-tree", "-r", "-z", tracking).stdout
        for entry in filter(None, listing.split("\0")):
            meta, _, path = entry.partition("\t")
            published[path] = meta.split()[2]
    local = {path: _blob_sha(_read(source)) for path, source in files.items()}
    local[".nojekyll"] = _blob_sha(b"")  # GitHub Pages: serve files as they are, no Jekyll
    if cname:
        local["CNAME"] = _blob_sha(cname.encode())  # as ghp-import writes it
    changes = diff(local, published)
    where = f"{target.branch} on {target.remote}"
    if dry_run or not changes:
        detail = f"{where} would get a new commit" if changes else f"{where} is up to date"
        return DeployResult(str(target), changes, dry_run, detail)

    message = f"{_DEPLOY_SUBJECT}{source_commit(repo)}\n\n{DEPLOY_TRAILER}"
    command = [sys.executable, "-m", "ghp_import", "--no-jekyll", "--no-history", "--push"]
    command += ["--message", message]
    command += ["--remote", target.remote, "--branch", target.branch]
    if cname:
        command += ["--cname", cname]
    command.append(str(site_dir.resolve()))
    environment = dict(os.environ)
    if not _git(repo, "config", "user.name", check=False).stdout.strip():
        # ghp-import signs the commit with git's identity; a CI runner may have none.
        environment.setdefault("GIT_COMMITTER_NAME", "statuspage")
        environment.setdefault("GIT_COMMITTER_EMAIL", "statuspage@localhost")
    result = subprocess.run(
        command, cwd=repo, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise DeployError(f"ghp-import failed: {lines[-1] if lines else 'no message'}")
    commit = _git(repo, "rev-parse", "--short=12", f"refs/heads/{target.branch}").stdout.strip()
    return DeployResult(str(target), changes, False, f"{where}: pushed commit {commit}")


# --------------------------------------------------------------------------- S3


def _s3_client(endpoint_url: str | None) -> Any:
    try:
        import boto3
    except ImportError:
        raise DeployError("s3:// targets need boto3: pip install 'statuspage-git[s3]'") from None
    return boto3.client("s3", endpoint_url=endpoint_url)


def _upload_order(path: str) -> tuple[int, str]:
    """Assets first, then pages, the home page last: a page goes up after what it links to."""
    if path in ("index.html", "404.html"):
        return (2, path)
    return (1 if path.endswith(".html") else 0, path)


def _md5(data: bytes) -> bytes:
    return hashlib.md5(data, usedforsecurity=False).digest()


@contextmanager
def _aws_errors(target: S3Target) -> Iterator[None]:
    """botocore's exceptions as one clear message each."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        yield
    except NoCredentialsError:
        raise DeployError(
            "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
        ) from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise DeployError(
            f"{target}: {error.get('Code', 'error')}: {error.get('Message', exc)}"
        ) from None
    except BotoCoreError as exc:
        raise DeployError(f"{target}: {exc}") from None


# Under the prefix: the site paths deploy uploaded, one a line (not `.statuspage-site`: that
# is the built site's own marker, shipped like its other files).
S3_MANIFEST = ".statuspage-deployed"
_MANIFEST_HEAD = "# statuspage deploy: the objects it uploaded; it deletes only these"


def _read_manifest(client: Any, target: S3Target) -> set[str] | None:
    """The site paths the previous deploy uploaded; None if there is no manifest."""
    from botocore.exceptions import ClientError

    try:
        answer = client.get_object(Bucket=target.bucket, Key=target.key(S3_MANIFEST))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    lines = answer["Body"].read(MAX_MANIFEST_BYTES + 1).decode("utf-8", "replace").splitlines()
    if len(lines) > MAX_MANIFEST_LINES or not lines or lines[0] != _MANIFEST_HEAD:
        raise DeployError(
            f"{target}: {target.key(S3_MANIFEST)} was not written by statuspage deploy; "
            "remove it, or deploy to another prefix"
        )
    return {line for line in lines[1:] if line and line != S3_MANIFEST}


def _write_manifest(client: Any, target: S3Target, paths: Iterable[str]) -> None:
    body = "\n".join([_MANIFEST_HEAD, *sorted(paths)]).encode() + b"\n"
    client.put_object(
        Bucket=target.bucket,
        Key=target.key(S3_MANIFEST),
        Body=body,
        ContentType="text/plain; charset=utf-8",
        CacheControl="no-store",
        ContentMD5=base64.b64encode(_md5(body)).decode(),
    )


MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_MANIFEST_LINES = 1_000_000


def deploy_s3(
    site_dir: Path,
    target: S3Target,
    *,
    endpoint_url: str | None = None,
    dry_run: bool = False,
    progress: Progress = _no_progress,
    force: bool = False,
) -> DeployResult:
    """Upload new and changed objects, then delete the ones the site no longer has.

    Objects are compared by MD5, which is the ETag of every object uploaded in one part (as
    this function uploads them); an object uploaded in parts by another tool is sent once more.
    Only objects deploy uploaded are ever deleted: those the previous deploy listed in
    `<prefix>/.statuspage-deployed` (design §9). A prefix that holds objects but no such
    list is refused unless `force` (then deploy uploads beside them and deletes nothing).
    """
    files = site_files(site_dir)
    client = _s3_client(endpoint_url)
    prefix = f"{target.prefix}/" if target.prefix else ""
    published: dict[str, str] = {}
    with _aws_errors(target):
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=target.bucket, Prefix=prefix
        )
        for page in pages:
            for item in page.get("Contents", ()):
                published[item["Key"].removeprefix(prefix)] = item["ETag"].strip('"')
        published.pop(S3_MANIFEST, None)
        ours = _read_manifest(client, target)
    if ours is None and published and not force:
        raise DeployError(
            f"{target} holds {len(published)} objects that deploy did not upload (no "
            f"{target.key(S3_MANIFEST)} lists them); deploy to an empty bucket or prefix, or "
            "pass --force to upload beside them (deploy never deletes them)"
        )
    mine = ours or set()
    data = {path: _read(source) for path, source in files.items()}
    remote = {path: etag for path, etag in published.items() if path in data or path in mine}
    changes = diff({path: _md5(body).hex() for path, body in data.items()}, remote)
    if dry_run or (not changes and ours == set(data)):
        uploads_count = sum(1 for c in changes if c.action is not Action.DELETE)
        detail = (
            f"{target}: would upload {uploads_count}, delete {len(changes) - uploads_count} objects"
            if changes
            else f"{target} is up to date"
        )
        return DeployResult(str(target), changes, dry_run, detail)

    uploads = sorted((c.path for c in changes if c.action is not Action.DELETE), key=_upload_order)
    stale = [target.key(c.path) for c in changes if c.action is Action.DELETE]
    with _aws_errors(target):
        if not set(data) <= mine:  # claimed before uploading: a killed deploy still owns them
            _write_manifest(client, target, mine | set(data))
        for done, path in enumerate(uploads, 1):
            body = data[path]
            client.put_object(
                Bucket=target.bucket,
                Key=target.key(path),
                Body=body,
                ContentType=content_type(path),
                CacheControl=cache_control(path),
                ContentMD5=base64.b64encode(_md5(body)).decode(),
            )
            progress("upload", done, len(uploads))
        for start in range(0, len(stale), 1000):  # DeleteObjects takes 1000 keys at most
            batch = stale[start : start + 1000]
            answer = client.delete_objects(
                Bucket=target.bucket,
                Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
            )
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise DeployError(f"{target}: could not delete {first['Key']}: {first['Message']}")
            progress("delete", start + len(batch), len(stale))
        _write_manifest(client, target, data)
    detail = f"{target}: uploaded {len(uploads)}, deleted {len(stale)} objects"
    return DeployResult(str(target), changes, False, detail)
