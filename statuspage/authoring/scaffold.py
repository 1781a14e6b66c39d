"""`statuspage init`: the files of a new status site."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

from statuspage import __version__
from statuspage.authoring.source import WHEELS_DIR, InstallSource, detect
from statuspage.inputs.clock import isoformat_local
from statuspage.inputs.config import CONFIG_NAME
from statuspage.inputs.diagnostics import StatuspageError
from statuspage.inputs.load import INCIDENTS_DIR

# Editors that read `yaml-language-server` modelines (VS Code's YAML extension, Neovim, Helix,
# JetBrains) complete keys and flag typos from these JSON Schemas, which `init` copies into
# the site. `statuspage validate` stays the authority.
SCHEMAS_DIR = "schemas"
CONFIG_SCHEMA = "statuspage.schema.json"
INCIDENT_SCHEMA = "incident.schema.json"


def schema_text(name: str) -> str:
    """A JSON Schema shipped in the package (statuspage/schemas/)."""
    return (resources.files("statuspage") / "schemas" / name).read_text(encoding="utf-8")


def modeline(path: Path, root: Path, schema: str) -> str:
    """The first line of a file written at `path`, naming the site's copy of `schema` for
    editors; empty if the site has no copy (made before there were schemas)."""
    target = root / SCHEMAS_DIR / schema
    if not target.is_file():
        return ""
    relative = Path(os.path.relpath(target, path.parent)).as_posix()
    return f"# yaml-language-server: $schema={relative}\n"


_CONFIG = """\
# yaml-language-server: $schema=schemas/statuspage.schema.json
# The configuration of your status page. Reference: docs/configuration.md
title: Example Status
base_url: https://status.example.com     # where the site is published (absolute)
language: en                              # en, fr, ru or zh
timezone: {timezone}                      # times without an offset are read in this zone
contact:                                  # shown on every page and in every e-mail
  email: support@example.com
  url: https://example.com/help
  response_promise: We answer every message within one business day.
components:                               # ids are [a-z0-9-]+ and stable forever
  - id: website
    name: Website
    description: Pages, search and sign-in
  - id: api
    name: API
    group: Platform
  - id: webhooks
    name: Webhooks
    group: Platform
theme: default
postmortem_due_days: 7                    # major and critical incidents owe a postmortem
stale_after: 24h                          # an open incident without an update for longer: a warning
"""

_EXAMPLE = """\
# yaml-language-server: $schema=../schemas/incident.schema.json
# An example incident, to show the format (docs/incidents.md).
# Delete this file before your first commit: once published, incidents are never deleted,
# only retracted with `retracted: <reason>`.
title: Slow responses from the API
impact: minor
started: {started}                      # when trouble began, if before the first update
components:
  api: degraded_performance
updates:
  - at: {first}
    status: investigating
    message: Some API requests take several seconds. We are looking into it.
    next_update: 30m
  - at: {second}
    status: identified
    message: A database index was missing after last night's release; we are adding it back.
  - at: {third}
    status: resolved
    message: |
      Response times are back to normal since {resolved_local}.
      No requests were lost; slow requests completed.
"""

_GITIGNORE = """\
# Built site: made by `statuspage build`, never committed; and the site of the build before,
# kept beside it so that the next build changes only what changed.
/site/
/.site.spare/
# Private state: subscribers (personal data) and caches.
/.statuspage/
"""


# The ledger is append-only; CI commits it back with `git pull --rebase`, and a union merge
# keeps both sides' lines instead of stopping at a conflict (docs/notices.md).
_GITATTRIBUTES = """\
notices.ledger merge=union
notices.ledger.d/* merge=union
"""

WORKFLOW_PATH = ".github/workflows/statuspage.yml"
DEPENDABOT_PATH = ".github/dependabot.yml"
REQUIREMENTS_PATH = "requirements.txt"
DEFAULT_SCHEDULE = "*/15 * * * *"
DEPLOYS = ("branch", "pages")

