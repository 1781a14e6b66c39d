"""The build benchmark: cold, no-op and incremental builds of synthetic sites.

    python bench/run.py                       # N = 100, 1,000, 10,000; 3 runs; bench/results.md
    python bench/run.py --sizes 1000 --runs 1 --output /tmp/results.md   # the CI smoke run

For each size it writes a synthetic site (bench/generate.py) and measures, each as the
median of `--runs` runs:

- cold build: `statuspage build` as a whole process (interpreter start-up included) with no
  output folder and no site cache; wall time and peak memory (the largest resident set of
  the process and its workers, from wait4). As after an install: this package's bytecode
  is written (PYTHONDONTWRITEBYTECODE is dropped for the processes measured) and the
  theme's templates are compiled in the user's cache, by one build first that is not
  counted;
- no-op rebuild, rebuild after editing one incident, rebuild after adding one: the same
  command again, each a new process (only the cache folder carries over);
- the library: one `Builder` kept across builds, the time of `build()` after one edit;
- serve: `statuspage serve --now …`, one incident edited: the rebuild time serve logs, and
  the time from the write until the new build is served (that includes serve's 0.2 s
  debounce and the file watcher);
- output size and file count; where a cold build spends its time (steps, and with
  `--profile` the functions, one process).

No thresholds: timings on a shared machine vary; the report says what was measured, on
what, and compares with the targets of the build-engine issue, cState's figures beside (it also
prints that table).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.generate import NOW_TEXT, generate  # noqa: E402

RACY_WAIT = 2.1  # files younger than 2 s are compared by content: let the new site age


# --------------------------------------------------------------------------- processes


def child_env(**extra: str) -> dict[str, str]:
    """The environment of the processes measured: as an installed wheel runs, with its
    bytecode (`.pyc`) written and used. PYTHONDONTWRITEBYTECODE (set on some machines and
    in CI) would make every run compile this package again, about 60 ms of each build."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def run_build(root: Path, out: Path, *extra: str) -> tuple[float, float]:
    """`statuspage build` in a new process: (wall seconds, peak resident MB of it and its
    workers)."""
    command = [
        sys.executable,
        "-m",
        "statuspage",
        "-q",
        "build",
        "--root",
        str(root),
        "--out",
        str(out),
        "--no-git",
        "--now",
        NOW_TEXT,
        *extra,
    ]
    # Warnings (postmortems owed…) go to a file: a pipe nobody reads would fill and stall.
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=errors, env=child_env()
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"build failed ({process.returncode}):\n{errors.read().decode()}")
    return wall, usage.ru_maxrss / 1024  # KiB on Linux


