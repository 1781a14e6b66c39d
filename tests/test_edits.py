"""Visible edits (design §4): a published update changed in a later commit shows "edited"
with its time and the earlier wording, on the page, in the API and in the feeds. Every test
works on a real git repository."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import feedparser
import pytest
from click.testing import CliRunner

from statuspage.builder.engine import Builder
from statuspage.cli import cli
from statuspage.inputs import history
from statuspage.inputs.clock import utc_now
from statuspage.inputs.load import load_site, load_site_or_raise
from statuspage.inputs.model import Site
from statuspage.notify.ledger import KEY_ENV
from statuspage.notify.send import Report, notify
from statuspage.notify.store import Store
from statuspage.notify.subscribers import Subscriber, SubscriberStore
from tests.mailserver import smtp_server
from tests.tools import axe_violations, format_axe, format_vnu, open_page, vnu_errors

if TYPE_CHECKING:
    from playwright.sync_api import Browser
from tests.notify_sites import NOTIFY_CONFIG, SECRET
from tests.sites import DEMO_NOW, REPO_ROOT, at, write_site
from tests.test_pages import text_of

NOW = "2026-03-10T12:00:00+01:00"

CHECKOUT = """\
title: Checkout errors
impact: major
components: {checkout: major_outage}
updates:
  - at: 2026-03-10T09:00:00+01:00
    status: investigating
    message: Some payments fail. Orders were not charged.
"""
SECOND = """\
  - at: 2026-03-10T09:40:00+01:00
    status: identified
    message: A faulty certificate.
"""


def git(root: Path, *args: str, when: str = "2026-03-10T09:05:00+01:00", check: bool = True) -> str:
    """Runs git in `root`, the commit (if any) made at `when`."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Operator",
        "GIT_AUTHOR_EMAIL": "ops@test.example",
        "GIT_COMMITTER_NAME": "Operator",
        "GIT_COMMITTER_EMAIL": "ops@test.example",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
    }
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=check, env=env
    )
    return done.stdout.strip()


def commit_all(root: Path, message: str, when: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message, when=when)


def published(root: Path) -> Path:
    """A site whose checkout incident was committed at 09:05."""
    write_site(root, {"checkout": CHECKOUT})
    (root / ".gitignore").write_text("/site/\n/.statuspage/\n")
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "Checkout errors", "2026-03-10T09:05:00+01:00")
    return root


def edit(root: Path, old: str, new: str, name: str = "checkout.yaml") -> None:
    path = root / "incidents" / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def load(root: Path, now: str = NOW) -> Site:
    result = load_site(root, now=at(now))
    assert result.site is not None, result.errors
    return result.site


def edits_of(site: Site, incident: str = "checkout") -> list[list[tuple[str, str, bool]]]:
    """Per update: (edit time, earlier message, typo fix) for each edit."""
    return [
        [(e.at.isoformat(), e.before.message.default, e.typo_fix) for e in update.edits]
        for update in site.by_id[incident].updates
    ]


def test_unchanged_history_has_no_edits(tmp_path: Path) -> None:
    root = published(tmp_path)
    (root / "incidents" / "checkout.yaml").write_text(CHECKOUT + SECOND)
    commit_all(root, "Identified", "2026-03-10T09:45:00+01:00")  # appending is no edit
    assert edits_of(load(root)) == [[], []]


