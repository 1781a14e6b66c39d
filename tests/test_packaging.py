"""The wheel: `pip install` alone must give a working `statuspage build`, themes included."""

from __future__ import annotations

import email.parser
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import tarfile
import time
import tomllib
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.sites import REPO_ROOT
from tests.tools import missing_tool


def test_every_subpackage_is_listed_in_pyproject() -> None:
    """The packages are listed by hand (for the themes mapping): a new one must be added."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(REPO_ROOT).parts)
        for init in (REPO_ROOT / "statuspage").rglob("__init__.py")
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert config["tool"]["setuptools"]["package-dir"]["statuspage.themes"] == "themes"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and, built from it, the wheel: `python -m build` as a release would."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(REPO_ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # Data folders unlisted in [tool.setuptools] packages make setuptools warn (and one day fail).
    assert "absent from the `packages` configuration" not in done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    (built,) = dist.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def sdist(dist: Path) -> Path:
    (built,) = dist.glob("*.tar.gz")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment outside the repository holding the wheel alone; its
    dependencies come from the environment running the tests. Returns its bin folder."""
    env = tmp_path_factory.mktemp("venv")
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    # The dependencies come from the environment running the tests, which may itself be a
    # virtual environment (system_site_packages would reach past it to the base Python).
    # Plain path lines: the .pth files there (such as this checkout's editable install) are
    # not processed, so statuspage can only come from the wheel.
    inner = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    outer = [path for path in sys.path if path.endswith(("site-packages", "dist-packages"))]
    Path(inner, "_test_dependencies.pth").write_text("\n".join(outer) + "\n", encoding="utf-8")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
        env=outside(env / "bin"),  # with PYTHONPATH, pip could take a checkout for the wheel
    )
    return env / "bin"


def outside(bin_dir: Path) -> dict[str, str]:
    """The environment of a command run as a user would: no PYTHONPATH to this checkout."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_the_wheel_ships_the_builtin_themes(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    theme_files = [
        path.relative_to(REPO_ROOT).as_posix()
        for path in sorted((REPO_ROOT / "themes").rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    ]
    assert "themes/default/index.html" in theme_files
    assert "themes/default/static/style.css" in theme_files
    missing = [path for path in theme_files if f"statuspage/{path}" not in names]
    assert not missing
    assert "statuspage/py.typed" in names
    assert "statuspage/schemas/statuspage.schema.json" in names
    assert "statuspage/schemas/incident.schema.json" in names
    assert "statuspage/outputs/pages.py" in names and "statuspage/cli/__init__.py" in names


def test_the_wheel_ships_the_compiled_catalogs(wheel: Path) -> None:
    """The .mo files are committed, so a wheel built from a clean clone has every language."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for language in ("en", "fr", "ru", "zh"):
        assert f"statuspage/locale/{language}/LC_MESSAGES/statuspage.mo" in names


