"""Incremental builds of two versions of the code, measured in turns on the same site.

    python bench/compare.py BEFORE [AFTER] --size 10000 --rounds 5

BEFORE and AFTER are git commits of this repository (AFTER: the working tree). Each is
exported (`git archive`) into a folder of its own; the synthetic site (bench/generate.py)
is copied once per version, built cold and edited once (the build that makes the spare),
then each round edits one incident's title in both copies and runs `statuspage build` in
a new process for each version, one after the other, so that the load of the machine
weighs on both alike. Then one `Builder` per version does `--rounds` edits and reports its
steps. Prints medians.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.generate import NOW_TEXT, generate  # noqa: E402
from bench.run import edit  # noqa: E402

LIBRARY = """
import json, sys, time
from datetime import datetime
from pathlib import Path
from bench.run import edit
from statuspage.builder.engine import Builder
root, out, runs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
now = datetime.fromisoformat(sys.argv[4])
builder = Builder(root, out)
builder.build(now=now, check_git=False)
done = []
for count in range(runs):
    edit(root, 1000 + count)
    started = time.perf_counter()
    laps = builder.build(now=now, check_git=False).laps
    done.append((time.perf_counter() - started, laps))
print(json.dumps(done))
"""


def export(commit: str | None, folder: Path) -> Path:
    """The code of `commit` (None: this working tree) in `folder`."""
    if commit is None:
        return REPO_ROOT
    folder.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", commit], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def environment(code: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(code))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed package runs
    return env


def build(code: Path, root: Path, out: Path) -> float:
    command = [sys.executable, "-m", "statuspage", "-q", "build", "--root", str(root)]
    command += ["--out", str(out), "--no-git", "--now", NOW_TEXT]
    started = time.perf_counter()
    subprocess.run(command, cwd=code, env=environment(code), check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", help="a git commit")
    parser.add_argument("after", nargs="?", help="a git commit (default: the working tree)")
    parser.add_argument("--size", type=int, default=10000, help="incidents")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="statuspage-compare-") as folder:
        work = Path(folder)
        site = work / "site"
        generate(args.size, site)
        versions = {"before": args.before, "after": args.after}
        places: dict[str, tuple[Path, Path, Path]] = {}
        for name, commit in versions.items():
            code = export(commit, work / f"code-{name}")
            root, out = work / f"site-{name}", work / f"out-{name}"
            shutil.copytree(site, root)
            build(code, root, out)  # cold
            edit(root, 0)
            build(code, root, out)  # the first edit: no spare yet
            places[name] = (code, root, out)
        times: dict[str, list[float]] = {name: [] for name in versions}
        for count in range(args.rounds):
            for name, (code, root, out) in places.items():
                edit(root, count + 1)
                times[name].append(build(code, root, out))
        print(f"{args.size:,} incidents, load average {os.getloadavg()[0]:.2f}")
        for name, values in times.items():
            shown = ", ".join(f"{t:.3f}" for t in values)
            print(
                f"{name}: one edit, new process: median {statistics.median(values):.3f} s ({shown})"
            )
        for name, (code, root, out) in places.items():
            done = subprocess.run(
                [sys.executable, "-c", LIBRARY, str(root), str(out), str(args.rounds), NOW_TEXT],
                cwd=code,  # first on the path: the code measured (and its bench.run)
                env=environment(code),
                capture_output=True,
                text=True,
                check=True,
            )
            runs = json.loads(done.stdout.strip().splitlines()[-1])
            steps = {
                step: statistics.median(laps.get(step, 0.0) for _, laps in runs)
                for step in runs[0][1]
            }
            shown = ", ".join(f"{step} {value:.3f} s" for step, value in steps.items())
            median = statistics.median(t for t, _ in runs)
            print(f"{name}: one edit, library Builder: median {median:.3f} s ({shown})")


if __name__ == "__main__":
    main()
