"""A backup as the Settings list and `studyteddy backup list` show it, and why one failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from studyteddy_desktop.domain.errors import StudyTeddyError


@dataclass(frozen=True)
class BackupInfo:
    """One complete backup; `reason` is daily, pre-upgrade, manual or pre-restore."""

    id: str
    created_at: datetime
    reason: str
    size_bytes: int
    schema_revision: str | None
    file_count: int


class BackupError(StudyTeddyError):
    """A backup could not be made, read or restored; the message says what was left untouched."""
