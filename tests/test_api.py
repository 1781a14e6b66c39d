"""The Statuspage-compatible JSON API: checked against our JSON Schema (with formats), by
content, and read by `statuscheck`, a client written for Atlassian Statuspage pages."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from statuspage.inputs.model import Site
from tests.machine_site import (
    CANCELLED,
    IN_PROGRESS,
    NOW,
    OPEN,
    RESOLVED,
    RETRACTED,
    UPCOMING,
    build_machine_site,
)
from tests.sites import REPO_ROOT
from tests.tools import missing_tool

SCHEMAS = REPO_ROOT / "schemas"
ENDPOINTS = {
    "summary.json": "summary",
    "status.json": "status_endpoint",
    "components.json": "components",
    "incidents.json": "incidents",
    "incidents/unresolved.json": "incidents_unresolved",
    "scheduled-maintenances.json": "scheduled_maintenances",
    "scheduled-maintenances/upcoming.json": "scheduled_maintenances_upcoming",
    "scheduled-maintenances/active.json": "scheduled_maintenances_active",
}


def load(site: Path, endpoint: str) -> Any:
    return json.loads((site / "api" / "v2" / endpoint).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_machine_site(tmp_path_factory.mktemp("machine-api"))


@pytest.fixture(scope="module")
def validators() -> dict[str, Draft202012Validator]:
    """A validator per endpoint (and api/uptime.json), checking formats too."""
    checker = FormatChecker()
    # Without the jsonschema[format] extras these formats would pass unchecked.
    assert {"date-time", "date", "uri"} <= set(checker.checkers)
    schemas = {
        name: json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
        for name in ("statuspage-v2.schema.json", "uptime.schema.json")
    }
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )
    v2 = schemas["statuspage-v2.schema.json"]["$id"]
    result = {
        endpoint: Draft202012Validator(
            {"$ref": f"{v2}#/$defs/{name}"}, registry=registry, format_checker=checker
        )
        for endpoint, name in ENDPOINTS.items()
    }
    result["uptime"] = Draft202012Validator(
        schemas["uptime.schema.json"], registry=registry, format_checker=checker
    )
    return result


def check(validator: Draft202012Validator, document: Any) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


@pytest.mark.parametrize("which", ["demo", "machine"])
def test_every_endpoint_matches_the_schema(
    which: str,
    request: pytest.FixtureRequest,
    validators: dict[str, Draft202012Validator],
) -> None:
    site: Path = request.getfixturevalue("built_demo" if which == "demo" else "machine")
    for endpoint in ENDPOINTS:
        check(validators[endpoint], load(site, endpoint))
    uptime = json.loads((site / "api" / "uptime.json").read_text(encoding="utf-8"))
    check(validators["uptime"], uptime)


def test_schema_rejects_what_statuspage_clients_would_not_accept(
    machine: Path, validators: dict[str, Draft202012Validator]
) -> None:
    """The schema has teeth: a wrong enum, a bad date, a missing field each fail."""
    summary = load(machine, "summary.json")
    broken: list[Callable[[dict[str, Any]], None]] = [
        lambda d: d["components"][0].update(status="down"),
        lambda d: d["incidents"][0].update(created_at="10 March 2026"),
        lambda d: d["page"].pop("time_zone"),
        lambda d: d["status"].update(description="Everything is fine"),
        lambda d: d["incidents"][0].update(status="resolved"),  # not unresolved
        lambda d: d["incidents"][0].update(shortlink="not a url"),
    ]
    for breaking in broken:
        document = json.loads(json.dumps(summary))
        breaking(document)
        assert list(validators["summary.json"].iter_errors(document)), breaking


def test_files_are_deterministic_json_with_sorted_keys(machine: Path, tmp_path: Path) -> None:
    again = build_machine_site(tmp_path, "again")
    for path in sorted((machine / "api").rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        document = json.loads(text)
        expected = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
        assert text == expected, path
        assert (again / path.relative_to(machine)).read_text(encoding="utf-8") == text


def test_summary_of_the_test_site(machine: Path) -> None:
    summary = load(machine, "summary.json")
    assert summary["status"] == {"indicator": "critical", "description": "Major System Outage"}
    assert summary["page"] == {
        "id": "status.test.example",
        "name": "Test Shop Status",
        "url": "https://status.test.example",
        "time_zone": "Europe/Paris",
        "updated_at": "2026-03-10T11:30:00.000+01:00",
    }
    components = {c["id"]: c for c in summary["components"]}
    assert list(components) == ["web", "group-orders", "checkout", "payments", "api"]
    assert [c["position"] for c in summary["components"]] == [1, 2, 3, 4, 5]
    assert components["api"]["status"] == "major_outage"
    assert components["checkout"]["status"] == "under_maintenance"
    assert components["checkout"]["group_id"] == "group-orders"
    group = components["group-orders"]
    assert group["group"] is True and group["components"] == ["checkout", "payments"]
    assert group["status"] == "under_maintenance"  # the worst of its members
    assert [i["id"] for i in summary["incidents"]] == [OPEN]
    assert [(m["id"], m["status"]) for m in summary["scheduled_maintenances"]] == [
        (IN_PROGRESS, "in_progress"),
        (UPCOMING, "scheduled"),
    ]


def test_incident_fields(machine: Path) -> None:
    incident = load(machine, "incidents/unresolved.json")["incidents"][0]
    assert incident["id"] == OPEN
    assert incident["name"] == "API errors"
    assert incident["status"] == "identified"
    assert incident["impact"] == "major"
    assert incident["shortlink"] == f"https://status.test.example/incidents/{OPEN}/"
    assert incident["created_at"] == incident["started_at"] == "2026-03-10T11:00:00.000+01:00"
    assert incident["updated_at"] == "2026-03-10T11:30:00.000+01:00"
    assert incident["resolved_at"] is None and incident["monitoring_at"] is None
    assert [c["id"] for c in incident["components"]] == ["api"]
    updates = incident["incident_updates"]
    assert [u["id"] for u in updates] == [f"{OPEN}.1", f"{OPEN}.0"]  # newest first
    assert updates[0]["body"] == "A bad deploy. We are rolling it back."
    assert updates[0]["affected_components"] == [
        {
            "code": "api",
            "name": "Public API",
            "old_status": "partial_outage",
            "new_status": "major_outage",
        }
    ]
    assert updates[1]["affected_components"][0]["old_status"] == "operational"
    assert all(u["incident_id"] == OPEN for u in updates)


def test_lists_follow_statuspage_definitions(machine: Path) -> None:
    incidents = {i["id"]: i for i in load(machine, "incidents.json")["incidents"]}
    assert set(incidents) == {OPEN, RESOLVED, RETRACTED}
    resolved = incidents[RESOLVED]
    assert resolved["status"] == "resolved"
    assert resolved["resolved_at"] == "2026-02-10T10:00:00.000+01:00"
    retracted = incidents[RETRACTED]
    assert retracted["retracted"] == "A monitoring probe misfired; checkout was fine."
    assert retracted["impact"] == "none" and retracted["components"] == []
    assert "retracted" not in resolved
    maintenances = {
        m["id"]: m for m in load(machine, "scheduled-maintenances.json")["scheduled_maintenances"]
    }
    assert set(maintenances) == {IN_PROGRESS, UPCOMING, CANCELLED}
    # Statuspage has no "cancelled": the maintenance is completed, its last update says why.
    cancelled = maintenances[CANCELLED]
    assert cancelled["status"] == "completed"
    assert cancelled["incident_updates"][0]["body"] == "Cancelled; payments stay open."
    upcoming = load(machine, "scheduled-maintenances/upcoming.json")["scheduled_maintenances"]
    assert [m["id"] for m in upcoming] == [UPCOMING]
    assert upcoming[0]["scheduled_for"] == "2026-03-21T02:00:00.000+01:00"  # rescheduled
    assert upcoming[0]["scheduled_until"] == "2026-03-21T04:00:00.000+01:00"
    active = load(machine, "scheduled-maintenances/active.json")["scheduled_maintenances"]
    assert [m["id"] for m in active] == [IN_PROGRESS]
    assert active[0]["impact"] == "maintenance"


def test_maintenance_moves_with_the_clock(tmp_path: Path) -> None:
    """After its window, the maintenance in progress is completed without a new update."""
    site = build_machine_site(tmp_path, now=NOW + timedelta(hours=2))
    assert load(site, "scheduled-maintenances/active.json")["scheduled_maintenances"] == []
    done = {
        m["id"]: m for m in load(site, "scheduled-maintenances.json")["scheduled_maintenances"]
    }[IN_PROGRESS]
    assert done["status"] == "completed"
    assert done["resolved_at"] == done["updated_at"] == "2026-03-10T13:00:00.000+01:00"
    summary = load(site, "summary.json")
    assert summary["status"]["indicator"] == "critical"  # the API incident is still open
    assert {c["id"]: c["status"] for c in summary["components"]}["checkout"] == "operational"


def test_demo_api_matches_the_model(built_demo: Path, demo_site: Site) -> None:
    summary = load(built_demo, "summary.json")
    assert summary["status"]["indicator"] == demo_site.indicator.value
    statuses = {c["id"]: c["status"] for c in summary["components"] if not c["group"]}
    assert statuses == {k: v.value for k, v in demo_site.component_statuses.items()}
    incidents = load(built_demo, "incidents.json")["incidents"]
    assert len(incidents) == len([i for i in demo_site.incidents if not i.is_maintenance])
    ids = [u["id"] for i in incidents for u in i["incident_updates"]]
    assert len(ids) == len(set(ids))
    upcoming = load(built_demo, "scheduled-maintenances/upcoming.json")
    assert [m["id"] for m in upcoming["scheduled_maintenances"]] == [
        i.id for i in demo_site.upcoming
    ]


def test_uptime_figures_are_the_bars(machine: Path) -> None:
    from statuspage.inputs.load import load_site_or_raise
    from statuspage.outputs.uptime import daily_uptime

    uptime = json.loads((machine / "api" / "uptime.json").read_text(encoding="utf-8"))
    site = load_site_or_raise(machine.parent / "src", now=NOW, check_git=False)
    api = {c["id"]: c for c in uptime["components"]}
    assert list(api) == ["web", "checkout", "payments", "api"]
    days = daily_uptime(site, "api", 90)
    assert len(api["api"]["days"]) == 90
    today = api["api"]["days"][-1]
    assert today["date"] == "2026-03-10" == days[-1].day.isoformat()
    # Partial outage 11:00-11:30 (30 % of 30 min) then major outage 11:30-12:00.
    assert today["partial_outage_minutes"] == 30
    assert today["major_outage_minutes"] == 30
    assert today["downtime_minutes"] == 39
    assert today["measured_minutes"] == 12 * 60
    assert today["worst_status"] == "major_outage"
    assert today["incidents"] == [OPEN]


# --------------------------------------------------------------------------- statuscheck


def statuscheck_api(base_url: str) -> Any:
    """statuscheck's Statuspage reader, pointed at our summary.json on 127.0.0.1."""
    if importlib.util.find_spec("statuscheck") is None:
        missing_tool("statuscheck is not installed; run: pip install --no-deps statuscheck")
    from statuscheck.services.bases._statuspageio import BaseStatusPageAPI

    class LocalPage(BaseStatusPageAPI):  # type: ignore[misc]
        name = "Test Shop"
        status_url = base_url

        def _get_base_url(self) -> str:
            return f"{base_url}api/v2/"

    return LocalPage()


