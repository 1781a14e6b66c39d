"""What the model derives: timelines, maintenance by the clock, overall status, promises."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from statuspage.inputs.load import load_site, load_site_or_raise
from statuspage.inputs.model import ComponentStatus, Indicator, Site, UpdateStatus
from tests.sites import at, write_site

CHECKOUT = """\
    title: Checkout errors
    impact: major
    started: 2026-11-20T13:48:00+01:00
    components:
      checkout: major_outage
    updates:
      - at: 2026-11-20T14:02:00+01:00
        status: investigating
        message: Some payments fail.
        next_update: 30m
      - at: 2026-11-20T14:30:00+01:00
        status: identified
        message: A faulty certificate.
        components: {checkout: partial_outage, payments: degraded_performance}
      - at: 2026-11-20T15:10:00+01:00
        status: resolved
        message: All payments work again.
    """

MAINTENANCE = """\
    title: Database upgrade
    type: maintenance
    window:
      start: 2026-12-03T23:00:00+01:00
      end: 2026-12-04T01:00:00+01:00
    components:
      api: under_maintenance
    updates:
      - at: 2026-11-21T10:00:00+01:00
        status: scheduled
        message: Planned.
    """


def site(tmp_path: Path, now: str, **incidents: str) -> Site:
    write_site(tmp_path, {name.replace("_", "-"): text for name, text in incidents.items()})
    return load_site_or_raise(tmp_path, now=at(now), check_git=False)


def test_incident_timeline(tmp_path: Path) -> None:
    s = site(tmp_path, "2026-11-23T08:00:00", checkout=CHECKOUT)
    incident = s.by_id["checkout"]
    assert incident.started_at == at("2026-11-20T12:48:00")
    assert incident.acknowledged_at == at("2026-11-20T13:02:00")
    assert incident.time_to_acknowledge == timedelta(minutes=14)
    assert incident.resolved_at(s.now) == at("2026-11-20T14:10:00")
    assert incident.duration(s.now) == timedelta(minutes=82)
    assert incident.affected_components == ("checkout", "payments")
    periods = [(p.component, p.status, p.start, p.end) for p in incident.component_periods(s.now)]
    assert periods == [
        ("checkout", ComponentStatus.MAJOR_OUTAGE, at("2026-11-20T12:48"), at("2026-11-20T13:30")),
        (
            "checkout",
            ComponentStatus.PARTIAL_OUTAGE,
            at("2026-11-20T13:30"),
            at("2026-11-20T14:10"),
        ),
        (
            "payments",
            ComponentStatus.DEGRADED_PERFORMANCE,
            at("2026-11-20T13:30"),
            at("2026-11-20T14:10"),
        ),
    ]
    assert not incident.is_open(s.now)
    assert s.indicator is Indicator.NONE


def test_open_incident_runs_up_to_the_clock(tmp_path: Path) -> None:
    open_incident = CHECKOUT.rsplit("      - at: 2026-11-20T15:10", 1)[0]
    s = site(tmp_path, "2026-11-20T14:00:00", checkout=open_incident)
    incident = s.by_id["checkout"]
    assert incident.is_open(s.now)
    assert incident.duration(s.now) == timedelta(minutes=72)
    assert s.component_statuses["checkout"] is ComponentStatus.PARTIAL_OUTAGE
    assert s.indicator is Indicator.MAJOR
    assert s.active == (incident,)
    # The last update promised nothing: no deadline.
    assert incident.next_update_due(s.now) is None


def test_promise_overdue_is_a_warning(tmp_path: Path) -> None:
    first_only = CHECKOUT.split("      - at: 2026-11-20T14:30")[0]
    write_site(tmp_path, {"checkout": first_only})
    on_time = load_site(tmp_path, now=at("2026-11-20T13:20:00"), check_git=False)
    assert on_time.site is not None and not on_time.warnings
    late = load_site(tmp_path, now=at("2026-11-20T13:40:00"), check_git=False)
    assert late.site is not None
    assert late.site.by_id["checkout"].next_update_overdue(late.site.now)
    assert [str(w) for w in late.warnings] == [
        "incidents/checkout.yaml:7:5: warning: updates[0].next_update: the next update was "
        "promised by 2026-11-20T14:32:00+01:00 and is overdue; post an update"
    ]
    assert late.site.indicator is Indicator.CRITICAL


def test_postmortem_owed_is_a_warning_after_the_due_date(tmp_path: Path) -> None:
    write_site(tmp_path, {"checkout": CHECKOUT})
    inside = load_site(tmp_path, now=at("2026-11-26T00:00:00"), check_git=False)
    assert inside.site is not None and not inside.warnings
    due = inside.site.by_id["checkout"].postmortem_due(inside.site.now, 7)
    assert due == at("2026-11-27T14:10:00")
    after = load_site(tmp_path, now=at("2026-11-28T00:00:00"), check_git=False)
    assert [str(w) for w in after.warnings] == [
        "incidents/checkout.yaml:1:1: warning: postmortem: a major incident owes a postmortem "
        "since 2026-11-27 (7 days after it was resolved)"
    ]


def test_maintenance_follows_the_clock(tmp_path: Path) -> None:
    before = site(tmp_path / "a", "2026-12-03T21:59:00", db=MAINTENANCE)
    maintenance = before.by_id["db"]
    assert maintenance.status_at(before.now) is UpdateStatus.SCHEDULED
    assert before.upcoming == (maintenance,)
    assert before.indicator is Indicator.NONE
    during = site(tmp_path / "b", "2026-12-03T22:30:00", db=MAINTENANCE)
    assert during.by_id["db"].status_at(during.now) is UpdateStatus.IN_PROGRESS
    assert during.component_statuses["api"] is ComponentStatus.UNDER_MAINTENANCE
    assert during.indicator is Indicator.MAINTENANCE
    after = site(tmp_path / "c", "2026-12-04T00:30:00", db=MAINTENANCE)
    done = after.by_id["db"]
    assert done.status_at(after.now) is UpdateStatus.COMPLETED
    assert done.resolved_at(after.now) == at("2026-12-04T00:00:00")
    assert done.duration(after.now) == timedelta(hours=2)
    assert after.indicator is Indicator.NONE


def test_maintenance_updates_beat_the_clock(tmp_path: Path) -> None:
    overrun = MAINTENANCE.rstrip(" ") + (
        "      - at: 2026-12-04T01:10:00+01:00\n"
        "        status: in_progress\n"
        "        message: Taking longer than planned.\n"
    )
    s = site(tmp_path / "a", "2026-12-04T00:30:00", db=overrun)
    maintenance = s.by_id["db"]
    assert maintenance.status_at(s.now) is UpdateStatus.IN_PROGRESS
    assert maintenance.is_open(s.now) and maintenance.is_active(s.now)
    assert [p.status for p in maintenance.phases(s.now)] == [
        UpdateStatus.SCHEDULED,
        UpdateStatus.IN_PROGRESS,
    ]
    assert s.component_statuses["api"] is ComponentStatus.UNDER_MAINTENANCE
    cancelled = MAINTENANCE.rstrip(" ") + (
        "      - at: 2026-11-25T10:00:00+01:00\n"
        "        status: cancelled\n"
        "        message: Not needed.\n"
    )
    s = site(tmp_path / "b", "2026-12-03T22:30:00", db=cancelled)
    assert s.by_id["db"].status_at(s.now) is UpdateStatus.CANCELLED
    assert s.component_statuses["api"] is ComponentStatus.OPERATIONAL
    assert s.upcoming == ()


def test_rescheduled_window(tmp_path: Path) -> None:
    moved = MAINTENANCE.rstrip(" ") + (
        "      - at: 2026-11-25T10:00:00+01:00\n"
        "        status: scheduled\n"
        "        message: Moved by a day.\n"
        "        window:\n"
        "          start: 2026-12-04T23:00:00+01:00\n"
        "          end: 2026-12-05T01:00:00+01:00\n"
    )
    s = site(tmp_path, "2026-12-03T22:30:00", db=moved)
    maintenance = s.by_id["db"]
    assert maintenance.reschedules == 1
    assert maintenance.current_window is not None
    assert maintenance.current_window.start == at("2026-12-04T22:00:00")
    assert maintenance.status_at(s.now) is UpdateStatus.SCHEDULED


def test_worst_state_wins_and_sets_the_indicator(tmp_path: Path) -> None:
    minor = """\
        title: Slow API
        impact: minor
        components: {api: degraded_performance, checkout: degraded_performance}
        updates:
          - at: 2026-11-20T14:00:00+01:00
            status: investigating
            message: Slow.
        """
    s = site(tmp_path / "a", "2026-11-20T13:30:00", slow=minor)
    assert s.indicator is Indicator.MINOR
    open_checkout = CHECKOUT.rsplit("      - at: 2026-11-20T15:10", 1)[0]
    s = site(tmp_path / "b", "2026-11-20T13:40:00", slow=minor, checkout=open_checkout)
    assert s.component_statuses["checkout"] is ComponentStatus.PARTIAL_OUTAGE
    assert s.component_statuses["api"] is ComponentStatus.DEGRADED_PERFORMANCE
    assert s.indicator is Indicator.MAJOR


def test_retracted_incident_affects_nothing(tmp_path: Path) -> None:
    retracted = CHECKOUT.rsplit("      - at: 2026-11-20T15:10", 1)[0] + (
        "    retracted: A monitoring false alarm; nothing was broken.\n"
    )
    s = site(tmp_path, "2026-11-20T14:00:00", checkout=retracted)
    assert s.indicator is Indicator.NONE
    assert s.active == ()
    assert s.by_id["checkout"].component_periods(s.now) == ()


def test_naive_times_are_read_in_the_site_zone(tmp_path: Path) -> None:
    naive = CHECKOUT.replace("+01:00", "")
    s = site(tmp_path, "2026-11-23T08:00:00", checkout=naive)
    assert s.by_id["checkout"].acknowledged_at == at("2026-11-20T13:02:00")


def test_multilingual_text(tmp_path: Path) -> None:
    text = CHECKOUT.replace(
        "message: Some payments fail.",
        "message:\n          fr: Certains paiements échouent.\n          en: Some payments fail.",
    )
    s = site(tmp_path, "2026-11-23T08:00:00", checkout=text)
    message = s.by_id["checkout"].first_update.message
    assert message.default == "Some payments fail."
    assert message.get("fr") == "Certains paiements échouent."
    assert message.get("ru") == "Some payments fail."
    assert not message.has("ru")


def test_demo_site_loads_cleanly(demo_site: Site) -> None:
    assert len(demo_site.incidents) >= 15
    assert demo_site.indicator is Indicator.NONE
    statuses = {u.status for i in demo_site.incidents for u in i.updates}
    assert statuses == set(UpdateStatus)
    impacts = {i.impact.value for i in demo_site.incidents if not i.is_maintenance}
    assert impacts == {"none", "minor", "major", "critical"}
    assert any(i.retracted for i in demo_site.incidents)
    assert any(i.postmortem for i in demo_site.incidents)
    assert any(i.time_to_acknowledge > timedelta(minutes=30) for i in demo_site.incidents)
    assert [i.id for i in demo_site.upcoming] == ["2026-12-03-database-upgrade"]


def test_a_build_writes_nothing_into_the_frozen_models(tmp_path: Path) -> None:
    """What a build derives at its clock (phases, periods, uptime records) lives in objects
    the build owns (`Site.timelines`, the uptime module's records), never in an incident's
    or the site's `__dict__` beside its fields and its clock-free cached properties."""
    from functools import cached_property

    from statuspage.outputs import generators

    s = site(tmp_path, "2026-12-03T23:30:00", checkout=CHECKOUT, maintenance=MAINTENANCE)
    for generate in generators():
        for file in generate(s):
            assert file.data is not None  # every page, feed and document rendered

    def allowed(value: object) -> set[str]:
        kind = type(value)
        cached = {n for n in dir(kind) if isinstance(getattr(kind, n, None), cached_property)}
        return set(kind.__dataclass_fields__) | cached  # type: ignore[attr-defined]

    for value in (s, *s.incidents):
        extra = set(vars(value)) - allowed(value)
        assert not extra, f"{type(value).__name__} holds {sorted(extra)}"
    # The questions still have one answer, asked either way.
    maintenance = s.by_id["maintenance"]
    assert s.timeline(maintenance).status is UpdateStatus.IN_PROGRESS
    assert maintenance.status_at(s.now) is UpdateStatus.IN_PROGRESS
    assert s.timeline(maintenance) is s.timeline(maintenance)  # made once per site


def test_models_come_back_from_the_parse_cache_whole() -> None:
    """Slotted models are unpickled with their field names kept per class (the parse cache
    holds about ten per incident): every field comes back, in its place."""
    import pickle
    from dataclasses import fields

    from tests.sites import DEMO_NOW, REPO_ROOT

    site = load_site(REPO_ROOT, now=DEMO_NOW, check_git=False).site
    assert site is not None
    assert pickle.loads(pickle.dumps(site.config)) == site.config
    for incident in site.incidents:
        back = pickle.loads(pickle.dumps(incident, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == incident
        for update, again in zip(incident.updates, back.updates, strict=True):
            assert all(getattr(update, f.name) == getattr(again, f.name) for f in fields(update))