def test_edit_after_publication_on_page_api_and_feeds(tmp_path: Path) -> None:
    root = published(tmp_path)
    edit(root, "Orders were not charged.", "Some orders were charged twice.")
    commit_all(root, "Correct the first update", "2026-03-10T10:15:00+01:00")
    site = load(root)
    assert edits_of(site) == [
        [("2026-03-10T09:15:00+00:00", "Some payments fail. Orders were not charged.", False)]
    ]
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["build", "--root", str(root), "--now", NOW])
    assert result.exit_code == 0, result.output
    page = (out / "incidents/checkout/index.html").read_text()
    text = text_of(page)
    assert "Some payments fail. Some orders were charged twice." in text
    assert "Edited Mar 10, 2026, 10:15 AM CET" in text
    assert (
        "Earlier wording Until Mar 10, 2026, 10:15 AM CET: Investigating Mar 10, 2026, 9:00 AM "
        "CET Some payments fail. Orders were not charged." in text
    )
    assert "<details" in page and "<script" not in page
    api = json.loads((out / "api/v2/incidents.json").read_text())
    (update,) = api["incidents"][0]["incident_updates"]
    assert update["edited_at"] == "2026-03-10T10:15:00.000+01:00"
    assert update["updated_at"] == "2026-03-10T10:15:00.000+01:00"
    assert update["created_at"] == "2026-03-10T09:00:00.000+01:00"
    assert api["incidents"][0]["updated_at"] == "2026-03-10T10:15:00.000+01:00"
    for name in ("history.atom", "updates.atom", "components/checkout/history.atom"):
        feed = feedparser.parse((out / name).read_bytes())
        (entry,) = feed.entries
        assert entry.updated == "2026-03-10T09:15:00+00:00", name
        assert entry.published == "2026-03-10T08:00:00+00:00", name
    rss = feedparser.parse((out / "history.rss").read_bytes())
    assert "Edited Mar 10, 2026" in rss.entries[0].summary


def test_typo_fix_is_marked(tmp_path: Path) -> None:
    root = published(tmp_path)
    edit(root, "were not", "were not\n    deliver_notifications: false\n    #")
    (root / "incidents/checkout.yaml").write_text(
        CHECKOUT.replace("payments", "paymnets") + "    deliver_notifications: false\n"
    )
    commit_all(root, "Typo", "2026-03-10T09:20:00+01:00")
    site = load(root)
    assert edits_of(site) == [
        [("2026-03-10T08:20:00+00:00", "Some payments fail. Orders were not charged.", True)]
    ]
    result = CliRunner().invoke(cli, ["build", "--root", str(root), "--now", NOW])
    assert result.exit_code == 0, result.output
    page = text_of((root / "site/incidents/checkout/index.html").read_text())
    assert "Edited Mar 10, 2026, 9:20 AM CET (a typo fix)" in page


def test_status_time_and_components_count_as_edits(tmp_path: Path) -> None:
    root = published(tmp_path)
    edit(root, "09:00:00", "08:30:00")
    commit_all(root, "Earlier", "2026-03-10T10:00:00+01:00")
    edit(root, "major_outage", "partial_outage")
    commit_all(root, "Milder", "2026-03-10T10:30:00+01:00")  # the incident's, not the update's
    edit(root, "status: investigating", "status: identified")
    commit_all(root, "Status", "2026-03-10T11:00:00+01:00")
    site = load(root)
    update = site.by_id["checkout"].updates[0]
    assert [e.at.isoformat() for e in update.edits] == [
        "2026-03-10T09:00:00+00:00",
        "2026-03-10T10:00:00+00:00",
    ]
    assert update.edits[0].before.at.isoformat() == "2026-03-10T08:00:00+00:00"
    assert update.edits[1].before.status == "investigating"


def test_reformatting_is_no_edit(tmp_path: Path) -> None:
    root = published(tmp_path)
    edit(
        root,
        "message: Some payments fail. Orders were not charged.",
        "message: |\n      Some payments fail. Orders were not charged.\n    # reformatted",
    )
    commit_all(root, "Block style", "2026-03-10T10:00:00+01:00")
    assert edits_of(load(root)) == [[]]


def test_adding_a_translation_is_no_edit_but_changing_one_is(tmp_path: Path) -> None:
    root = published(tmp_path)
    edit(
        root,
        "message: Some payments fail. Orders were not charged.",
        "message:\n      en: Some payments fail. Orders were not charged.\n"
        "      fr: Des paiements échouent.",
    )
    commit_all(root, "In French too", "2026-03-10T09:30:00+01:00")
    assert edits_of(load(root)) == [[]]
    edit(root, "fr: Des paiements échouent.", "fr: Tous les paiements échouent.")
    commit_all(root, "Reword the French", "2026-03-10T09:45:00+01:00")
    (update,) = load(root).by_id["checkout"].updates
    assert [e.before.message.get("fr") for e in update.edits] == ["Des paiements échouent."]