# The actions the workflow uses, pinned by commit (a tag can be moved; a commit cannot), with
# the release each commit is. All run on Node 24. Dependabot (DEPENDABOT_PATH) proposes updates.
ACTIONS = {
    "checkout": ("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "setup-python": ("actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "cache": ("actions/cache", "27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5"),
    "upload-artifact": (
        "actions/upload-artifact",
        "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f",
        "v7.0.0",
    ),
    "upload-pages-artifact": (
        "actions/upload-pages-artifact",
        "fc324d3547104276b827a68afc52ff2a11cc49c9",
        "v5.0.0",
    ),
    "deploy-pages": ("actions/deploy-pages", "cd2ce8fcbc39b97be8ca5fce6e763baed58fa128", "v5.0.0"),
}

_DEPENDABOT = """\
# Proposes updates of the actions the workflow pins by commit, and of the statuspage
# release in requirements.txt (made by `statuspage init`; docs/workflow.md).
version: 2
updates:
  - package-ecosystem: github-actions
    directory: /
    schedule:
      interval: weekly
  - package-ecosystem: pip
    directory: /
    schedule:
      interval: weekly
"""

_REQUIREMENTS = """\
# The statuspage CI installs (made by `statuspage init`: {reason}).
# The same as on your machine, so CI publishes what you previewed.
{requirement}
"""

# The GitHub Actions loop (docs/workflow.md). Words in <angle brackets> are filled in by
# `workflow`; the rest is literal (GitHub's own ${{ }} syntax).
_WORKFLOW = """\
# The status page's CI loop (made by `statuspage init`; docs/workflow.md):
#   pull request -> validate, errors shown on the lines of the changed files;
#   push to main, <when>by hand -> validate, build, deploy to GitHub Pages,
#   e-mail notices, and commit the notice ledger back.
<schedule-comment>#
# <deploy-comment>
# Secrets for e-mail (Settings > Secrets and variables > Actions), all optional:
#   STATUSPAGE_SMTP_URL      smtp://user:password@smtp.example.com:587
#   STATUSPAGE_LEDGER_KEY    a long random string, e.g. from: openssl rand -hex 32
#   STATUSPAGE_SUBSCRIBERS   the subscriber list (.statuspage/subscribers.json), never committed
#   STATUSPAGE_DATABASE_URL  instead of the list: the subscription service's database
#                            (postgresql://user:password@host/db), where customers subscribe
#                            themselves; notices and their ledger then live there (write
#                            statuspage-git[service] in requirements.txt; docs/subscriptions.md)
# requirements.txt says which statuspage runs; actions are pinned by commit, with their
# version in a comment; .github/dependabot.yml proposes updates of both.
name: statuspage

on:
  pull_request:
  push:
    branches: [main]
<schedule>  workflow_dispatch:

jobs:
  validate:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    timeout-minutes: 10
    permissions:
      contents: read
    steps:
      - uses: <checkout>
        with:
          fetch-depth: 0  # history: a deleted incident file is an error
          persist-credentials: false
      - uses: <setup-python>
        with:
          python-version: "3.13"
          cache: pip
          cache-dependency-path: requirements.txt
      - run: python -m pip install -r requirements.txt
      - name: Validate
        run: statuspage validate --format github

  publish:
    if: github.event_name != 'pull_request'
    runs-on: ubuntu-latest
    timeout-minutes: 20
    permissions:
<permissions>    concurrency:
      group: statuspage-publish  # one at a time: never two senders of the same notice
      cancel-in-progress: false
<environment>    steps:
      - uses: <checkout>
        with:
          fetch-depth: 0  # history: deleted incident files, edits of published updates
      - uses: <setup-python>
        with:
          python-version: "3.13"
          cache: pip
          cache-dependency-path: requirements.txt
      - run: python -m pip install -r requirements.txt
      - name: Keep the walk of the history between runs
        # Plain JSON data (edits of published updates, deleted files), written by runs on
        # main only; a run walks just the commits since. Never the build caches (pickles).
        uses: <cache>
        with:
          path: |
            .statuspage/cache/history-state.json
            .statuspage/cache/history-edits.json
          key: statuspage-history-${{ github.sha }}
          restore-keys: statuspage-history-
      - name: Git identity for the commits below
        run: |
          git config user.name "github-actions[bot]"
          git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
      - name: Validate
        run: statuspage validate --format github
      - name: Build
        run: statuspage build
<deploy>      - name: Send e-mail notices
        id: notify
        env:
          STATUSPAGE_SMTP_URL: ${{ secrets.STATUSPAGE_SMTP_URL }}
          STATUSPAGE_LEDGER_KEY: ${{ secrets.STATUSPAGE_LEDGER_KEY }}
          STATUSPAGE_SUBSCRIBERS: ${{ secrets.STATUSPAGE_SUBSCRIBERS }}
          STATUSPAGE_DATABASE_URL: ${{ secrets.STATUSPAGE_DATABASE_URL }}
        run: |
          if [ -z "$STATUSPAGE_SMTP_URL" ]; then
            echo "::notice::No STATUSPAGE_SMTP_URL secret: no e-mail notices sent."
            exit 0
          fi
          if [ -n "$STATUSPAGE_SUBSCRIBERS" ]; then
            mkdir -p .statuspage
            (umask 077 && printf '%s\\n' "$STATUSPAGE_SUBSCRIBERS" > .statuspage/subscribers.json)
          fi
          statuspage notify
      - name: Commit the notice ledger
        # Also after a failed or partial run: the ledger says what was sent, so the next
        # run sends the rest and nothing twice.
        id: ledger
        if: ${{ !cancelled() && steps.notify.outcome != 'skipped' }}
        run: |
          [ -f notices.ledger ] || exit 0
          git add notices.ledger
          [ ! -d notices.ledger.d ] || git add -A notices.ledger.d
          git diff --cached --quiet && exit 0
          git commit -m "Record sent notices [skip ci]"
          for wait in 5 15 45; do
            git pull --rebase --quiet origin "$GITHUB_REF_NAME" &&
              git push --quiet origin "HEAD:$GITHUB_REF_NAME" && exit 0
            sleep "$wait"
          done
          echo "::error::notices.ledger could not be pushed; commit the notices-ledger artifact"
          exit 1
      - name: Keep the ledger that could not be pushed
        if: ${{ failure() && steps.ledger.outcome == 'failure' }}
        uses: <upload-artifact>
        with:
          name: notices-ledger
          path: |
            notices.ledger
            notices.ledger.d/
"""

_DEPLOY_BRANCH = """\
      - name: Deploy to GitHub Pages
        run: statuspage deploy git:gh-pages
"""

_DEPLOY_PAGES = """\
      - name: Hand the site to GitHub Pages
        uses: <upload-pages-artifact>
        with:
          path: site/
      - name: Deploy to GitHub Pages
        id: pages
        uses: <deploy-pages>
"""

_PERMISSIONS = {
    "branch": """\
      contents: write  # push gh-pages and the notice ledger
""",
    "pages": """\
      contents: write  # push the notice ledger
      pages: write  # deploy to GitHub Pages
      id-token: write  # which GitHub Pages checks
""",
}

_DEPLOY_COMMENT = {
    "branch": 'Settings > Pages: "Deploy from a branch", branch gh-pages, folder / (root).',
    "pages": 'Settings > Pages: Source "GitHub Actions" (upload-pages-artifact, deploy-pages).',
}

_CRON_FIELD = re.compile(r"[0-9*/,-]+")
_EVERY_N_MINUTES = re.compile(r"\*/([0-9]+) \* \* \* \*")


def check_schedule(schedule: str) -> str:
    """A cron line of five fields, or "" for no schedule; raises ValueError otherwise."""
    schedule = " ".join(schedule.split())
    if schedule in ("", "off", "none"):
        return ""
    fields = schedule.split(" ")
    if len(fields) != 5 or not all(_CRON_FIELD.fullmatch(field) for field in fields):
        raise ValueError(f"{schedule!r} is not a cron line of five fields, such as '*/15 * * * *'")
    return schedule


def _schedule_comment(schedule: str) -> str:
    if not schedule:
        return (
            "# No schedule: maintenance windows change state on the page at the next push\n"
            "# (statuspage init --schedule '*/15 * * * *' writes one).\n"
        )
    every = _EVERY_N_MINUTES.fullmatch(schedule)
    cost = ""
    if every and int(every.group(1)) > 0:
        minutes = 30 * 24 * 60 // int(every.group(1))
        cost = f"# At this schedule that is about {minutes:,} runner minutes a month.\n"
    return (
        f"# The schedule ({schedule}) moves maintenance windows on the clock (in progress,\n"
        "# completed) without a commit, and warns of stale notices (an open incident without\n"
        "# an update for longer than stale_after). Each run bills at least one minute: free in\n"
        "# public repositories, while a private one gets 2,000 free minutes a month.\n"
        f"{cost}"
        "# GitHub may start scheduled runs some minutes late, and disables the schedule of a\n"
        "# public repository after 60 days without activity. Change it here or with\n"
        "# statuspage init --schedule (docs/workflow.md).\n"
    )


def workflow(*, schedule: str = DEFAULT_SCHEDULE, deploy: str = "branch") -> str:
    """The text of the CI workflow: `schedule` a cron line ("" for none), `deploy` one of
    DEPLOYS (a gh-pages branch, or GitHub's Pages actions)."""
    if deploy not in DEPLOYS:
        raise ValueError(f"deploy must be one of {', '.join(DEPLOYS)}, not {deploy!r}")
    schedule = check_schedule(schedule)
    parts = {
        "<when>": "on a schedule, or " if schedule else "or ",
        "<schedule-comment>": _schedule_comment(schedule),
        "<deploy-comment>": _DEPLOY_COMMENT[deploy],
        "<schedule>": f'  schedule:\n    - cron: "{schedule}"\n' if schedule else "",
        "<permissions>": _PERMISSIONS[deploy],
        "<environment>": (
            "    environment:\n"
            "      name: github-pages\n"
            "      url: ${{ steps.pages.outputs.page_url }}\n"
            if deploy == "pages"
            else ""
        ),
        "<deploy>": _DEPLOY_PAGES if deploy == "pages" else _DEPLOY_BRANCH,
    }
    text = _WORKFLOW
    for marker, value in parts.items():
        text = text.replace(marker, value)
    for name, (repository, commit, version) in ACTIONS.items():
        text = text.replace(f"<{name}>", f"{repository}@{commit}  # {version}")
    return text


def init_site(
    directory: Path,
    *,
    now: datetime,
    timezone: str = "UTC",
    schedule: str = DEFAULT_SCHEDULE,
    deploy: str = "branch",
    install: InstallSource | None = None,
) -> list[Path]:
    """Write a new site into `directory`; refuses to touch an existing one. `install` is
    where its CI gets statuspage from (default: as `source.detect` finds)."""
    from zoneinfo import ZoneInfo

    config_path = directory / CONFIG_NAME
    if os.path.lexists(config_path):  # a link, even one to nowhere, is not written through
        raise StatuspageError(f"{config_path} already exists; not overwriting it")
    workflow_text = workflow(schedule=schedule, deploy=deploy)
    if install is None:
        install = detect(__version__)
    zone = ZoneInfo(timezone)
    start = (now - timedelta(days=1)).replace(second=0, microsecond=0)
    resolved = start + timedelta(minutes=75)
    example_name = f"{start.astimezone(zone).date().isoformat()}-slow-api.yaml"
    files: dict[Path, str | bytes] = {config_path: _CONFIG.format(timezone=timezone)}
    optional: dict[Path, str | bytes] = {
        directory / INCIDENTS_DIR / example_name: _EXAMPLE.format(
            started=isoformat_local(start - timedelta(minutes=8), zone),
            first=isoformat_local(start, zone),
            second=isoformat_local(start + timedelta(minutes=12), zone),
            third=isoformat_local(resolved, zone),
            resolved_local=resolved.astimezone(zone).strftime("%H:%M"),
        ),
        directory / SCHEMAS_DIR / CONFIG_SCHEMA: schema_text(CONFIG_SCHEMA),
        directory / SCHEMAS_DIR / INCIDENT_SCHEMA: schema_text(INCIDENT_SCHEMA),
        directory / ".gitignore": _GITIGNORE,
        directory / ".gitattributes": _GITATTRIBUTES,
        directory / WORKFLOW_PATH: workflow_text,
        directory / DEPENDABOT_PATH: _DEPENDABOT,
        directory / REQUIREMENTS_PATH: _REQUIREMENTS.format(
            reason=install.reason, requirement=install.requirement
        ),
    }
    if install.wheel is not None:
        optional[directory / WHEELS_DIR / install.wheel.name] = install.wheel.read_bytes()
    files.update({path: text for path, text in optional.items() if not os.path.lexists(path)})
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        with open(path, "xb") as file:  # new files only: never through a link put there
            file.write(data)
    return sorted(files)
