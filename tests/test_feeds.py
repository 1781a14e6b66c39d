"""The Atom and RSS feeds, read back with feedparser (a real feed reader's parser)."""

from __future__ import annotations

import shutil
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest

from statuspage.inputs.model import Site
from tests.machine_site import (
    BASE_URL,
    CANCELLED,
    IN_PROGRESS,
    NOW,
    OPEN,
    RESOLVED,
    RETRACTED,
    UPCOMING,
    build_machine_site,
)

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(path: Path) -> Any:
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, f"{path.name}: {feed.get('bozo_exception')}"
    return feed


def when(parsed: time.struct_time) -> datetime:
    return datetime(*parsed[:6], tzinfo=UTC)


def feed_paths(site: Path) -> list[Path]:
    return sorted([*site.glob("*.atom"), *site.glob("*.rss"), *site.glob("components/*/*.atom")])


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_machine_site(tmp_path_factory.mktemp("machine"))


# --------------------------------------------------------------------------- the demo


def test_every_demo_feed_parses_without_errors(built_demo: Path, demo_site: Site) -> None:
    paths = feed_paths(built_demo)
    names = {p.relative_to(built_demo).as_posix() for p in paths}
    expected = {"history.atom", "history.rss", "updates.atom"}
    expected |= {f"components/{c.id}/history.atom" for c in demo_site.config.components}
    assert names == expected
    for path in paths:
        feed = parse(path)
        assert feed.version in ("atom10", "rss20"), path
        assert feed.feed.title.startswith("Acme Shop Status – ")


def test_demo_history_entries_match_the_incidents(built_demo: Path, demo_site: Site) -> None:
    config = demo_site.config
    for name in ("history.atom", "history.rss"):
        feed = parse(built_demo / name)
        incidents = {
            f"tag:status.acme.example,2026:incident/{i.id}": i for i in demo_site.incidents
        }
        assert len(feed.entries) == len(demo_site.incidents)  # fewer than 50 in the demo
        seen = []
        for entry in feed.entries:
            incident = incidents[entry.id]
            seen.append(incident.id)
            title = incident.title.get(config.language)
            if incident.retracted is not None:
                assert entry.title == f"Retracted: {title}"
            else:
                assert entry.title == title
            assert entry.link == f"https://status.acme.example/incidents/{incident.id}/"
            assert when(entry.published_parsed) == incident.first_update.at
            if name.endswith(".atom"):
                assert when(entry.updated_parsed) == incident.last_update.at
                assert entry.author_detail == {
                    "name": "Acme Shop Status",
                    "email": "support@acme.example",
                    "href": "https://acme.example/help",
                }
        # Most recently updated first.
        last = [demo_site.by_id[i].last_update.at for i in seen]
        assert last == sorted(last, reverse=True)
    atom = parse(built_demo / "history.atom")
    newest = max(u.at for i in demo_site.incidents for u in i.updates)
    assert when(atom.feed.updated_parsed) == newest
    assert atom.feed.id == "tag:status.acme.example,2026:history"
    rss = parse(built_demo / "history.rss")
    assert rss.feed.link == "https://status.acme.example/history/"


def test_demo_entry_body_lists_every_update_newest_first(built_demo: Path, demo_site: Site) -> None:
    feed = parse(built_demo / "history.atom")
    entry = next(e for e in feed.entries if e.id.endswith("/2026-11-20-checkout-errors"))
    html = entry.content[0].value
    words = ["Resolved", "Monitoring", "Identified", "Investigating"]
    positions = [html.index(f"<strong>{word}</strong>") for word in words]
    assert positions == sorted(positions)
    assert "Nov 20, 2026, 3:10\u202fPM CET" in html  # the time, in the site's zone
    assert "<strong>not charged</strong>" in html  # Markdown rendered


def test_demo_postmortem_comes_first(built_demo: Path) -> None:
    feed = parse(built_demo / "history.atom")
    entry = next(e for e in feed.entries if e.id.endswith("/2026-08-06-shop-unavailable"))
    html = entry.content[0].value
    assert html.startswith("<p><strong>Postmortem</strong></p>\n<h2>What happened</h2>")
    assert html.index("applied a configuration change") < html.index("<strong>Resolved</strong>")


