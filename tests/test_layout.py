"""The package layout shows the pipeline: each stage imports only the stages below it, and no
module imports another that imports it back, not even from inside a function."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.tools import REPO_ROOT

PACKAGE = REPO_ROOT / "statuspage"

# Lower ranks are lower stages. A stage may import its own rank's modules only within itself.
RANKS = {
    "inputs": 0,
    "text": 1,
    "outputs": 2,
    "builder": 3,
    "authoring": 3,
    "notify": 3,
    "subscriptions": 4,
    "publish": 4,
    "cli": 5,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> Iterator[str]:
    """Every statuspage module `path` imports, at the top or inside a function."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("statuspage."))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("statuspage"):
            assert node.module is not None
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                as_path = REPO_ROOT / candidate.replace(".", "/")
                is_module = as_path.with_suffix(".py").is_file() or as_path.is_dir()
                yield candidate if is_module else node.module


def import_graph() -> dict[str, set[str]]:
    return {
        module_name(path): set(imported_modules(path)) - {module_name(path)}
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANKS else None


def test_every_subpackage_has_a_rank() -> None:
    folders = {p.parent.name for p in PACKAGE.glob("*/__init__.py")} - {"themes"}
    assert folders <= set(RANKS), f"give a rank to {sorted(folders - set(RANKS))}"


def test_imports_point_down_the_stages() -> None:
    upward = []
    for module, targets in import_graph().items():
        here = stage(module)
        for target in targets:
            there = stage(target)
            if here is None or there is None or here == there:
                continue
            if RANKS[there] >= RANKS[here]:
                upward.append(f"{module} -> {target}")
    assert not upward, "imports against the flow:\n" + "\n".join(sorted(upward))


def test_no_import_cycle() -> None:
    graph = import_graph()
    cycles = []
    for start in graph:
        stack, seen = [start], set()
        while stack:
            for target in graph.get(stack.pop(), ()):
                if target == start:
                    cycles.append(start)
                elif target not in seen:
                    seen.add(target)
                    stack.append(target)
    assert not cycles, f"modules on an import cycle: {sorted(set(cycles))}"


def test_the_package_root_is_imported_by_nobody_but_for_its_version() -> None:
    """`statuspage/__init__.py` is the public facade: nothing inside depends on it but for
    `__version__`, so the facade can import any stage lazily."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "statuspage":
                names = {a.name for a in node.names}
                if names - {"__version__"} and path.parent != PACKAGE:
                    offenders.append(f"{path.relative_to(REPO_ROOT)}: {sorted(names)}")
    assert not offenders, offenders


def test_the_facade_names_what_it_exports() -> None:
    import statuspage

    for name in statuspage.__all__:
        assert getattr(statuspage, name) is not None


def test_a_build_imports_only_what_it_renders() -> None:
    """`statuspage build` starts a new process every time (CI builds from cold): it does
    not import the authoring code, nor e-mail, HTTP or deploy code, and imports the
    calendar and feed libraries only to write a calendar or a feed (a build that keeps them
    all from the last one never needs them)."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from statuspage.cli import site, common\n"
        "from statuspage.builder import pipeline, engine\n"
        "from statuspage.outputs import generators\n"
        "generators()\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
    )
    loaded = set(done.stdout.split())
    unwanted = {
        "statuspage.authoring.edit",
        "statuspage.authoring.scaffold",
        "statuspage.notify.send",
        "statuspage.publish.deploy",
        "icalendar",
        "feedgen",
        "lxml",
        "smtplib",
        "urllib.request",
        "http.client",
        "boto3",
    }
    assert not loaded & unwanted, sorted(loaded & unwanted)
