"""The maintenance calendars, read back with the icalendar library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from statuspage.inputs.model import Site
from tests.machine_site import (
    CANCELLED,
    IN_PROGRESS,
    NOW,
    UPCOMING,
    build_machine_site,
)


def read(path: Path) -> Calendar:
    calendar = Calendar.from_ical(path.read_bytes())
    for component in calendar.walk():
        assert not component.errors, f"{path}: {component.name}: {component.errors}"
    return calendar


def events(path: Path) -> dict[str, Any]:
    """VEVENTs by UID, each checked for the properties every event must have."""
    found = {}
    for event in read(path).walk("VEVENT"):
        assert "UID" in event and "DTSTAMP" in event, event
        for key in ("DTSTAMP", "DTSTART", "DTEND"):
            moment = event.decoded(key)
            assert isinstance(moment, datetime) and moment.utcoffset() == timedelta(0), key
        found[str(event["UID"])] = event
    return found


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_machine_site(tmp_path_factory.mktemp("machine-ical"))


def test_demo_calendars_parse(built_demo: Path, demo_site: Site) -> None:
    found = events(built_demo / "maintenance.ics")
    maintenances = [i for i in demo_site.incidents if i.is_maintenance]
    assert set(found) == {f"{i.id}@status.acme.example" for i in maintenances}
    for incident in maintenances:
        event = found[f"{incident.id}@status.acme.example"]
        window = incident.current_window
        assert window is not None
        assert event.decoded("DTSTART") == window.start
        assert event.decoded("DTEND") == window.end
        assert event.decoded("DTSTAMP") == incident.last_update.at
        assert str(event["URL"]) == f"https://status.acme.example/incidents/{incident.id}/"
    for component in demo_site.config.components:
        mine = events(built_demo / "components" / component.id / "maintenance.ics")
        expected = {
            f"{i.id}@status.acme.example"
            for i in maintenances
            if component.id in i.affected_components
        }
        assert set(mine) == expected


def test_demo_cancelled_maintenance(built_demo: Path) -> None:
    event = events(built_demo / "maintenance.ics")[
        "2026-08-20-payment-provider-migration@status.acme.example"
    ]
    assert event["STATUS"] == "CANCELLED"


def test_status_sequence_and_window(machine: Path) -> None:
    found = events(machine / "maintenance.ics")
    assert set(found) == {f"{i}@status.test.example" for i in (IN_PROGRESS, UPCOMING, CANCELLED)}
    progress = found[f"{IN_PROGRESS}@status.test.example"]
    upcoming = found[f"{UPCOMING}@status.test.example"]
    cancelled = found[f"{CANCELLED}@status.test.example"]
    assert progress["STATUS"] == "CONFIRMED" and progress["SEQUENCE"] == 0
    # Rescheduled once: a higher SEQUENCE, and the new window.
    assert upcoming["STATUS"] == "CONFIRMED" and upcoming["SEQUENCE"] == 1
    assert upcoming.decoded("DTSTART") == datetime(2026, 3, 21, 1, 0, tzinfo=UTC)
    assert upcoming.decoded("DTEND") == datetime(2026, 3, 21, 3, 0, tzinfo=UTC)
    assert upcoming["SEQUENCE"] > progress["SEQUENCE"]
    assert "Moved by one day" in str(upcoming["DESCRIPTION"])  # the latest update
    assert cancelled["STATUS"] == "CANCELLED"
    # Our maintenance does not make subscribers look busy in their own calendar.
    assert {str(event["TRANSP"]) for event in found.values()} == {"TRANSPARENT"}
    assert str(cancelled["SUMMARY"]) == "Cancelled: Payments migration"
    assert "Cancelled; payments stay open." in str(cancelled["DESCRIPTION"])
    per_component = events(machine / "components" / "checkout" / "maintenance.ics")
    assert set(per_component) == {f"{IN_PROGRESS}@status.test.example"}
    assert events(machine / "components" / "web" / "maintenance.ics").keys() == {
        f"{UPCOMING}@status.test.example"
    }


def test_reschedule_bumps_sequence_and_keeps_uid(tmp_path: Path) -> None:
    before = events(build_machine_site(tmp_path, "before") / "maintenance.ics")
    source = tmp_path / "src" / "incidents" / f"{UPCOMING}.yaml"
    with source.open("a", encoding="utf-8") as file:
        file.write(
            "  - at: 2026-03-10T11:55:00+01:00\n"
            "    status: scheduled\n"
            "    message: Moved again, one hour later.\n"
            "    window:\n"
            "      start: 2026-03-21T03:00:00+01:00\n"
            "      end: 2026-03-21T05:00:00+01:00\n"
        )
    after = events(build_machine_site(tmp_path, "after") / "maintenance.ics")
    assert after.keys() == before.keys()
    uid = f"{UPCOMING}@status.test.example"
    assert after[uid]["SEQUENCE"] == before[uid]["SEQUENCE"] + 1 == 2
    assert after[uid].decoded("DTSTART") == datetime(2026, 3, 21, 2, 0, tzinfo=UTC)


def test_calendar_bytes_do_not_depend_on_the_clock(tmp_path: Path) -> None:
    first = build_machine_site(tmp_path, "first")
    later = build_machine_site(tmp_path, "later", now=NOW + timedelta(minutes=30))
    for path in sorted(first.rglob("*.ics")):
        assert (later / path.relative_to(first)).read_bytes() == path.read_bytes(), path
