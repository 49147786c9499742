"""The hook the runtime calls before it migrates a database: light to import, heavy only when it runs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studyteddy_desktop.domain.backup_dto import BackupInfo

log = logging.getLogger(__name__)


def back_up_before_schema_upgrade(data_dir: Path, database_url: str) -> BackupInfo | None:
    """Snapshot a database that already holds a profile, before its schema changes.

    A brand-new database (no schema version yet) has nothing to lose and gets none. Nothing is
    pruned here: the student's `keep` preference lives in the database about to change.
    """
    # Imported only now: the app's start loads the database libraries on another thread meanwhile.
    from studyteddy_desktop.runtime.paths import DataPaths
    from studyteddy_desktop.services.backups.backup_store import BackupStore, schema_revision

    if schema_revision(database_url) is None:
        return None
    from studyteddy_desktop.domain.backup_dto import BackupError

    try:
        info = BackupStore(DataPaths(data_dir), database_url).create("pre-upgrade", prune=False)
    except BackupError as error:
        raise BackupError(f"{error.message} Study Teddy backs up your data before it updates the "
                          "database, so it did not update it: your data is unchanged.",
                          details=error.details) from error
    log.info("Backed up the database before upgrading its schema: %s", info.id)
    return info