def test_edit_inside_a_merge_commit(tmp_path: Path) -> None:
    root = published(tmp_path)
    git(root, "checkout", "-q", "-b", "side")
    (root / "incidents/checkout.yaml").write_text(CHECKOUT + SECOND)
    commit_all(root, "Identified", "2026-03-10T09:45:00+01:00")
    git(root, "checkout", "-q", "main")
    write_site(root, {"other": CHECKOUT.replace("Checkout errors", "Other")})
    commit_all(root, "Another incident", "2026-03-10T09:50:00+01:00")
    git(root, "merge", "-q", "--no-commit", "side", when="2026-03-10T10:05:00+01:00")
    edit(root, "A faulty certificate.", "An expired certificate.")  # while merging
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Merge side", when="2026-03-10T10:05:00+01:00")
    assert len(git(root, "log", "-1", "--format=%P").split()) == 2
    assert edits_of(load(root)) == [
        [],
        [("2026-03-10T09:05:00+00:00", "A faulty certificate.", False)],
    ]


def test_edit_on_a_merged_branch(tmp_path: Path) -> None:
    root = published(tmp_path)
    git(root, "checkout", "-q", "-b", "fix")
    edit(root, "Orders were not charged.", "No order was charged.")
    commit_all(root, "Reword", "2026-03-10T09:30:00+01:00")
    git(root, "checkout", "-q", "main")
    write_site(root, {"other": CHECKOUT.replace("Checkout errors", "Other")})
    commit_all(root, "Another incident", "2026-03-10T09:35:00+01:00")
    git(root, "merge", "-q", "--no-edit", "fix", when="2026-03-10T09:40:00+01:00")
    assert edits_of(load(root)) == [
        [("2026-03-10T08:30:00+00:00", "Some payments fail. Orders were not charged.", False)]
    ]


def test_edit_across_a_rename(tmp_path: Path) -> None:
    root = published(tmp_path)
    git(root, "mv", "incidents/checkout.yaml", "incidents/checkout.yml")
    commit_all(root, "Rename", "2026-03-10T09:30:00+01:00")
    edit(root, "Orders were not charged.", "No order was charged.", name="checkout.yml")
    commit_all(root, "Reword", "2026-03-10T09:45:00+01:00")
    assert edits_of(load(root)) == [
        [("2026-03-10T08:45:00+00:00", "Some payments fail. Orders were not charged.", False)]
    ]


def test_uncommitted_edit_is_an_edit_at_the_build_clock(tmp_path: Path) -> None:
    root = published(tmp_path)
    edit(root, "Orders were not charged.", "No order was charged.")
    assert edits_of(load(root)) == [
        [("2026-03-10T11:00:00+00:00", "Some payments fail. Orders were not charged.", False)]
    ]


