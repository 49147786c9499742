"""The student's local clock: their time zone, day boundaries and due-date parsing, DST included."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from studyteddy_desktop.domain.errors import InvalidInputError

# A bare date as a due date means "by the end of that day".
END_OF_DAY = time(23, 59)


def zone_named(name: str | None) -> ZoneInfo | None:
    """The zone for an IANA name, or None for an empty or unknown one."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def system_zone() -> ZoneInfo:
    """The computer's time zone by IANA name (so SQL can use it too); UTC when it has none."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    for name in candidates:
        zone = zone_named(name)
        if zone is not None:
            return zone
    return ZoneInfo("UTC")


def is_known_zone(name: str) -> bool:
    return name in available_timezones()


def at_local(day: date, clock_time: time, zone: ZoneInfo) -> datetime:
    """`day` at `clock_time` on the student's wall clock, as an aware UTC datetime.

    A time skipped by a spring-forward change (02:30 that night) moves forward by the gap, as a
    wall clock does; an ambiguous autumn time takes its first occurrence. Both are what
    PEP 495's fold=0 means, which zoneinfo implements.
    """
    return datetime.combine(day, clock_time).replace(tzinfo=zone, fold=0).astimezone(UTC)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local day in UTC; 23 or 25 hours long on daylight-saving days."""
    return at_local(day, time(0), zone), at_local(day + timedelta(days=1), time(0), zone)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def week_start(day: date) -> date:
    """The Monday of the week `day` falls in."""
    return day - timedelta(days=day.weekday())


def parse_due(text: str, zone: ZoneInfo) -> datetime:
    """Read a due date the student typed: ISO date or date-time, with or without an offset.

    Without an offset the time is the student's wall-clock time; a date alone means 23:59.
    """
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInputError("The due date is empty.")
    if len(cleaned) > 40:
        raise InvalidInputError("That due date is too long to be a date.")
    try:
        if len(cleaned) == 10 and cleaned.count("-") == 2 and "T" not in cleaned:
            return at_local(date.fromisoformat(cleaned), END_OF_DAY, zone)
        moment = datetime.fromisoformat(cleaned.replace(" ", "T", 1))
    except ValueError:
        raise InvalidInputError(
            f"Cannot read the due date {cleaned!r}: use ISO format, e.g. 2026-05-01 or 2026-05-01T14:30."
        ) from None
    if moment.tzinfo is None:
        return at_local(moment.date(), moment.time(), zone)
    return moment.astimezone(UTC)