def test_demo_maintenance_entry_starts_with_its_window(built_demo: Path) -> None:
    feed = parse(built_demo / "history.atom")
    entry = next(e for e in feed.entries if e.id.endswith("/2026-12-03-database-upgrade"))
    assert entry.content[0].value.startswith(
        "<p><strong>Scheduled for Dec 3, 2026, 11:00\u202fPM CET to Dec 4, 2026, 1:30\u202fAM CET"
    )


def test_demo_updates_feed_has_one_entry_per_update(built_demo: Path, demo_site: Site) -> None:
    feed = parse(built_demo / "updates.atom")
    expected = {
        f"tag:status.acme.example,2026:incident/{i.id}/update/{u.index}": (i, u)
        for i in demo_site.incidents
        for u in i.updates
    }
    assert [e.id for e in feed.entries] and {e.id for e in feed.entries} == set(expected)
    for entry in feed.entries:
        incident, update = expected[entry.id]
        assert when(entry.updated_parsed) == update.at
        assert entry.link == f"https://status.acme.example/incidents/{incident.id}/"
        assert entry.title.endswith(incident.title.get("en"))
    times = [when(e.updated_parsed) for e in feed.entries]
    assert times == sorted(times, reverse=True)


def test_demo_component_feed_holds_only_its_incidents(built_demo: Path, demo_site: Site) -> None:
    feed = parse(built_demo / "components/search/history.atom")
    expected = {i.id for i in demo_site.incidents if "search" in i.affected_components}
    assert {e.id.rsplit("/", 1)[1] for e in feed.entries} == expected
    assert expected  # the demo has search incidents
    assert feed.feed.link == "https://status.acme.example/components/search/"


# --------------------------------------------------------------------------- test site


def test_machine_site_feeds_parse(machine: Path) -> None:
    for path in feed_paths(machine):
        parse(path)


def test_retracted_incident_keeps_its_entry_with_the_reason(machine: Path) -> None:
    for name in ("history.atom", "history.rss"):
        entry = next(e for e in parse(machine / name).entries if e.id.endswith(RETRACTED))
        assert entry.title == "Retracted: Checkout failing"
        assert "A monitoring probe misfired; checkout was fine." in entry.description


def test_untrusted_text_stays_text(machine: Path) -> None:
    """The feed's HTML (before any reader sanitises it) holds no script and no javascript:."""
    root = ET.parse(machine / "history.atom").getroot()
    entry = next(
        e for e in root.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}id", "").endswith(RESOLVED)
    )
    html = entry.findtext(f"{ATOM}content") or ""
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html and 'href="javascript:' not in html
    assert '<a href="https://test.example/help" rel="noopener noreferrer nofollow">' in html
    assert entry.findtext(f"{ATOM}title") == "Website slow <b>really</b>"  # plain text title


def test_machine_feeds_cover_every_kind(machine: Path) -> None:
    feed = parse(machine / "history.atom")
    ids = [e.id.rsplit("/", 1)[1] for e in feed.entries]
    assert set(ids) == {OPEN, IN_PROGRESS, UPCOMING, CANCELLED, RESOLVED, RETRACTED}
    upcoming = next(e for e in feed.entries if e.id.endswith(UPCOMING))
    # The window as rescheduled, not as first announced.
    assert "Scheduled for Mar 21, 2026, 2:00\u202fAM CET to Mar 21, 2026, 4:00\u202fAM CET" in (
        upcoming.content[0].value
    )
    api = parse(machine / "components/api/history.atom")
    assert {e.id.rsplit("/", 1)[1] for e in api.entries} == {OPEN, UPCOMING}
    updates = parse(machine / "updates.atom")
    assert updates.entries[0].title == "Identified: API errors"


