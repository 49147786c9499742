"""The student's preferences (focus lengths, reminders, the tutor's model), kept in the profile."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from studyteddy_desktop.db.models import UserProfile
from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.domain.planner_dto import FocusSettings, ReminderSettings
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.local_student import LocalStudent

WORK_RANGE = (1, 240)
BREAK_RANGE = (1, 120)


def _int_in(value: Any, low: int, high: int, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high else default


class StudyPreferences:
    def __init__(self, database: Database, student: LocalStudent) -> None:
        self.database = database
        self.student = student

    def section(self, key: str) -> dict[str, Any]:
        with self.database.unit_of_work() as session:
            profile = session.get(UserProfile, self.student.user_id())
            value = (profile.settings or {}).get(key) if profile is not None else None
        return value if isinstance(value, dict) else {}

    def set_section(self, key: str, value: dict[str, Any]) -> None:
        self.update_section(key, lambda _stored: value)

    def update_section(self, key: str, change: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        """Replace section `key` with `change(stored)`, read and written under the profile's row lock:
        the app, the worker and the CLI write other keys of the same JSON at the same time."""
        with self.database.unit_of_work() as session:
            profile = session.get(UserProfile, self.student.user_id(), with_for_update=True)
            assert profile is not None
            stored = (profile.settings or {}).get(key)
            value = change(dict(stored) if isinstance(stored, dict) else {})
            # A new dict, so SQLAlchemy sees the JSONB column change.
            profile.settings = {**(profile.settings or {}), key: value}
        return value

    def focus(self) -> FocusSettings:
        stored = self.section("focus")
        default = FocusSettings()
        return FocusSettings(work_minutes=_int_in(stored.get("work_minutes"), *WORK_RANGE, default.work_minutes),
                             break_minutes=_int_in(stored.get("break_minutes"), *BREAK_RANGE,
                                                   default.break_minutes))

    def set_focus(self, settings: FocusSettings) -> FocusSettings:
        check_focus_lengths(settings.work_minutes, settings.break_minutes)
        self.set_section("focus", asdict(settings))
        return settings

    def reminders(self) -> ReminderSettings:
        stored = self.section("reminders")
        return ReminderSettings(**{name: bool(stored.get(name, default))
                                   for name, default in asdict(ReminderSettings()).items()})

    def set_reminders(self, settings: ReminderSettings) -> ReminderSettings:
        self.set_section("reminders", asdict(settings))
        return settings


def check_focus_lengths(work_minutes: int, break_minutes: int) -> None:
    if not WORK_RANGE[0] <= work_minutes <= WORK_RANGE[1]:
        raise InvalidInputError(f"A work stretch lasts {WORK_RANGE[0]} to {WORK_RANGE[1]} minutes.")
    if not BREAK_RANGE[0] <= break_minutes <= BREAK_RANGE[1]:
        raise InvalidInputError(f"A break lasts {BREAK_RANGE[0]} to {BREAK_RANGE[1]} minutes.")
