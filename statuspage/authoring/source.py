"""Where CI gets statuspage from: the install line `init` writes into a new site.

A site's CI must run the statuspage the operator tried locally, and `pip install` must find it
on a fresh runner. What works depends on how this statuspage was installed (PEP 610's
`direct_url.json` tells):

- from a package index, a release: that version, `statuspage-git==1.2.0`;
- from a git URL: that URL at that commit;
- from a wheel file: the wheel itself, copied into the site repository;
- from a checkout (editable or not): the checkout's public remote at its commit, if that
  commit is pushed and the checkout has no uncommitted changes to the package.

Anything else (an unpushed checkout, a wheel file gone since) has no source a runner can
reach: `init` says so, and the operator names one with `init --install`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit

from statuspage.inputs.history import run_git

DISTRIBUTION = "statuspage-git"
WHEELS_DIR = ".github/wheels"

_SCP_LIKE = re.compile(r"(?P<user>[\w.-]+)@(?P<host>[\w.-]+):(?P<path>[^/].*)")


@dataclass(frozen=True, slots=True, kw_only=True)
class InstallSource:
    """What `pip install` is given in the site's CI, and why."""

    requirement: str  # a line of requirements.txt
    reason: str  # one line for the file's comment
    wheel: Path | None = None  # a wheel to copy into the site's WHEELS_DIR
    warning: str | None = None  # init prints it: the line needs the operator's attention


def from_requirement(requirement: str) -> InstallSource:
    """The operator's choice (`init --install`): a requirement, or a wheel file to commit."""
    wheel = Path(requirement).expanduser()
    if wheel.suffix == ".whl" and wheel.is_file():
        return InstallSource(
            requirement=f"./{WHEELS_DIR}/{wheel.name}",
            reason="a wheel committed with the site (statuspage init --install)",
            wheel=wheel,
        )
    return InstallSource(requirement=requirement, reason="statuspage init --install")


def detect(version: str) -> InstallSource:
    """The install line for this statuspage, as installed in this environment."""
    try:
        dist: metadata.Distribution | None = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        dist = None
    direct = dist.read_text("direct_url.json") if dist is not None else None
    # An installer (pip, uv) writes INSTALLER; metadata without it is a checkout's own
    # (an .egg-info folder beside the sources), not an installed release.
    installed = dist is not None and dist.read_text("INSTALLER") is not None
    package_root = Path(__file__).resolve().parent.parent.parent
    return choose(version, direct, package_root, installed=installed)


def choose(
    version: str, direct_url: str | None, source_root: Path, *, installed: bool = True
) -> InstallSource:
    """The decision of `detect`, from what it read (testable with any inputs)."""
    pinned = f"{DISTRIBUTION}=={version}"
    if installed and direct_url is None:  # pip records a direct URL for all but an index
        return InstallSource(requirement=pinned, reason=f"version {version} from PyPI")
    info = json.loads(direct_url) if direct_url else {}
    url = str(info.get("url", ""))
    vcs = info.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and not url.startswith("file:"):
        commit = vcs["commit_id"]
        return InstallSource(
            requirement=f"{DISTRIBUTION} @ git+{url}@{commit}",
            reason=f"the commit {commit[:12]} statuspage was installed from",
        )
    if "archive_info" in info and url.startswith("file:"):
        wheel = Path(unquote(urlsplit(url).path))
        if wheel.suffix == ".whl" and wheel.is_file():
            return InstallSource(
                requirement=f"./{WHEELS_DIR}/{wheel.name}",
                reason="the wheel statuspage was installed from, committed with the site",
                wheel=wheel,
            )
    if "dir_info" in info or not installed:
        found = _pushed_commit(source_root)
        if found is not None:
            remote, commit = found
            return InstallSource(
                requirement=f"{DISTRIBUTION} @ git+{remote}@{commit}",
                reason=f"the commit {commit[:12]} of the checkout init ran from",
            )
    return InstallSource(
        requirement=pinned,
        reason=f"version {version}",
        warning=(
            f"statuspage {version} is on no package index and its source is not pushed "
            "anywhere a CI runner can reach: edit requirements.txt, or run init again with "
            "--install REQUIREMENT (a git URL with a commit, or a wheel file)"
        ),
    )


def _git(root: Path, *args: str) -> str | None:
    out = run_git(root, *args, timeout=30)
    return out.strip() if out is not None else None


def _pushed_commit(root: Path) -> tuple[str, str] | None:
    """The public URL of the checkout's remote and its commit, if a runner can fetch it."""
    if not (root / "pyproject.toml").is_file():
        return None
    commit = _git(root, "rev-parse", "--verify", "HEAD")
    if not commit:
        return None
    changed = _git(root, "status", "--porcelain", "--", "statuspage", "themes", "pyproject.toml")
    if changed is None or changed:
        return None  # the commit is not what runs here
    for remote in (_git(root, "remote") or "").split():
        url = public_url(_git(root, "remote", "get-url", remote) or "")
        contains = _git(root, "branch", "--remotes", "--contains", commit) or ""
        if url and any(line.strip().startswith(f"{remote}/") for line in contains.splitlines()):
            return url, commit
    return None


def public_url(url: str) -> str | None:
    """An https URL a runner can clone without keys, for a remote's URL; None for local ones."""
    if url.startswith("https://"):
        return url
    scp = _SCP_LIKE.fullmatch(url)
    if scp:
        return f"https://{scp['host']}/{scp['path']}"
    parts = urlsplit(url)
    if parts.scheme in ("ssh", "git") and parts.hostname:
        return f"https://{parts.hostname}{parts.path}"
    return None
