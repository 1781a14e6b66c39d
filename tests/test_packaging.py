"""The wheel: `pip install` alone must give a working `statuspage build`, themes included."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

from tests.sites import REPO_ROOT


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
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built by pip from a clean copy of the sources."""
    source = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO_ROOT / name).is_file():
            shutil.copy(REPO_ROOT / name, source)
    for name in ("statuspage", "themes"):
        shutil.copytree(REPO_ROOT / name, source / name, ignore=ignore)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = dist.glob("*.whl")
    return built


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
    assert "statuspage/outputs/pages.py" in names and "statuspage/cli/__init__.py" in names


def test_the_wheel_ships_the_compiled_catalogs(wheel: Path) -> None:
    """The .mo files are committed, so a wheel built from a clean clone has every language."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for language in ("en", "fr", "ru", "zh"):
        assert f"statuspage/locale/{language}/LC_MESSAGES/statuspage.mo" in names


def test_an_installed_wheel_builds_the_demo(wheel: Path, tmp_path: Path) -> None:
    """Installed in a fresh environment (dependencies from this one), run outside the
    repository: the pages come from the packaged theme."""
    # Nothing may lead the installed copy back to this checkout.
    outside = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    env = tmp_path / "venv"
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
    )
    site = tmp_path / "demo"
    site.mkdir()
    shutil.copy(REPO_ROOT / "statuspage.yaml", site)
    shutil.copytree(REPO_ROOT / "incidents", site / "incidents")
    where = subprocess.run(
        [str(python), "-c", "import statuspage.outputs.pages as p; print(p.builtin_themes())"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=outside,
    ).stdout.strip()
    assert where.startswith(str(env)), where
    subprocess.run(
        [
            str(env / "bin" / "statuspage"),
            "build",
            "--now",
            "2026-11-23T09:00:00+01:00",
            "--no-git",
        ],
        check=True,
        capture_output=True,
        cwd=site,
        env=outside,
        timeout=600,
    )
    index = (site / "site" / "index.html").read_text(encoding="utf-8")
    assert "All systems operational" in index
    assert list((site / "site" / "assets").glob("style.*.css"))