def edit(root: Path, count: int) -> Path:
    """Fix the title of one incident in the middle of the history (a new word each time)."""
    files = sorted((root / "incidents").glob("*.yaml"))
    path = files[len(files) // 2]
    path.write_text(path.read_text().replace("title: ", f"title: Edited {count} ", 1))
    return path


def add(root: Path, count: int) -> Path:
    path = root / "incidents" / f"2026-11-22-added-{count:03d}.yaml"
    path.write_text(
        "title: Slow search (added)\nimpact: minor\ncomponents: {search: degraded_performance}\n"
        "updates:\n  - {at: 2026-11-22T10:00:00+01:00, status: investigating, "
        "message: Searches are slow.}\n"
        "  - {at: 2026-11-22T11:00:00+01:00, status: resolved, message: Fast again.}\n"
    )
    return path


LIBRARY_PROBE = """
import json, sys, time
from datetime import datetime
from pathlib import Path
sys.path.insert(0, {repo!r})
from bench.run import edit
from statuspage.builder.engine import Builder
root, out, runs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
now = datetime.fromisoformat({now!r})
builder = Builder(root, out)
first = builder.build(now=now, check_git=False)
times, laps = [], []
for count in range(runs):
    edit(root, 1000 + count)
    started = time.perf_counter()
    outcome = builder.build(now=now, check_git=False)
    times.append(time.perf_counter() - started)
    laps.append(outcome.laps)
print(json.dumps({{"times": times, "laps": laps, "first": first.laps}}))
"""


def library_edits(root: Path, out: Path, runs: int) -> tuple[list[float], dict[str, float]]:
    probe = LIBRARY_PROBE.format(repo=str(REPO_ROOT), now=NOW_TEXT)
    done = subprocess.run(
        [sys.executable, "-c", probe, str(root), str(out), str(runs)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        env=child_env(),
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    median_laps = {
        step: statistics.median(lap.get(step, 0.0) for lap in result["laps"])
        for step in result["laps"][0]
    }
    return result["times"], median_laps


def cold_laps(root: Path, out: Path) -> dict[str, float]:
    """Where a cold build's time goes, step by step (one library call, workers allowed)."""
    probe = (
        "import json,sys;from datetime import datetime;from pathlib import Path;"
        f"sys.path.insert(0,{str(REPO_ROOT)!r});from statuspage.builder.engine import Builder;"
        f"o=Builder(Path(sys.argv[1]),Path(sys.argv[2])).build(now=datetime.fromisoformat"
        f"({NOW_TEXT!r}),check_git=False);print(json.dumps(o.laps))"
    )
    reset(root, out)
    done = subprocess.run(
        [sys.executable, "-c", probe, str(root), str(out)],
        capture_output=True,
        text=True,
        check=True,
        env=child_env(),
    )
    laps: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return laps


def profile_cold(root: Path, out: Path, top: int = 25) -> str:
    """The functions a cold build spends its time in, in one process (cProfile)."""
    reset(root, out)
    stats = Path(tempfile.mkstemp(suffix=".prof")[1])
    probe = (
        "import sys;from datetime import datetime;from pathlib import Path;"
        f"sys.path.insert(0,{str(REPO_ROOT)!r});from statuspage.builder.engine import Builder;"
        f"Builder(Path(sys.argv[1]),Path(sys.argv[2])).build(now=datetime.fromisoformat"
        f"({NOW_TEXT!r}),check_git=False)"
    )
    script = stats.with_suffix(".py")
    script.write_text(probe.replace(";", "\n"))
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(stats), str(script), str(root), str(out)],
        check=True,
        capture_output=True,
        env=child_env(STATUSPAGE_WORKERS="1"),
    )
    script.unlink()
    import io
    import pstats

    text = io.StringIO()
    report = pstats.Stats(str(stats), stream=text)
    report.sort_stats("tottime").print_stats(top)
    stats.unlink()
    lines = [line for line in text.getvalue().splitlines() if re.match(r"\s+\d", line)]
    cleaned = [line.replace(str(REPO_ROOT) + "/", "").replace(sys.prefix, "…") for line in lines]
    return "\n".join(cleaned)


def serve_edits(root: Path, runs: int) -> tuple[list[float], list[float]]:
    """Start `statuspage serve`, edit one incident `runs` times: (rebuild seconds as serve
    logs them, seconds from the write to the new build being served)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "statuspage",
            "serve",
            "--root",
            str(root),
            "--port",
            "0",
            "--no-git",
            "--now",
            NOW_TEXT,
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    assert process.stderr is not None
    lines: list[str] = []
    try:
        url = None
        while url is None:
            line = process.stderr.readline()
            if not line:
                raise SystemExit("serve stopped:\n" + "".join(lines))
            lines.append(line)
            found = re.search(r"Serving (http://\S+/)", line)
            url = found.group(1) if found else None
        status_url = url + "__statuspage/status"

        def generation() -> str:
            with urllib.request.urlopen(status_url, timeout=30) as response:
                state = json.load(response)
            if state.get("error"):
                raise SystemExit(f"serve build error: {state['error']}")
            return str(state["generation"])

        rebuilds, latencies = [], []
        for count in range(runs):
            before = generation()
            time.sleep(0.5)  # let the watcher settle
            started = time.perf_counter()
            edit(root, 2000 + count)
            while generation() == before:
                time.sleep(0.005)
            latencies.append(time.perf_counter() - started)
            while True:
                line = process.stderr.readline()
                lines.append(line)
                built = re.search(r"Built \d+ files in ([\d.]+) s", line)
                if built:
                    rebuilds.append(float(built.group(1)))
                    break
        return rebuilds, latencies
    finally:
        process.terminate()
        process.wait(timeout=30)


# --------------------------------------------------------------------------- the runs


def reset(root: Path, out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(out.parent / f".{out.name}.spare", ignore_errors=True)  # the site before
    shutil.rmtree(root / ".statuspage", ignore_errors=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def measure(size: int, runs: int, work: Path, profile: bool) -> dict[str, object]:
    root, out = work / f"site-{size}", work / f"out-{size}"
    generate(size, root)
    time.sleep(RACY_WAIT)
    result: dict[str, object] = {"size": size}
    # A first build, not counted: it writes this package's bytecode and compiles the theme's
    # templates into the user's cache, as the first build after installing does once.
    reset(root, out)
    run_build(root, out)
    cold = []
    for _ in range(runs):
        reset(root, out)
        cold.append(run_build(root, out))
    result["cold"] = median([wall for wall, _ in cold])
    result["rss"] = max(rss for _, rss in cold)
    files = [p for p in out.rglob("*") if p.is_file()]
    result["files"] = len(files)
    result["bytes"] = sum(p.stat().st_size for p in files)
    result["noop"] = median([run_build(root, out)[0] for _ in range(runs)])
    # The first build after a cold one has no spare yet (the site it replaces becomes it):
    # it links the whole site into a new tree. Later ones update the spare in place.
    edit(root, 0)
    result["edit_first"] = run_build(root, out)[0]
    edits = []
    for count in range(runs):
        edit(root, count + 1)
        edits.append(run_build(root, out)[0])
    result["edit"] = median(edits)
    adds = []
    for count in range(runs):
        add(root, count)
        adds.append(run_build(root, out)[0])
    result["add"] = median(adds)
    library, library_laps = library_edits(root, out, max(runs, 3))
    result["library_edit"] = median(library)
    result["library_laps"] = library_laps
    result["laps"] = cold_laps(root, out)
    rebuilds, latencies = serve_edits(root, max(runs, 3))
    result["serve_rebuild"] = median(rebuilds)
    result["serve_latency"] = median(latencies)
    if profile:
        result["profile"] = profile_cold(root, out)
    shutil.rmtree(root, ignore_errors=True)
    reset(root, out)
    return result


# --------------------------------------------------------------------------- the report


def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.1f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    versions = []
    for name in ("jinja2", "yaml", "babel", "feedgen", "icalendar", "markdown_it"):
        try:
            module = __import__(name)
            versions.append(f"{name} {getattr(module, '__version__', '?')}")
        except ImportError:
            pass
    return [
        f"- CPU: {cpu}, {cores} cores usable{memory}",
        f"- {platform.platform()}; Python {platform.python_version()}; {', '.join(versions)}",
        f"- load average when the run started: {os.getloadavg()[0]:.2f} (shared machine)",
    ]


def seconds(value: object) -> str:
    assert isinstance(value, float)
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "**missed**"


def report(results: list[dict[str, object]], runs: int, started: str, took: float) -> str:
    lines = [
        "# Build benchmark",
        "",
        f"Written by `python bench/run.py` on {started} in {took:.0f} s; medians of {runs} "
        "run(s). Synthetic sites from `bench/generate.py` (15 components in 4 groups, 3–5 "
        "updates per incident, 10 % postmortems, 10 % maintenances, some open), built at "
        f"`--now {NOW_TEXT}` with `--no-git`. Every build is a new `statuspage build` "
        "process unless said otherwise, run as an installed package runs: with its bytecode "
        "(`.pyc`) present (PYTHONDONTWRITEBYTECODE dropped) and the theme's templates "
        "compiled in the user's cache, both by a first build of each size that is not "
        "counted. *Cold* means no output folder and no site cache (`.statuspage/`).",
        "",
        "## Machine",
        "",
        *machine(),
        "",
        "## Results",
        "",
        "| incidents | cold build | peak memory | no-op | one edited | one added "
        "| library, one edited | serve rebuild | serve, write to served | files | output |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        size = r["size"]
        assert isinstance(size, int)
        lines.append(
            f"| {size:,} | {seconds(r['cold'])} | {r['rss']:.0f} MB | {seconds(r['noop'])} "
            f"| {seconds(r['edit'])} | {seconds(r['add'])} | {seconds(r['library_edit'])} "
            f"| {seconds(r['serve_rebuild'])} | {seconds(r['serve_latency'])} "
            f"| {r['files']:,} | {int(str(r['bytes'])) / 1e6:.1f} MB |"
        )
    lines += [
        "",
        "- *serve rebuild*: the time serve logs for the rebuild (`Built … in … s`, "
        "two decimals); *write to served*: from writing the file until the new build is "
        "served, including serve's 0.2 s debounce and the file watcher.",
        "- *peak memory*: the largest resident set of the process and its workers.",
        "- *one edited*, *one added*: with the site before kept beside the output as the "
        "spare, which the build brings up to date. The first build after a cold one has no "
        "spare yet and links the whole site into a new tree: "
        + ", ".join(
            f"{seconds(r['edit_first'])} at {int(str(r['size'])):,}"
            for r in results
            if "edit_first" in r
        )
        + ".",
        "",
    ]
    by_size = {r["size"]: r for r in results}
    if len(results) > 1:
        lines += [
            "## Cost per incident",
            "",
            "| incidents | cold build per incident | output per incident |",
            "|---:|---:|---:|",
        ]
        for r in results:
            size = int(str(r["size"]))
            cold = float(str(r["cold"]))
            lines.append(
                f"| {size:,} | {1000 * cold / size:.2f} ms | "
                f"{int(str(r['bytes'])) / size / 1000:.1f} kB |"
            )
        lines.append("")
    lines += targets_table(by_size)
    for r in results:
        laps = r.get("laps")
        if isinstance(laps, dict):
            total = sum(laps.values())
            parts = ", ".join(f"{step} {seconds(float(t))}" for step, t in laps.items())
            lines += [
                f"## Where a cold build of {int(str(r['size'])):,} spends its time",
                "",
                f"Library call, workers allowed: {parts} (total {seconds(total)}, start-up "
                "not included). *load*: list, read and parse the files; *list*: every "
                "generator lists its files and their keys (views, selections, the API "
                "documents); *render*: templates and feeds, written into the spare "
                "by the process that rendered them; *link*: current files of the live site "
                "linked into the spare; *cache*: saving parse results "
                "and the manifest.",
                "",
            ]
        library_laps = r.get("library_laps")
        if isinstance(library_laps, dict):
            parts = ", ".join(f"{step} {seconds(float(t))}" for step, t in library_laps.items())
            lines += [f"One edit through the library, by step: {parts}.", ""]
        if "profile" in r:
            lines += [
                f"Functions of a cold build of {int(str(r['size'])):,}, one process "
                "(`STATUSPAGE_WORKERS=1`, cProfile, by own time):",
                "",
                "```",
                str(r["profile"]),
                "```",
                "",
            ]
    notes = REPO_ROOT / "bench" / "notes.md"
    if notes.is_file():
        lines += [notes.read_text().rstrip(), ""]
    return "\n".join(lines)


# The targets of the build-engine issue, and cState (Hugo) on the same machine kind with the
# same synthetic incidents: (case, size, measure, target, cState's time).
TARGETS: list[tuple[str, int, str, float, str]] = [
    ("100 incidents, cold, fresh process (what CI does)", 100, "cold", 0.30, "0.33 s"),
    ("1,000, cold", 1000, "cold", 0.8, "7.9 s"),
    ("10,000, cold", 10000, "cold", 3.0, "779 s"),
    ("10,000, cold: peak memory (MB)", 10000, "rss", 250.0, ""),
    ("10,000, one edited incident, `serve` rebuild", 10000, "serve_rebuild", 0.15, ""),
    ("10,000, one edited incident, new `build` process", 10000, "edit", 0.6, ""),
]


def targets_table(by_size: dict[object, dict[str, object]]) -> list[str]:
    """The issue's table: each case measured, its target, and cState's figure beside."""
    lines = [
        "## Targets",
        "",
        "| case | measured | target | | cState (Hugo) |",
        "|---|---:|---:|---|---:|",
    ]
    for label, size, key, target, cstate in TARGETS:
        if size not in by_size:
            continue
        measured = _f(by_size, size, key)
        if key == "rss":
            shown, wanted = f"{measured:.0f} MB", f"≤ {target:.0f} MB"
        else:
            shown, wanted = seconds(measured), f"≤ {seconds(target)}"
        lines.append(f"| {label} | {shown} | {wanted} | {verdict(measured, target)} | {cstate} |")
    lines.append("")
    return lines


def _f(by_size: dict[object, dict[str, object]], size: int, key: str) -> float:
    return float(str(by_size[size][key]))


OTHER_SECTIONS = "# Notify benchmark"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="incident counts, with commas")
    parser.add_argument("--runs", type=int, default=3, help="runs per measure (median)")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench" / "results.md")
    parser.add_argument(
        "--profile", action=argparse.BooleanOptionalAction, default=True,
        help="profile a cold build of the largest size in one process",
    )  # fmt: skip
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")]
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    begun = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="statuspage-bench-") as folder:
        for size in sizes:
            print(f"{size} incidents…", file=sys.stderr, flush=True)
            results.append(
                measure(size, args.runs, Path(folder), args.profile and size == max(sizes))
            )
            print(json.dumps({k: v for k, v in results[-1].items() if k != "profile"}),
                  file=sys.stderr, flush=True)  # fmt: skip
    text = report(results, args.runs, started, time.perf_counter() - begun)
    # Other benchmarks keep their sections below this one (notify_bench.py's, by hand).
    kept = args.output.read_text().partition(OTHER_SECTIONS)[2] if args.output.exists() else ""
    if kept:
        text = text.rstrip("\n") + "\n\n" + OTHER_SECTIONS + kept
    args.output.write_text(text)
    print("\n".join(targets_table({r["size"]: r for r in results})))
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