def test_shallow_clone_says_once_that_edits_cannot_be_checked(tmp_path: Path) -> None:
    root = published(tmp_path / "origin")
    edit(root, "Orders were not charged.", "No order was charged.")
    commit_all(root, "Reword", "2026-03-10T09:45:00+01:00")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{root}", str(clone))
    built = subprocess.run(
        [sys.executable, "-m", "statuspage", "build", "--root", str(clone), "--now", NOW],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    said = (
        "a shallow clone: edits of published updates cannot be checked; fetch the whole "
        "history (git fetch --unshallow, or fetch-depth: 0 in CI)"
    )
    assert built.stderr.count(said) == 1
    assert "Edited" not in (clone / "site/incidents/checkout/index.html").read_text()
    git(clone, "fetch", "-q", "--unshallow")
    assert edits_of(load(clone)) == [
        [("2026-03-10T08:45:00+00:00", "Some payments fail. Orders were not charged.", False)]
    ]


def test_not_a_checkout_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write_site(tmp_path, {"checkout": CHECKOUT})
    with caplog.at_level(logging.WARNING):
        load(tmp_path)
    assert caplog.messages == ["not a git checkout: edits of published updates cannot be checked"]


def test_the_walk_goes_on_from_its_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = published(tmp_path)
    edit(root, "Orders were not charged.", "No order was charged.")
    commit_all(root, "Reword", "2026-03-10T09:45:00+01:00")
    first = edits_of(load(root))
    cache = root / history.CACHE_DIR
    state = json.loads((cache / history.STATE_FILE).read_text())
    assert state["head"] == git(root, "rev-parse", "HEAD")
    (root / "incidents/checkout.yaml").write_text(
        (root / "incidents/checkout.yaml").read_text() + SECOND
    )
    commit_all(root, "Identified", "2026-03-10T09:50:00+01:00")
    edit(root, "A faulty certificate.", "An expired certificate.")
    commit_all(root, "Reword again", "2026-03-10T09:55:00+01:00")
    walked: list[str] = []
    real_walk = history._walk

    def walk(root: Path, state: history._State, since: str, head: str) -> None:
        walked.append(since)
        real_walk(root, state, since, head)

    monkeypatch.setattr(history, "_walk", walk)
    second = edits_of(load(root))
    assert walked == [state["head"]]  # only the two new commits
    assert second[0] == first[0]
    assert second[1] == [("2026-03-10T08:55:00+00:00", "A faulty certificate.", False)]
    assert edits_of(load(root)) == second and len(walked) == 1  # same HEAD: nothing walked
    # A damaged cache is walked again, never trusted.
    entry = {"versions": [], "updates": [[["x", 5, False], ["y", 6, False]]]}
    damaged = {  # well formed, but pointing at versions that are not there
        "format": history.FORMAT,
        "head": state["head"],
        "files": {"incidents/checkout.yaml": json.dumps(entry)},
        "edited": ["incidents/checkout.yaml"],
        "deleted": {},
    }
    (cache / history.STATE_FILE).write_text(json.dumps(damaged))
    (cache / history.EDITS_FILE).write_text("not json")
    assert edits_of(load(root)) == second and walked[-1] == ""
    # Rewritten history (the cached HEAD is gone): walked again from the start.
    git(root, "commit", "--amend", "-qm", "Reword again, amended", when="2026-03-10T09:56:00+01:00")
    assert edits_of(load(root))[1] == [
        ("2026-03-10T08:56:00+00:00", "A faulty certificate.", False)
    ]
    assert walked[-1] == ""


def test_a_cache_committed_to_the_repository_is_never_trusted(tmp_path: Path) -> None:
    root = published(tmp_path)
    parent = git(root, "rev-parse", "HEAD")
    # A pull request that rewords a published update and commits a cache saying that the
    # history up to its parent holds nothing: walking on from it would miss the edit.
    edit(root, "Orders were not charged.", "No order was charged.")
    forged = root / history.CACHE_DIR / history.STATE_FILE
    forged.parent.mkdir(parents=True)
    forged.write_text(
        json.dumps({"format": history.FORMAT, "head": parent, "files": {}, "deleted": {}})
    )
    git(root, "add", "-f", str(forged))
    commit_all(root, "Reword, with a cache", "2026-03-10T09:45:00+01:00")
    assert edits_of(load(root)) == [
        [("2026-03-10T08:45:00+00:00", "Some payments fail. Orders were not charged.", False)]
    ]
    assert json.loads(forged.read_text())["files"] == {}  # not written over either


def test_incremental_build_follows_a_commit_of_the_same_bytes(tmp_path: Path) -> None:
    root = published(tmp_path)
    edit(root, "Orders were not charged.", "No order was charged.")
    out = tmp_path / "out"
    builder = Builder(root, out)
    builder.build(now=at(NOW))
    page = text_of((out / "incidents/checkout/index.html").read_text())
    assert "Edited Mar 10, 2026, 12:00 PM CET" in page  # not committed yet: the clock
    commit_all(root, "Reword", "2026-03-10T10:30:00+01:00")  # the same bytes, now in git
    Builder(root, out).build(now=at(NOW))
    page = text_of((out / "incidents/checkout/index.html").read_text())
    assert "Edited Mar 10, 2026, 10:30 AM CET" in page


# -- corrections by e-mail ----------------------------------------------------------------

NOTICES = NOTIFY_CONFIG.replace(
    "since: 2026-11-01T00:00:00+01:00", "since: 2026-03-01T00:00:00+01:00"
)


def test_typo_fix_is_not_mailed_and_a_correction_is_mailed_once_in_the_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    root = tmp_path
    write_site(root, {"checkout": CHECKOUT}, config=NOTICES)
    (root / ".gitignore").write_text("/site/\n/.statuspage/\n")
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "Checkout errors", "2026-03-10T09:05:00+01:00")
    store = SubscriberStore(root / ".statuspage" / "subscribers.json")
    store.add(
        [
            Subscriber(email="all@example.com"),
            Subscriber(email="api@example.com", components=("api",)),
        ]
    )

    def run(now: str, port: int) -> Report:
        site = load_site_or_raise(root, now=at(now))
        return notify(
            site, smtp_url=f"smtp://127.0.0.1:{port}", clock=lambda: at(now), reconnect_backoff=0
        )

    with smtp_server() as (recorder, port):
        assert run("2026-03-10T09:10:00+01:00", port).sent == 1  # the original
        late = Subscriber(email="late@example.com", added=at("2026-03-10T09:15:00+01:00"))
        store.add([late])  # never got the original
        edit(root, "payments", "paymnets")
        edit(root, "not charged.", "not charged.\n    deliver_notifications: false")
        commit_all(root, "Typo", "2026-03-10T09:20:00+01:00")
        assert run("2026-03-10T09:25:00+01:00", port).sent == 0  # a typo fix: not mailed
        edit(root, "paymnets", "payments")
        edit(
            root,
            "Orders were not charged.\n    deliver_notifications: false",
            "Some orders were charged twice.",
        )
        commit_all(root, "Correct the first update", "2026-03-10T10:15:00+01:00")
        assert run("2026-03-10T10:20:00+01:00", port).sent == 1
        assert run("2026-03-10T10:25:00+01:00", port).sent == 0  # once
        assert recorder.pairs() == [
            ("checkout/0", "all@example.com"),
            (
                f"checkout/0/correction/{git(root, 'rev-parse', '--short=12', 'HEAD')}",
                "all@example.com",
            ),
        ]
        original, correction = recorder.messages()
    assert correction["Subject"] == "[Test Shop Status] Correction: Checkout errors"
    assert (
        correction["In-Reply-To"]
        == original["Message-ID"]
        == "<checkout.update-0@status.test.example>"
    )
    assert correction["References"] == original["Message-ID"]
    assert correction["Message-ID"].startswith("<checkout.update-0.correction-")
    body = correction.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Some payments fail. Some orders were charged twice." in text
    assert "We corrected this update on Mar 10, 2026, 10:15" in text
    assert "Some paymnets fail. Orders were not charged." in text  # what it said before


