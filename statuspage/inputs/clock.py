"""Times: the build clock, and naive local times read in the site's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


class LocalTimeError(ValueError):
    """A naive local time that does not exist, or exists twice, in a zone."""


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def parse_now(text: str, zone: ZoneInfo | None = None) -> datetime:
    """`--now` values: ISO 8601; a time without offset is read in `zone` (default UTC)."""
    moment = datetime.fromisoformat(text.strip())
    if not 1970 <= moment.year <= 2999:  # as incident files (yamlmarks.MIN_YEAR, MAX_YEAR)
        raise ValueError(f"{text.strip()!r} is out of range; use a year from 1970 to 2999")
    if moment.tzinfo is None:
        moment = to_utc(moment, zone or ZoneInfo("UTC"))
    return moment.astimezone(UTC)


def format_offset(offset: timedelta | None) -> str:
    minutes = int((offset or timedelta(0)).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def to_utc(moment: datetime, zone: ZoneInfo) -> datetime:
    """An aware time as UTC; a naive one read as wall time in `zone`.

    Raises LocalTimeError naming both readings when the wall time is skipped or repeated
    by a daylight-saving change, since guessing would shift an incident by an hour.
    """
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    first = moment.replace(tzinfo=zone, fold=0)
    second = moment.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC)
    naive = moment.isoformat()
    earlier, later = format_offset(first.utcoffset()), format_offset(second.utcoffset())
    back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back != moment:
        raise LocalTimeError(
            f"{naive} does not exist in {zone.key}: the clocks jump forward over it; "
            f"write the offset, {naive}{earlier} or {naive}{later}"
        )
    raise LocalTimeError(
        f"{naive} happens twice in {zone.key}: the clocks go back over it; "
        f"write the offset, {naive}{earlier} (the first time) or {naive}{later} (the second)"
    )


def isoformat_local(moment: datetime, zone: ZoneInfo) -> str:
    """`2026-11-20T14:02:00+01:00`: how the tool writes times into incident files."""
    return moment.astimezone(zone).replace(microsecond=0).isoformat()