def test_statuscheck_reads_our_summary(
    machine: Path,
    serve: Callable[[Path], str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    base_url = serve(machine)
    page = statuscheck_api(base_url)
    summary = page.get_summary()
    assert summary.status.code == "critical"
    assert summary.status.name == "Critical incident"
    assert summary.status.description == "Major System Outage"
    assert summary.status.is_ok is False
    assert [(c.id, c.status) for c in summary.components] == [
        ("web", "Operational"),
        ("group-orders", "Under maintenance"),
        ("checkout", "Under maintenance"),
        ("payments", "Operational"),
        ("api", "Major outage"),
    ]
    assert [(i.id, i.name, i.status) for i in summary.incidents] == [
        (OPEN, "API errors", "identified"),
        (IN_PROGRESS, "Database maintenance", "in_progress"),
        (UPCOMING, "Network upgrade", "scheduled"),
    ]
    assert [(c.name, c.status) for c in summary.incidents[0].components] == [
        ("Public API", "Major outage")
    ]
    # Its command-line printer too (it uses click, which we run at version 8).
    page._print_summary(verbose=True)
    out = capsys.readouterr().out
    assert "Current Test Shop status: Critical incident" in out
    assert "- [identified] API errors" in out
    assert "    - Public API [Major outage]" in out
    assert f"More: {base_url}" in out


def test_statuscheck_reads_the_demo(built_demo: Path, serve: Callable[[Path], str]) -> None:
    summary = statuscheck_api(serve(built_demo)).get_summary()
    assert summary.status.is_ok is True
    assert summary.status.description == "All Systems Operational"
    assert len(summary.components) == 11  # 8 components in 3 groups
    assert [i.name for i in summary.incidents] == [
        "Database upgrade (checkout and merchant dashboard paused)"
    ]
