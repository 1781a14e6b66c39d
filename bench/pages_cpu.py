"""CPU of rendering the pages of a site in one process, by kind of page.

    python bench/pages_cpu.py /tmp/s10000 [rounds]

Loads the site once at the bench clock, then each round makes a new `Renderer` (a new
build: fragments made again) and renders the component pages, the incident pages and the
rest, timing each group with `time.process_time()`. The first round also compiles the
templates (unless the user's cache has them): count the rounds after it.
"""

from __future__ import annotations

import gc
import sys
import time
from datetime import datetime
from pathlib import Path

from statuspage.inputs.load import load_site_or_raise
from statuspage.outputs import pages

NOW = datetime.fromisoformat("2026-11-23T08:00:00+00:00")


def main(root: Path, rounds: int) -> None:
    site = load_site_or_raise(root, now=NOW, check_git=False)
    gc.collect()
    for _ in range(rounds):
        files = list(pages.Renderer(site).pages())
        groups = {
            "component": [f for f in files if f.path.startswith("components/")],
            "incident": [f for f in files if f.path.startswith("incidents/")],
            "other": [f for f in files if not f.path.startswith(("components/", "incidents/"))],
        }
        spent = {}
        for name, group in groups.items():
            start = time.process_time()
            for file in group:
                file.data  # noqa: B018 - rendered when first asked for
            spent[name] = time.process_time() - start
        print(
            f"{root.name}: component {len(groups['component'])} pages "
            f"{1000 * spent['component'] / max(1, len(groups['component'])):.3f} ms/page; "
            f"incident {1000 * spent['incident'] / max(1, len(groups['incident'])):.3f} ms/page; "
            f"all {len(files)} pages {sum(spent.values()):.2f} s"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 3)
