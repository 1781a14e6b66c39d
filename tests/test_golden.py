"""Golden sites: the whole output of small sites, committed under tests/golden/ and compared
byte for byte. A change of the output is reviewed like code: regenerate on purpose with

    STATUSPAGE_REGENERATE_GOLDEN=1 python -m pytest tests/test_golden.py

and read the diff (tests/golden/README.md)."""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from statuspage.builder.pipeline import build_site
from statuspage.inputs.clock import parse_now

GOLDEN = Path(__file__).resolve().parent / "golden"
NOW = parse_now("2026-11-23T09:00:00+01:00")
REGENERATE = os.environ.get("STATUSPAGE_REGENERATE_GOLDEN") == "1"


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def describe(path: str, expected: bytes | None, actual: bytes | None) -> str:
    if expected is None:
        return f"{path}: new file"
    if actual is None:
        return f"{path}: no longer written"
    try:
        lines = difflib.unified_diff(
            expected.decode().splitlines(), actual.decode().splitlines(), lineterm="", n=1
        )
        return f"{path}:\n" + "\n".join(list(lines)[2:14])
    except UnicodeDecodeError:
        return f"{path}: different bytes"


@pytest.mark.parametrize("name", sorted(p.name for p in GOLDEN.iterdir() if p.is_dir()))
def test_the_golden_site_is_built_byte_for_byte(name: str, tmp_path: Path) -> None:
    source = tmp_path / "input"
    shutil.copytree(GOLDEN / name / "input", source)  # the build's cache stays out of tests/
    out = tmp_path / "site"
    build_site(source, out, now=NOW, check_git=False, cache=False)
    expected_folder = GOLDEN / name / "output"
    if REGENERATE:
        shutil.rmtree(expected_folder, ignore_errors=True)
        shutil.copytree(out, expected_folder)
    actual, expected = tree(out), tree(expected_folder)
    differences = [
        describe(path, expected.get(path), actual.get(path))
        for path in sorted(actual.keys() | expected.keys())
        if expected.get(path) != actual.get(path)
    ]
    assert not differences, (
        f"{len(differences)} files of tests/golden/{name} differ; if the change is meant, "
        "regenerate (tests/golden/README.md) and review the diff:\n\n"
        + "\n\n".join(differences[:8])
    )
