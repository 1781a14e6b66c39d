"""The history benchmark: edits of published updates found in a long git history (issue 17).

    python bench/history_bench.py                      # 10,000 incidents, 50,000 commits
    python bench/history_bench.py --incidents 1000 --commits 5000 --output /tmp/history.md

Makes a repository with `git fast-import` (a minute or so at full size): the synthetic site of
bench/generate.py, each incident committed update by update in time order (one commit per
update), 1 % of them with a published update corrected in the next commit, and commits that
touch only other files until the count is reached. Then measures, each as the median of
`--runs` runs:

- the cold walk: `History.find` with no cache (the first build of a clone);
- the warm walk: the same HEAD again (every later build with no new commit);
- one new commit that edits a published update (the walk goes on from its cache);
- a warm no-op `build`, with and without git (`--no-git`): what the history adds to it.

Results go to bench/history-results.md (or `--output`).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.generate import END, NOW_TEXT, generate  # noqa: E402
from statuspage.builder.engine import Builder  # noqa: E402
from statuspage.inputs.clock import parse_now  # noqa: E402
from statuspage.inputs.history import CACHE_DIR, History  # noqa: E402

EDIT_SHARE = 0.01  # incidents whose first update is corrected in the next commit


def versions(text: str) -> list[str]:
    """The file as it grew: the head and first update, then one more update each time."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith("  - at: ")]
    return ["".join(lines[:end]) for end in starts[1:]] + [text]


def stream(root: Path, commits: int) -> Iterator[bytes]:
    """A fast-import stream: every incident file as it grew, then filler commits."""
    files = sorted((root / "incidents").iterdir())
    config = (root / "statuspage.yaml").read_bytes()
    moment = END - timedelta(days=365 * 5 + 30)
    made = 0

    def commit(changes: list[tuple[str, bytes]], message: str) -> bytes:
        nonlocal moment, made
        moment += timedelta(minutes=1)
        made += 1
        stamp = int(moment.timestamp())
        parts = [
            b"commit refs/heads/main\n",
            f"committer Bench <bench@example.com> {stamp} +0000\n".encode(),
            f"data {len(message)}\n{message}\n".encode(),
        ]
        for path, data in changes:
            parts.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        return b"".join(parts)

    yield commit([("statuspage.yaml", config), ("README", b"bench\n")], "Site")
    every = round(1 / EDIT_SHARE)
    for number, path in enumerate(files):
        grown = versions(path.read_text(encoding="utf-8"))
        name = f"incidents/{path.name}"
        if number % every == every // 2:
            typo = grown[0].replace("We are", "We ar", 1).replace("We will", "We wil", 1)
            if typo != grown[0]:
                yield commit([(name, typo.encode())], f"Publish {path.stem}")
        for text in grown:
            yield commit([(name, text.encode())], f"Update {path.stem}")
    while made < commits:
        yield commit([("README", f"bench {made}\n".encode())], "Other work")


def make_repository(root: Path, incidents: int, commits: int) -> float:
    started = time.perf_counter()
    generate(incidents, root)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    with subprocess.Popen(
        ["git", "-C", str(root), "fast-import", "--quiet"], stdin=subprocess.PIPE
    ) as importer:
        assert importer.stdin is not None
        for chunk in stream(root, commits):
            importer.stdin.write(chunk)
        importer.stdin.close()
        importer.wait()
    (root / ".gitignore").write_text("/site*/\n/.statuspage/\n")
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "-f", "main"], check=True)
    return time.perf_counter() - started


def timed(action: Callable[[], object], runs: int, before: Callable[[], None] | None) -> float:
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench/history-results.md")
    parser.add_argument(
        "--repo", type=Path, help="make the repository here and keep it (reused if there)"
    )
    args = parser.parse_args()
    now = parse_now(NOW_TEXT)
    work = Path(tempfile.mkdtemp(prefix="statuspage-history-"))
    try:
        root = args.repo or work / "site"
        made = 0.0
        if not (root / ".git").is_dir():
            made = make_repository(root, args.incidents, args.commits)
        print(f"repository made in {made:.1f} s", flush=True)
        count = subprocess.run(
            ["git", "-C", str(root), "rev-list", "--count", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        cache = root / CACHE_DIR
        incidents = len(list((root / "incidents").iterdir()))

        def forget() -> None:
            shutil.rmtree(cache, ignore_errors=True)

        found: dict[str, object] = {}

        def cold() -> None:
            found.update(History(root).find(now))

        cold_walk = timed(cold, args.runs, forget)
        print(f"cold walk {cold_walk:.3f} s", flush=True)
        warm_walk = timed(lambda: History(root).find(now), args.runs, None)
        print(f"warm walk {warm_walk:.3f} s", flush=True)
        edited = sum(len(updates) for updates in found.values())

        target = next(
            path
            for path in sorted((root / "incidents").iterdir(), reverse=True)
            if "    message: " in path.read_text(encoding="utf-8")
        )
        step = [0]

        def new_commit() -> None:
            step[0] += 1
            text = target.read_text(encoding="utf-8")
            target.write_text(text.replace("    message: ", f"    message: ({step[0]}) ", 1))
            subprocess.run(["git", "-C", str(root), "commit", "-qam", "Reword"], check=True)

        incremental = timed(lambda: History(root).find(now), args.runs, new_commit)
        print(f"one new commit {incremental:.3f} s", flush=True)

        def noop(check_git: bool) -> float:
            out = root / f"site-{'git' if check_git else 'nogit'}"
            Builder(root, out).build(now=now, check_git=check_git)  # cold; the cache stays
            time.sleep(2.1)  # files younger than 2 s are compared by content
            return timed(
                lambda: Builder(root, out).build(now=now, check_git=check_git), args.runs, None
            )

        with_git, without_git = noop(True), noop(False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    how = f"made with `git fast-import` in {made:.1f} s" if made else "made earlier (--repo)"
    report = f"""# History benchmark (bench/history_bench.py)

Run {datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")} on {platform.machine()},
{os.cpu_count()} cores, Python {platform.python_version()}, {_git_version()};
median of {args.runs} runs.

A repository of {incidents:,} incidents and {int(count):,} commits, {how};
{edited} published updates edited.

| what | seconds |
|---|---|
| cold walk (no cache: a fresh clone's first build) | {cold_walk:.3f} |
| warm walk (same HEAD: every later build) | {warm_walk:.3f} |
| one new commit editing an update (walk from the cache) | {incremental:.3f} |
| warm no-op build with git history checks | {with_git:.3f} |
| warm no-op build with `--no-git` | {without_git:.3f} |
| what git history adds to a warm no-op build | {with_git - without_git:.3f} |

Target (issue 17): the history adds no more than 1 s to a warm build.
"""
    args.output.write_text(report, encoding="utf-8")
    print(report)


def _git_version() -> str:
    done = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


if __name__ == "__main__":
    main()
