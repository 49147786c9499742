"""The backups the app offers: daily, on demand, before a schema upgrade, and restoring one."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from studyteddy_desktop.db.schema_version import SHIPPED_HEAD
from studyteddy_desktop.domain.backup_dto import BackupInfo
from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.services.backups.backup_store import DEFAULT_KEEP, BackupStore, Progress, no_progress
from studyteddy_desktop.services.core.study_preferences import StudyPreferences

_PREFERENCE = "backups"
KEEP_RANGE = (1, 100)


class BackupService:
    """Backups of this data directory's profile; `keep` is the student's preference (default 10)."""

    def __init__(self, paths: DataPaths, database_url: str, preferences: StudyPreferences) -> None:
        self.store = BackupStore(paths, database_url)
        self.preferences = preferences
        self._after_restore: list[Callable[[], None]] = []

    def after_restore(self, callback: Callable[[], None]) -> None:
        """Run `callback` once a restore has replaced the data, to drop what was cached from before."""
        self._after_restore.append(callback)

    def keep(self) -> int:
        stored = self.preferences.section(_PREFERENCE).get("keep")
        low, high = KEEP_RANGE
        if isinstance(stored, int) and not isinstance(stored, bool) and low <= stored <= high:
            return stored
        return DEFAULT_KEEP

    def set_keep(self, count: int) -> int:
        low, high = KEEP_RANGE
        if not low <= count <= high:
            raise InvalidInputError(f"Keep between {low} and {high} backups, not {count}.")
        self.preferences.update_section(_PREFERENCE, lambda stored: {**stored, "keep": count})
        return count

    def list(self) -> list[BackupInfo]:
        """Complete backups, newest first."""
        return list(reversed(self.store.list()))

    def due_daily(self) -> bool:
        return self.store.due_daily()

    def back_up_now(self, progress: Progress = no_progress) -> BackupInfo:
        self.store.keep = self.keep()
        return self.store.create("manual", progress)

    def back_up_daily_if_due(self, progress: Progress = no_progress) -> BackupInfo | None:
        """The start-up backup: at most one a day, whatever the number of windows opened."""
        self.store.keep = self.keep()
        return self.store.create_daily_if_due(progress)

    def restore(self, backup_id: str, progress: Progress = no_progress) -> BackupInfo:
        """Put a backup's data back; returns the safety backup of what was there before."""
        self.store.keep = self.keep()
        restored = self.store.get(backup_id)
        safety = self.store.restore(backup_id, progress)
        if restored.schema_revision is not None and restored.schema_revision != SHIPPED_HEAD:
            # An older backup comes back at its own schema; the running app needs this build's.
            from studyteddy_desktop.db.migrate import upgrade_to_head

            engine = sa.create_engine(self.store.database_url, poolclass=sa.NullPool)
            try:
                upgrade_to_head(engine)
            finally:
                engine.dispose()
        for callback in self._after_restore:
            callback()
        return safety

