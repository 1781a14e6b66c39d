"""Write a synthetic status site: N incidents over five years, for the benchmark.

    python bench/generate.py 1000 /tmp/site-1000

15 components in 4 groups; incidents with 3-5 updates of realistic text, postmortems on 10 %,
maintenances 10 %, a few still open at the end. Seeded: the same N gives the same files.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

END = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # the benchmark's --now
YEARS = 5
GROUPS = {
    "Storefront": ["storefront", "search", "product-images", "accounts"],
    "Orders": ["checkout", "payments", "order-tracking", "returns"],
    "Messaging": ["email", "sms", "push"],
    "Platform": ["api", "webhooks", "dashboard", "cdn"],
}
COMPONENTS = [c for members in GROUPS.values() for c in members]
PROBLEMS = [
    ("Elevated error rate", "Some requests fail with an error"),
    ("Slow responses", "Pages and API calls take several seconds"),
    ("Delayed processing", "Jobs are queued longer than usual"),
    ("Partial outage", "A share of customers cannot use the service"),
    ("Login failures", "Some customers cannot sign in"),
]
CAUSES = [
    "a database failover that did not complete",
    "an expired certificate at a provider",
    "a configuration change that we have rolled back",
    "a traffic spike from a single client",
    "a faulty release that we have reverted",
]
NOW_TEXT = END.isoformat()


def incident_text(rng: random.Random, index: int, start: datetime) -> str:
    component = rng.choice(COMPONENTS)
    problem, symptom = rng.choice(PROBLEMS)
    cause = rng.choice(CAUSES)
    state = rng.choice(["degraded_performance", "partial_outage", "major_outage"])
    impact = {"degraded_performance": "minor", "partial_outage": "major"}.get(state, "critical")
    steps = rng.randint(3, 5)
    is_open = start > END - timedelta(hours=6)
    lines = [
        f"title: {problem} on {component} (#{index})",
        f"impact: {impact}",
        f"started: {(start - timedelta(minutes=rng.randint(0, 30))).isoformat()}",
        "components:",
        f"  {component}: {state}",
        "updates:",
    ]
    statuses = ["investigating", "identified", "monitoring", "monitoring", "resolved"]
    chosen = [*statuses[: steps - 1], "resolved"]
    if is_open:
        chosen = chosen[:-1]
    moment = start
    for position, status in enumerate(chosen):
        moment += timedelta(minutes=rng.randint(5, 45))
        if moment > END:
            break
        text = {
            "investigating": f"{symptom}. We are investigating and will update within 30 minutes.",
            "identified": f"We found the cause: {cause}. A fix is on its way.",
            "monitoring": "The fix is in place; we are watching error rates before closing this.",
            "resolved": f"{symptom.split(' ')[0]} requests work normally again. Nothing was lost.",
        }[status]
        lines += [
            f"  - at: {moment.isoformat()}",
            f"    status: {status}",
            f"    message: {json.dumps(text)}",
        ]
        if status == "identified" and position:
            lines.append("    components:")
            lines.append(f"      {component}: partial_outage")
    if not is_open and rng.random() < 0.10:
        lines += [
            "postmortem: |",
            "  ## What happened",
            f"  {symptom} for {rng.randint(10, 90)} minutes because of {cause}.",
            "  ## What we changed",
            "  - An alert on the condition that caused it.",
            "  - A test in the release pipeline that would have caught it.",
        ]
    return "\n".join(lines) + "\n"


def maintenance_text(rng: random.Random, index: int, start: datetime) -> str:
    component = rng.choice(COMPONENTS)
    end = start + timedelta(hours=rng.choice([1, 2, 3]))
    announced = start - timedelta(days=rng.randint(2, 10))
    lines = [
        f"title: Planned maintenance of {component} (#{index})",
        "type: maintenance",
        "window:",
        f"  start: {start.isoformat()}",
        f"  end: {end.isoformat()}",
        "components:",
        f"  {component}: under_maintenance",
        "updates:",
        f"  - at: {announced.isoformat()}",
        "    status: scheduled",
        f"    message: We will upgrade {component}. Expect short interruptions.",
    ]
    if end < END:
        lines += [
            f"  - at: {start.isoformat()}",
            "    status: in_progress",
            "    message: The maintenance has started.",
            f"  - at: {end.isoformat()}",
            "    status: completed",
            "    message: The maintenance is complete.",
        ]
    return "\n".join(lines) + "\n"


def config_text() -> str:
    lines = [
        "title: Benchmark Shop Status",
        "base_url: https://status.bench.example",
        "language: en",
        "timezone: Europe/Paris",
        "contact:",
        "  email: support@bench.example",
        "  response_promise: We answer within 8 hours.",
        "components:",
    ]
    for group, members in GROUPS.items():
        for component in members:
            lines += [
                f"  - id: {component}",
                f"    name: {component.title()}",
                f"    group: {group}",
            ]
    return "\n".join(lines) + "\n"


def generate(count: int, root: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    folder = root / "incidents"
    folder.mkdir(parents=True, exist_ok=True)
    (root / "statuspage.yaml").write_text(config_text(), encoding="utf-8")
    span = timedelta(days=365 * YEARS)
    for index in range(count):
        # Spread evenly over five years, jittered, so the newest few are still open.
        start = END - span + span * (index + rng.random() * 0.5) / count
        start = start.replace(second=0, microsecond=0)
        if rng.random() < 0.10:
            text = maintenance_text(rng, index, start)
        else:
            text = incident_text(rng, index, start)
        name = f"{start.date().isoformat()}-event-{index:05d}.yaml"
        (folder / name).write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("root", type=Path)
    args = parser.parse_args()
    generate(args.count, args.root)


if __name__ == "__main__":
    main()
