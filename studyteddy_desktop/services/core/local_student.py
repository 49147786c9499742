"""Who the planner works for (the local profile) and on which clock (their time zone)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from studyteddy_desktop.db.models import UserProfile
from studyteddy_desktop.db.repositories.analytics_repository import AnalyticsRepository
from studyteddy_desktop.domain.local_time import local_date, system_zone
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.profile_service import ProfileService

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class LocalStudent:
    """The one student of this installation, resolved once per process.

    The profile records the zone the analytics view groups days by; when the computer's zone
    changes (travel, a new laptop), the profile follows and `zone_changed` tells the caller
    to refresh the view.
    """

    def __init__(self, database: Database, *, zone: ZoneInfo | None = None, clock: Clock = utc_now) -> None:
        self.database = database
        self.zone = zone or system_zone()
        self.clock = clock
        self._lock = threading.Lock()
        self._user_id: uuid.UUID | None = None
        self._display_name = ""
        self.zone_changed = False

    def user_id(self) -> uuid.UUID:
        with self._lock:
            if self._user_id is None:
                self._resolve()
            assert self._user_id is not None
            return self._user_id

    def display_name(self) -> str:
        self.user_id()
        return self._display_name

    def forget(self) -> None:
        """Look the profile up again next time (after the name changes, say)."""
        with self._lock:
            self._user_id = None

    def _resolve(self) -> None:
        profile_id = ProfileService(self.database).ensure_local_profile().id
        with self.database.unit_of_work() as session:
            # Locked: `_remember_zone` rewrites the settings JSON, which other writers share.
            profile = session.get(UserProfile, profile_id, with_for_update=True)
            assert profile is not None
            if self._remember_zone(profile):
                # The view grouped every day by the old zone: read all days live until refreshed.
                AnalyticsRepository(session).changed_since(None)
            self._user_id = profile.id
            self._display_name = profile.display_name

    def _remember_zone(self, profile: UserProfile) -> bool:
        settings = dict(profile.settings or {})
        if settings.get("timezone") == self.zone.key:
            return False
        settings["timezone"] = self.zone.key
        profile.settings = settings
        self.zone_changed = True
        return True

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return local_date(self.clock(), self.zone)