# -- the demo -----------------------------------------------------------------------------


def test_demo_shows_one_edited_update_and_no_stale_notice() -> None:
    where = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "--is-shallow-repository"],
        capture_output=True,
        text=True,
        check=False,
    )
    if where.returncode != 0 or where.stdout.strip() != "false":
        pytest.skip("the repository's git history is not here (a tarball or a shallow clone)")
    for now in (DEMO_NOW, utc_now()):
        result = load_site(REPO_ROOT, now=now)
        assert result.site is not None, result.errors
        assert not [w for w in result.warnings if "stale notice" in w.message]
        edited = [
            (incident.id, update.index, edit.before.message.get("en"))
            for incident in result.site.incidents
            for update in incident.updates
            for edit in update.edits
        ]
        assert len(edited) == 1
        incident, index, before = edited[0]
        assert (incident, index) == ("2026-11-20-checkout-errors", 1)
        assert "About half of our checkout servers are already back" in before
        now_text = result.site.by_id[incident].updates[1].message.get("en")
        assert "About a third of our checkout servers are already back" in now_text


def test_correction_with_the_subscription_database(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    config = NOTICES + "subscriptions:\n  url: https://status.test.example/subscriptions\n"
    root = tmp_path / "site"
    write_site(root, {"checkout": CHECKOUT}, config=config)
    (root / ".gitignore").write_text("/site/\n/.statuspage/\n")
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "Checkout errors", "2026-03-10T09:05:00+01:00")
    with Store.open(database) as store:
        early = at("2026-03-01T00:00:00+01:00")
        store.add_confirmed(
            [Subscriber(email="all@example.com", added=early)], consent="test", now=early
        )

    def run(now: str, port: int) -> Report:
        site = load_site_or_raise(root, now=at(now))
        return notify(
            site,
            smtp_url=f"smtp://127.0.0.1:{port}",
            clock=lambda: at(now),
            reconnect_backoff=0,
            database=database,
        )

    with smtp_server() as (recorder, port):
        assert run("2026-03-10T09:10:00+01:00", port).sent == 1
        edit(root, "Orders were not charged.", "Some orders were charged twice.")
        commit_all(root, "Correct the first update", "2026-03-10T10:15:00+01:00")
        assert run("2026-03-10T10:20:00+01:00", port).sent == 1
        assert run("2026-03-10T10:25:00+01:00", port).sent == 0
        notices = [notice for notice, _ in recorder.pairs()]
    assert notices[0] == "checkout/0" and notices[1].startswith("checkout/0/correction/")