def test_feeds_are_identical_across_builds_and_clocks(tmp_path: Path) -> None:
    """Same inputs, same bytes; a later clock with nothing new changes no feed either."""
    first = build_machine_site(tmp_path, "first")
    second = build_machine_site(tmp_path, "second")
    later = build_machine_site(tmp_path, "later", now=NOW + timedelta(hours=5))
    for path in feed_paths(first):
        relative = path.relative_to(first)
        assert (second / relative).read_bytes() == path.read_bytes(), relative
        assert (later / relative).read_bytes() == path.read_bytes(), relative


def test_ids_survive_an_appended_update(tmp_path: Path) -> None:
    before = build_machine_site(tmp_path, "before")
    old_history = {e.id: e for e in parse(before / "history.atom").entries}
    old_updates = {e.id for e in parse(before / "updates.atom").entries}

    source = tmp_path / "src" / "incidents" / f"{OPEN}.yaml"
    with source.open("a", encoding="utf-8") as file:
        file.write(
            "  - at: 2026-03-10T11:50:00+01:00\n"
            "    status: monitoring\n"
            "    message: The rollback is done; we are watching.\n"
        )
    after = build_machine_site(tmp_path, "after")
    new_history = {e.id: e for e in parse(after / "history.atom").entries}
    new_updates = [e.id for e in parse(after / "updates.atom").entries]

    assert set(new_history) == set(old_history)
    changed = new_history[f"tag:status.test.example,2026:incident/{OPEN}"]
    assert when(changed.updated_parsed) == datetime(2026, 3, 10, 10, 50, tzinfo=UTC)
    assert "The rollback is done" in changed.content[0].value
    assert set(new_updates) - old_updates == {
        f"tag:status.test.example,2026:incident/{OPEN}/update/2"
    }
    assert new_updates[0].endswith(f"{OPEN}/update/2")
    shutil.rmtree(after)


def test_site_under_a_path_gets_its_own_ids(tmp_path: Path) -> None:
    from tests.machine_site import write_machine_site
    from tests.sites import BASE_CONFIG

    src = write_machine_site(tmp_path / "src")
    config = BASE_CONFIG.replace(BASE_URL, "https://test.example/status")
    (src / "statuspage.yaml").write_text(config, encoding="utf-8")
    out = build_machine_site(tmp_path, "out")
    feed = parse(out / "history.atom")
    assert feed.feed.id == "tag:test.example,2026:status/history"
    assert all(e.id.startswith("tag:test.example,2026:status/incident/") for e in feed.entries)
    assert feed.entries[0].link.startswith("https://test.example/status/incidents/")


def test_feeds_hold_the_newest_50_incidents_and_200_updates(tmp_path: Path) -> None:
    from statuspage.inputs.load import load_site_or_raise
    from statuspage.outputs import feeds
    from tests.machine_site import write_output
    from tests.sites import write_site as write_source

    incidents = {}
    for n in range(60):
        day = datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(days=n)
        steps = ["investigating", "identified", "monitoring", "resolved"]
        updates = "".join(
            f"  - at: {(day + timedelta(minutes=10 * k)).isoformat()}\n"
            f"    status: {status}\n"
            f"    message: Step {k}.\n"
            for k, status in enumerate(steps)
        )
        incidents[f"incident-{n:02d}"] = (
            f"title: Incident {n}\nimpact: minor\ncomponents: {{web: degraded_performance}}\n"
            f"updates:\n{updates}"
        )
    src = write_source(tmp_path / "src", incidents)
    site = load_site_or_raise(src, now=datetime(2026, 3, 10, tzinfo=UTC), check_git=False)
    write_output(feeds.generate(site), tmp_path / "out")
    history = parse(tmp_path / "out" / "history.atom")
    assert len(history.entries) == 50
    assert history.entries[0].id.endswith("incident-59")
    assert history.entries[-1].id.endswith("incident-10")
    assert len(parse(tmp_path / "out" / "history.rss").entries) == 50
    updates = parse(tmp_path / "out" / "updates.atom")
    assert len(updates.entries) == 200
    assert updates.entries[0].id.endswith("incident-59/update/3")
    assert updates.entries[-1].id.endswith("incident-10/update/0")
    assert len(parse(tmp_path / "out" / "components" / "web" / "history.atom").entries) == 50