def test_an_installed_wheel_builds_the_demo(installed: Path, tmp_path: Path) -> None:
    """Installed in a fresh environment, run outside the repository: the pages come from the
    packaged theme."""
    site = tmp_path / "demo"
    site.mkdir()
    shutil.copy(REPO_ROOT / "statuspage.yaml", site)
    shutil.copytree(REPO_ROOT / "incidents", site / "incidents")
    where = subprocess.run(
        [
            str(installed / "python"),
            "-c",
            "import statuspage.outputs.themes as p; print(p.builtin_themes())",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=outside(installed),
    ).stdout.strip()
    assert where.startswith(str(installed.parent)), where
    subprocess.run(
        ["statuspage", "build", "--now", "2026-11-23T09:00:00+01:00", "--no-git"],
        check=True,
        capture_output=True,
        cwd=site,
        timeout=600,
        env=outside(installed),
    )
    index = (site / "site" / "index.html").read_text(encoding="utf-8")
    assert "All systems operational" in index
    assert list((site / "site" / "assets").glob("style.*.css"))


def test_an_installed_wheel_inits_validates_and_builds(
    installed: Path, wheel: Path, tmp_path: Path
) -> None:
    """What a new user types first, with the `statuspage` command of the wheel."""
    env = outside(installed)

    def run(*args: str, cwd: Path = tmp_path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["statuspage", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
        )

    bare = run()
    assert bare.returncode == 2, bare  # a usage error, as for any unknown command
    assert "Usage: statuspage" in bare.stderr
    made = run("init", "status", "--timezone", "Europe/Paris")
    assert made.returncode == 0, made.stderr
    site = tmp_path / "status"
    for args in (["validate"], ["build"], ["new", "incident", "Checkout errors", "-m", "Oops"]):
        done = run(*args, cwd=site)
        assert done.returncode == 0, f"statuspage {' '.join(args)}: {done.stderr}"
    assert (site / "site" / "index.html").is_file()

    # Installed from a wheel file: CI installs that wheel, committed with the site.
    requirement = (site / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1]
    assert requirement == f"./.github/wheels/{wheel.name}"
    assert (site / ".github" / "wheels" / wheel.name).read_bytes() == wheel.read_bytes()
    runner = tmp_path / "runner"
    venv.create(runner, with_pip=True)
    pip = [str(runner / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps"]
    installed_there = subprocess.run(
        [*pip, "-r", "requirements.txt"], cwd=site, capture_output=True, text=True, env=env
    )
    assert installed_there.returncode == 0, installed_there.stderr
    assert (runner / "bin" / "statuspage").is_file()


def test_the_sdist_holds_the_tests_and_what_they_read(sdist: Path) -> None:
    """Every file git tracks under tests/ (conftest and corpus included), the demo site, the
    docs and the licence; nothing of a local build."""
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for name in ("LICENSE", "README.md", "pyproject.toml", "statuspage.yaml", "MANIFEST.in"):
        assert name in names
    assert "tests/conftest.py" in names and "docs/commands.md" in names
    assert not [name for name in names if "__pycache__" in name or name.startswith("site/")]
    if (REPO_ROOT / ".git").exists() and shutil.which("git"):
        tracked = subprocess.run(
            ["git", "ls-files", "-z", "tests", "incidents", "docs", "schemas"],
            cwd=REPO_ROOT, capture_output=True, text=True, check=True,
        ).stdout.split("\0")  # fmt: skip
        assert sorted(set(tracked) - names - {""}) == []


def test_tests_run_from_the_unpacked_sdist(sdist: Path, installed: Path, tmp_path: Path) -> None:
    """A distributor's check: unpack the sdist and run (part of) its tests against the
    installed wheel."""
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    (root,) = tmp_path.iterdir()
    tests = ["tests/test_corpus.py", "tests/test_docs.py", "tests/test_layout.py"]
    done = subprocess.run(
        [str(installed / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
        env=outside(installed) | {"STATUSPAGE_REQUIRE_TOOLS": ""},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and " failed" not in done.stdout


def test_metadata(wheel: Path) -> None:
    """Licence, URLs, classifiers and the Python versions, as a package index shows them."""
    with zipfile.ZipFile(wheel) as archive:
        (meta,) = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        metadata = email.parser.Parser().parsestr(archive.read(meta).decode("utf-8"))
        licences = [name for name in archive.namelist() if "/licenses/" in name]
    assert metadata["License-Expression"] == "Apache-2.0"
    assert [name.rsplit("/", 1)[1] for name in licences] == ["LICENSE"]
    urls = dict(value.split(", ", 1) for value in metadata.get_all("Project-URL") or [])
    assert {"Homepage", "Documentation", "Changelog", "Issues", "Source"} <= urls.keys()
    classifiers = metadata.get_all("Classifier") or []
    assert "Operating System :: POSIX" in classifiers  # fcntl (ledger) and fork (workers)
    python = {c.rsplit(" ", 1)[1] for c in classifiers if re.fullmatch(r".*:: 3\.\d+", c)}
    assert python == {"3.11", "3.12", "3.13"}
    assert metadata["Requires-Python"] == ">=3.11"


def test_readme_links_work_on_a_package_index() -> None:
    """The README is the package's page on the index, where relative links lead nowhere."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert targets
    assert [t for t in targets if not t.startswith(("https://", "#"))] == []


def test_constraints_pin_every_dependency() -> None:
    """.ci/constraints.txt (what CI installs) has a pin satisfying every requirement of
    pyproject.toml, extras included: after changing a dependency, run `bash .ci/lock`."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = config["project"]
    wanted = [
        *project["dependencies"],
        *(spec for extra in project["optional-dependencies"].values() for spec in extra),
        *(
            line.strip()
            for line in (REPO_ROOT / ".ci" / "requirements-ci.in").read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ),
    ]
    pins = {}
    for line in (REPO_ROOT / ".ci" / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if match := re.match(r"([A-Za-z0-9._-]+)==(\S+)", line):
            pins[canonicalize_name(match.group(1))] = Version(match.group(2))
    problems = []
    for spec in map(Requirement, wanted):
        if canonicalize_name(spec.name) == canonicalize_name(project["name"]):
            continue  # an extra naming others of the package's extras
        pin = pins.get(canonicalize_name(spec.name))
        if pin is None or not spec.specifier.contains(pin, prereleases=True):
            problems.append(f"{spec}: pinned {pin}")
    assert problems == [], "run `bash .ci/lock`: " + "; ".join(problems)


def test_every_runtime_dependency_has_a_lower_bound() -> None:
    """What users install (the core and the s3 and service extras) names the oldest version
    it works with: `.ci/lowest` tests exactly those, and an unbounded one would be tested at
    its first release ever (tzdata 2020.1, without zones in use today)."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    wanted = [*project["dependencies"], *extras["s3"], *extras["service"]]
    unbounded = [
        spec
        for spec in map(Requirement, wanted)
        if not any(s.operator in (">=", "==", "~=") for s in spec.specifier)
    ]
    assert unbounded == []


# --------------------------------------------------------------------------- the container


def dockerfile_instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    text = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_dockerfile_passes_hadolint(tmp_path: Path) -> None:
    """No engine can build images on these machines (and base images come from a registry
    they cannot reach): hadolint checks the Dockerfile instead, and the next test runs its
    entry point."""
    scripts = Path(sysconfig.get_path("scripts"))
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(scripts))
    if hadolint is None:
        missing_tool("hadolint not found; run python -m pip install -e '.[test]'")
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN cd /src && pip install .\n", encoding="utf-8")
    found = subprocess.run([hadolint, str(bad)], capture_output=True, text=True, timeout=60)
    assert found.returncode == 1 and "DL3006" in found.stdout  # it does find mistakes
    done = subprocess.run(
        [hadolint, "--failure-threshold", "style", str(REPO_ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_is_small_and_unprivileged() -> None:
    """A slim base, a build stage left behind, a user that is not root, the statuspage
    command as entry point; .dockerignore sends only what the build copies."""
    steps = dockerfile_instructions()
    stages = [arguments for keyword, arguments in steps if keyword == "FROM"]
    assert len(stages) == 2 and all("-slim" in stage for stage in stages)
    final = steps[max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM") :]
    users = [arguments for keyword, arguments in final if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert json.loads(dict(final)["ENTRYPOINT"]) == ["statuspage"]
    ignored = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ignored[1] == "*"  # everything, but for:
    allowed = {line[1:].rstrip("/") for line in ignored if line.startswith("!")}
    for keyword, arguments in steps:
        if keyword == "COPY" and "--from" not in arguments:
            for source in arguments.split()[:-1]:
                assert source.rstrip("/") in allowed, source
                assert (REPO_ROOT / source).exists(), source


def test_the_image_entry_point_runs_in_a_venv(installed: Path, tmp_path: Path) -> None:
    """The image's command, run with the installed wheel: its default (`--help`), and the
    subscription service as the Dockerfile's header runs it, answering /healthz."""
    final = dict(dockerfile_instructions())
    entry = json.loads(final["ENTRYPOINT"])
    env = outside(installed)
    shown = subprocess.run(
        [*entry, *json.loads(final["CMD"])], capture_output=True, text=True, env=env, timeout=60
    )
    assert shown.returncode == 0 and "Usage: statuspage" in shown.stdout
    made = subprocess.run(
        [*entry, "init", "site", "--install", "statuspage-git==1.0"],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env |= {
        "STATUSPAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'subscriptions.db'}",
        "STATUSPAGE_LEDGER_KEY": "a-long-random-test-secret-0123456789",
    }
    service = subprocess.Popen(
        [*entry, "subscriptions", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path / "site", env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert service.poll() is None, service.stdout.read() if service.stdout else ""
                time.sleep(0.1)
        else:
            pytest.fail("the subscription service did not answer /healthz")
    finally:
        service.terminate()
        service.wait(timeout=30)