def test_a_broken_or_hostile_version_in_history_is_skipped(tmp_path: Path) -> None:
    root = published(tmp_path)
    bomb = "".join(f"x{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 10))
    (root / "incidents/checkout.yaml").write_text("x0: &l0 [lol]\n" + bomb + CHECKOUT)
    commit_all(root, "An alias bomb", "2026-03-10T09:30:00+01:00")
    (root / "incidents/checkout.yaml").write_text(CHECKOUT.replace("Orders", 'Or"ders'))
    commit_all(root, "Fixed, and reworded", "2026-03-10T09:45:00+01:00")
    assert edits_of(load(root)) == [
        [("2026-03-10T08:45:00+00:00", "Some payments fail. Orders were not charged.", False)]
    ]


# -- valid, accessible, no JavaScript -------------------------------------------------------


@pytest.fixture
def edited_and_stale(tmp_path: Path) -> Path:
    """A built site with an edited update and a stale notice; returns the output folder."""
    root = published(tmp_path / "src")
    edit(root, "Orders were not charged.", "Some orders were charged twice.")
    commit_all(root, "Correct the first update", "2026-03-10T10:15:00+01:00")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["build", "--root", str(root), "--out", str(out), "--now", "2026-04-16T09:00:00+02:00"]
    )
    assert result.exit_code == 0, result.output
    page = (out / "incidents/checkout/index.html").read_text()
    assert "Edited" in page and "this notice may be out of date" in page
    return out


@pytest.mark.vnu
def test_edited_and_stale_pages_are_valid_html(edited_and_stale: Path) -> None:
    errors = vnu_errors([edited_and_stale / "index.html", edited_and_stale / "incidents"])
    assert not errors, format_vnu(errors)


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_earlier_wording_opens_without_javascript_and_passes_axe(
    browser: Browser, serve: Callable[[Path], str], edited_and_stale: Path, scheme: str
) -> None:
    url = serve(edited_and_stale)
    context = browser.new_context(java_script_enabled=False, color_scheme=scheme)  # type: ignore[arg-type]
    try:
        page, problems = open_page(context, url + "incidents/checkout/")
        earlier = page.locator("details.earlier")
        assert not page.get_by_text("Orders were not charged.").is_visible()
        earlier.locator("summary").click()
        assert page.get_by_text("Orders were not charged.").is_visible()
        assert not problems.all(), problems.all()
    finally:
        context.close()
    context = browser.new_context(color_scheme=scheme)  # type: ignore[arg-type]
    try:
        for path in ("", "incidents/checkout/"):
            page, _ = open_page(context, url + path)
            page.locator("details.earlier").evaluate_all("(all) => all.forEach(d => d.open = true)")
            violations = axe_violations(page)
            assert not violations, format_axe(violations)
    finally:
        context.close()


# -- branching histories: each change against its own parent -------------------------------


def branched(tmp_path: Path, main_text: str | None, merged_text: str) -> Path:
    """Main holds update 0; branch `fix` rewords it; main meanwhile appends update 1 (and
    rewords update 0 to `main_text`, if given); the merge keeps `merged_text`."""
    root = published(tmp_path)
    git(root, "checkout", "-q", "-b", "fix")
    edit(root, "Orders were not charged.", "No order was charged.")
    commit_all(root, "Reword on a branch", "2026-03-10T09:20:00+01:00")
    git(root, "checkout", "-q", "main")
    path = root / "incidents/checkout.yaml"
    text = CHECKOUT + SECOND
    if main_text is not None:
        text = text.replace("Orders were not charged.", main_text)
    path.write_text(text)
    commit_all(root, "Identified", "2026-03-10T09:40:00+01:00")
    git(root, "merge", "-q", "--no-commit", "fix", when="2026-03-10T10:00:00+01:00", check=False)
    path.write_text((CHECKOUT + SECOND).replace("Orders were not charged.", merged_text))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Merge fix", when="2026-03-10T10:00:00+01:00")
    assert len(git(root, "log", "-1", "--format=%P").split()) == 2
    return root


