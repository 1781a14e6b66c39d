"""Lint, formatting and type checks, run as tests so that `python -m pytest` is the one command.

Configuration is in pyproject.toml ([tool.ruff], [tool.mypy]).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from tests.tools import REPO_ROOT, missing_tool

CHECKS = {
    "ruff-check": ("ruff", ["check", "--no-fix", "."]),
    "ruff-format": ("ruff", ["format", "--check", "."]),
    "mypy": ("mypy", []),
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_code_quality(name: str) -> None:
    module, args = CHECKS[name]
    if importlib.util.find_spec(module) is None:
        missing_tool(f"{module} is not installed; run python -m pip install -e '.[test]'")
    cmd = [sys.executable, "-m", module, *args]
    proc = subprocess.run(
        cmd,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(
            f"`{' '.join([module, *args])}` exited {proc.returncode}:\n{proc.stdout}{proc.stderr}",
            pytrace=False,
        )
