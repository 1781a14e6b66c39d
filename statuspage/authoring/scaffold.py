"""`statuspage init`: the files of a new status site."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from statuspage import __version__
from statuspage.inputs.clock import isoformat_local
from statuspage.inputs.config import CONFIG_NAME
from statuspage.inputs.diagnostics import StatuspageError
from statuspage.inputs.load import INCIDENTS_DIR

_CONFIG = """\
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
# Built site: made by `statuspage build`, never committed.
/site/
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

# The GitHub Actions loop (docs/workflow.md). `{version}` is this statuspage's version, so CI
# runs what the operator tried locally; the rest is literal (GitHub's own ${{ }} syntax).
_WORKFLOW = """\
# The status page's CI loop (made by `statuspage init`; docs/workflow.md):
#   pull request -> validate, errors shown on the lines of the changed files;
#   push to main, every 15 minutes, or by hand -> validate, build, deploy to GitHub Pages,
#   e-mail notices, and commit the notice ledger back.
# The schedule moves maintenance windows on the clock (in progress, completed) without a
# commit, and warns of stale notices (an open incident without an update for longer than
# stale_after); GitHub may start scheduled runs some minutes late.
#
# Settings > Pages: "Deploy from a branch", branch gh-pages, folder / (root).
# Secrets for e-mail (Settings > Secrets and variables > Actions), all optional:
#   STATUSPAGE_SMTP_URL      smtp://user:password@smtp.example.com:587
#   STATUSPAGE_LEDGER_KEY    a long random string, e.g. from: openssl rand -hex 32
#   STATUSPAGE_SUBSCRIBERS   the subscriber list (.statuspage/subscribers.json), never committed
name: statuspage

on:
  pull_request:
  push:
    branches: [main]
  schedule:
    - cron: "*/15 * * * *"
  workflow_dispatch:

env:
  STATUSPAGE_VERSION: "{version}"

jobs:
  validate:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # history: a deleted incident file is an error
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: python -m pip install "statuspage-git==$STATUSPAGE_VERSION"
      - name: Validate
        run: statuspage validate --format github

  publish:
    if: github.event_name != 'pull_request'
    runs-on: ubuntu-latest
    permissions:
      contents: write  # push gh-pages and the notice ledger
    concurrency:
      group: statuspage-publish  # one at a time: never two senders of the same notice
      cancel-in-progress: false
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # history: deleted incident files, edits of published updates
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: python -m pip install "statuspage-git==$STATUSPAGE_VERSION"
      - name: Keep the walk of the history between runs
        # Plain JSON data (edits of published updates, deleted files), written by runs on
        # main only; a run walks just the commits since. Never the build caches (pickles).
        uses: actions/cache@v4
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
      - name: Deploy to GitHub Pages
        run: statuspage deploy git:gh-pages
      - name: Send e-mail notices
        id: notify
        env:
          STATUSPAGE_SMTP_URL: ${{ secrets.STATUSPAGE_SMTP_URL }}
          STATUSPAGE_LEDGER_KEY: ${{ secrets.STATUSPAGE_LEDGER_KEY }}
          STATUSPAGE_SUBSCRIBERS: ${{ secrets.STATUSPAGE_SUBSCRIBERS }}
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
        uses: actions/upload-artifact@v4
        with:
          name: notices-ledger
          path: |
            notices.ledger
            notices.ledger.d/
"""


def init_site(directory: Path, *, now: datetime, timezone: str = "UTC") -> list[Path]:
    """Write a new site into `directory`; refuses to touch an existing one."""
    from zoneinfo import ZoneInfo

    config_path = directory / CONFIG_NAME
    if config_path.exists():
        raise StatuspageError(f"{config_path} already exists; not overwriting it")
    zone = ZoneInfo(timezone)
    start = (now - timedelta(days=1)).replace(second=0, microsecond=0)
    resolved = start + timedelta(minutes=75)
    example_name = f"{start.astimezone(zone).date().isoformat()}-slow-api.yaml"
    files = {
        config_path: _CONFIG.format(timezone=timezone),
        directory / INCIDENTS_DIR / example_name: _EXAMPLE.format(
            started=isoformat_local(start - timedelta(minutes=8), zone),
            first=isoformat_local(start, zone),
            second=isoformat_local(start + timedelta(minutes=12), zone),
            third=isoformat_local(resolved, zone),
            resolved_local=resolved.astimezone(zone).strftime("%H:%M"),
        ),
    }
    gitignore = directory / ".gitignore"
    if not gitignore.exists():
        files[gitignore] = _GITIGNORE
    gitattributes = directory / ".gitattributes"
    if not gitattributes.exists():
        files[gitattributes] = _GITATTRIBUTES
    workflow = directory / WORKFLOW_PATH
    if not workflow.exists():
        files[workflow] = _WORKFLOW.replace("{version}", __version__)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(files)