def test_a_branch_merged_after_main_moved_on_is_one_edit(tmp_path: Path) -> None:
    root = branched(tmp_path, None, "No order was charged.")
    assert edits_of(load(root)) == [
        [("2026-03-10T08:20:00+00:00", "Some payments fail. Orders were not charged.", False)],
        [],
    ]


def test_a_merge_taking_the_branchs_words_shows_the_words_main_had(tmp_path: Path) -> None:
    root = branched(tmp_path, "Orders were charged twice.", "No order was charged.")
    assert edits_of(load(root)) == [
        [
            ("2026-03-10T08:20:00+00:00", "Some payments fail. Orders were not charged.", False),
            ("2026-03-10T08:40:00+00:00", "Some payments fail. Orders were not charged.", False),
            ("2026-03-10T09:00:00+00:00", "Some payments fail. Orders were charged twice.", False),
        ],
        [],
    ]


@pytest.mark.parametrize("main_text", [None, "Orders were charged twice."])
def test_a_walk_from_the_cache_finds_what_a_fresh_walk_finds(
    tmp_path: Path, main_text: str | None
) -> None:
    root = branched(tmp_path, main_text, "No order was charged.")
    fresh = history.History(root, cache=False).find(at(NOW))
    for since in ("main^1", "main^2", "main~2"):  # a cache left by a build at `since`
        shutil.rmtree(root / history.CACHE_DIR, ignore_errors=True)
        git(root, "checkout", "-q", "--detach", since)
        history.History(root).find(at(NOW))
        git(root, "checkout", "-q", "main")
        assert history.History(root).find(at(NOW)) == fresh, since


def test_a_build_asks_git_each_question_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deleted files, HEAD and whether the clone is shallow are looked up once per
    build, not once by the builder and again by the loader."""
    root = published(tmp_path / "site")
    asked: list[tuple[str, ...]] = []
    real = history.run_git

    def counted(where: Path, *args: str, timeout: float | None = None) -> str | None:
        asked.append(args)
        return real(where, *args, timeout=timeout)

    monkeypatch.setattr(history, "run_git", counted)
    builder = Builder(root, tmp_path / "public")
    for now in (NOW, "2026-03-10T12:01:00+01:00"):
        asked.clear()
        builder.build(now=at(now))
        repeated = sorted({args for args in asked if asked.count(args) > 1})
        assert repeated == []


def test_a_correction_after_compaction_reaches_the_original_recipient(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`notify --compact` keeps who got a settled notice: corrections still need it."""
    from statuspage.notify.ledger import Ledger, load_keys

    monkeypatch.setenv(KEY_ENV, SECRET)
    root = tmp_path
    write_site(root, {"checkout": CHECKOUT}, config=NOTICES)
    (root / ".gitignore").write_text("/site/\n/.statuspage/\n")
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "Checkout errors", "2026-03-10T09:05:00+01:00")
    SubscriberStore(root / ".statuspage" / "subscribers.json").add(
        [Subscriber(email="all@example.com")]
    )

    def run(now: str, port: int) -> Report:
        site = load_site_or_raise(root, now=at(now))
        return notify(
            site, smtp_url=f"smtp://127.0.0.1:{port}", clock=lambda: at(now), reconnect_backoff=0
        )

    with smtp_server() as (recorder, port):
        assert run("2026-03-10T09:10:00+01:00", port).sent == 1
        assert run("2026-03-10T09:12:00+01:00", port).sent == 0  # settles checkout/0
        keys = load_keys(root / ".statuspage", create=False)
        assert keys is not None
        with Ledger.open(root / "notices.ledger", keys) as ledger:
            assert "checkout/0" in ledger.state.done
            ledger.compact()
        edit(root, "Orders were not charged.", "Some orders were charged twice.")
        commit_all(root, "Correct the first update", "2026-03-10T10:15:00+01:00")
        assert run("2026-03-10T10:20:00+01:00", port).sent == 1
        assert run("2026-03-10T10:25:00+01:00", port).sent == 0  # once
        pairs = recorder.pairs()
    assert [recipient for _, recipient in pairs] == ["all@example.com"] * 2
    assert pairs[0][0] == "checkout/0" and pairs[1][0].startswith("checkout/0/correction/")
