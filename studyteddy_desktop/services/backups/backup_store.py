"""The backups folder: make a snapshot of the profile, list and prune them, and put one back.

A snapshot is a folder holding `database.dump` (pg_dump's custom format), `files/` and `media/`
(the imported documents and card images) and `manifest.json`. It is built under a dot-name and
renamed only once complete, so a crash mid-way leaves nothing that is listed or restored.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from studyteddy_desktop.domain.backup_dto import BackupError, BackupInfo
from studyteddy_desktop.domain.errors import NotFoundError
from studyteddy_desktop.runtime.app_instances import exclusive_lock
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.services.backups.postgres_dump import PostgresTools

log = logging.getLogger(__name__)

DEFAULT_KEEP = 10
DAILY_INTERVAL = timedelta(hours=24)
REASONS = ("daily", "pre-upgrade", "manual", "pre-restore")
MANIFEST = "manifest.json"
DUMP = "database.dump"
_PARTIAL_PREFIX = ".partial-"
_SWAP_PENDING = ".restore-swap-pending"
_LOCK_WAIT_S = 600

Progress = Callable[[str, float], None]


def no_progress(_step: str, _fraction: float) -> None:
    pass


class BackupStore:
    """Snapshots of one data directory's profile, newest last; at most `keep` are kept."""

    def __init__(self, paths: DataPaths, database_url: str, *, keep: int = DEFAULT_KEEP,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.paths = paths
        self.database_url = database_url
        self.keep = keep
        self.clock = clock

    @property
    def root(self) -> Path:
        return self.paths.backups_dir

    # -- reading ----------------------------------------------------------------------

    def list(self) -> list[BackupInfo]:
        """Every complete backup, oldest first; half-written or unreadable folders are skipped."""
        if not self.root.is_dir():
            return []
        backups = []
        for folder in self.root.iterdir():
            if folder.name.startswith(".") or not folder.is_dir():
                continue
            info = _read_manifest(folder)
            if info is not None:
                backups.append(info)
        return sorted(backups, key=lambda info: (info.created_at, info.id))

    def get(self, backup_id: str) -> BackupInfo:
        folder = self._folder_of(backup_id)
        info = _read_manifest(folder) if folder.is_dir() else None
        if info is None:
            known = ", ".join(b.id for b in self.list()[-3:]) or "none yet"
            raise NotFoundError(f"There is no backup called {backup_id!r}. "
                                f"`studyteddy backup list` shows them (latest: {known}).")
        return info

    def due_daily(self) -> bool:
        """True when no backup of any kind was made in the last day."""
        backups = self.list()
        return not backups or self.clock() - backups[-1].created_at >= DAILY_INTERVAL

    # -- writing ----------------------------------------------------------------------

    def create(self, reason: str, progress: Progress = no_progress, *, prune: bool = True) -> BackupInfo:
        """Snapshot the database and the files, then (unless told not to) drop the oldest beyond `keep`."""
        with self._locked():
            info = self._create_locked(reason, progress)
            if prune:
                self._prune_locked(protect=())
        return info

    def create_daily_if_due(self, progress: Progress = no_progress) -> BackupInfo | None:
        with self._locked():
            # Checked again under the lock: two windows starting together make one backup.
            if not self.due_daily():
                return None
            info = self._create_locked("daily", progress)
            self._prune_locked(protect=())
        return info

    def prune(self) -> list[str]:
        with self._locked():
            return self._prune_locked(protect=())

    def _create_locked(self, reason: str, progress: Progress) -> BackupInfo:
        if reason not in REASONS:
            raise ValueError(f"unknown backup reason {reason!r}")
        created_at = self.clock()
        backup_id = f"{created_at:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
        staging = self.root / f"{_PARTIAL_PREFIX}{backup_id}"
        staging.mkdir(mode=0o700)
        try:
            progress("Copying your documents", 0.05)
            # Files before and after the dump: the first pass keeps files whose rows are deleted
            # meanwhile, the second those imported meanwhile, so every row in the dump has its file.
            for source, name in self._file_trees():
                _link_tree(source, staging / name)
            progress("Copying your database", 0.2)
            revision = schema_revision(self.database_url)
            dump = staging / DUMP
            PostgresTools.for_url(self.database_url).dump(dump)
            dump.chmod(0o600)
            progress("Finishing the backup", 0.85)
            for source, name in self._file_trees():
                _link_tree(source, staging / name)
            size, _count = _tree_size(staging)
            count = _tree_size(staging / "files")[1] + _tree_size(staging / "media")[1]
            info = BackupInfo(id=backup_id, created_at=created_at, reason=reason, size_bytes=size,
                              schema_revision=revision, file_count=count)
            _write_manifest(staging, info)
            _fsync_dir(staging)
            os.rename(staging, self._folder_of(backup_id))
            _fsync_dir(self.root)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        progress("Backup done", 1.0)
        log.info("Backup %s (%s) written: %d bytes", backup_id, reason, size)
        return info

    def _prune_locked(self, *, protect: Iterable[str]) -> list[str]:
        protected = set(protect)
        backups = self.list()
        excess = len(backups) - max(self.keep, 1)
        removed = []
        for info in backups:
            if excess <= 0:
                break
            if info.id in protected:
                continue
            shutil.rmtree(self._folder_of(info.id), ignore_errors=True)
            removed.append(info.id)
            excess -= 1
        return removed

    # -- restoring --------------------------------------------------------------------

    def restore(self, backup_id: str, progress: Progress = no_progress) -> BackupInfo:
        """Bring back the database and files of a backup, after a safety backup of the present.

        Returns the safety backup. Checks come first, so a bad id or a damaged backup changes
        nothing; the database is replaced in one transaction before the file folders are swapped.
        """
        with self._locked():
            target = self.get(backup_id)
            folder = self._folder_of(backup_id)
            dump = folder / DUMP
            if not dump.is_file():
                raise BackupError(f"Backup {backup_id} has no database file; it cannot be restored. "
                                  "Nothing was changed.")
            progress("Checking the backup", 0.02)
            _refuse_newer_schema(target)
            tools = PostgresTools.for_url(self.database_url)
            work_dir = self.root / f"{_PARTIAL_PREFIX}restore-{backup_id}"
            work_dir.mkdir(mode=0o700)
            staged = []
            try:
                script = tools.decode(dump, work_dir)
                progress("Saving your current data first", 0.1)
                safety = self._create_locked("pre-restore", lambda step, f: progress(step, 0.1 + f * 0.4))
                for source, name in self._file_trees():
                    staging = source.parent / f".{name}.restoring-{backup_id}"
                    shutil.rmtree(staging, ignore_errors=True)
                    _link_tree(folder / name, staging)
                    staged.append((staging, source))
                progress("Restoring your database", 0.55)
                tools.apply(script)
            except BaseException:
                for staging, _source in staged:
                    shutil.rmtree(staging, ignore_errors=True)
                raise
            finally:
                shutil.rmtree(work_dir, ignore_errors=True)
            # From here the database holds the backup's rows: a crash now must still end with its files.
            (self.root / _SWAP_PENDING).write_text(backup_id, encoding="utf-8")
            progress("Restoring your documents", 0.9)
            self._finish_interrupted_swaps()
            self._prune_locked(protect=(backup_id, safety.id))
        progress("Restore done", 1.0)
        return safety

    # -- helpers ----------------------------------------------------------------------

    def _file_trees(self) -> list[tuple[Path, str]]:
        return [(self.paths.files_dir, "files"), (self.paths.media_dir, "media")]

    def _folder_of(self, backup_id: str) -> Path:
        if not backup_id or "/" in backup_id or backup_id.startswith(".") or backup_id != backup_id.strip():
            raise NotFoundError(f"There is no backup called {backup_id!r}.")
        return self.root / backup_id

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        with exclusive_lock(self.root / ".lock", timeout=_LOCK_WAIT_S, purpose="making a backup"):
            # Only the lock's holder writes partial folders, so any found now were left by a crash.
            for leftover in self.root.glob(f"{_PARTIAL_PREFIX}*"):
                shutil.rmtree(leftover, ignore_errors=True)
            self._finish_interrupted_swaps()
            yield

    def _finish_interrupted_swaps(self) -> None:
        """Put the restored file folders in place once the database restore has committed.

        Also the clean-up at every lock: a restore that crashed before its commit leaves staged
        folders that are dropped; one that crashed after it has them swapped in now.
        """
        marker = self.root / _SWAP_PENDING
        committed = marker.exists()
        for live, name in self._file_trees():
            staged = sorted(live.parent.glob(f".{name}.restoring-*"))
            if (committed or not live.exists()) and staged:
                _swap_in(staged.pop(), live)
            for leftover in [*staged, *live.parent.glob(f".{name}.replaced-*")]:
                shutil.rmtree(leftover, ignore_errors=True)
        marker.unlink(missing_ok=True)


def schema_revision(database_url: str) -> str | None:
    """The Alembic revision the database is at; None for a database never migrated."""
    engine = sa.create_engine(database_url, poolclass=sa.NullPool)
    try:
        with engine.connect() as connection:
            return connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    except sa.exc.ProgrammingError:
        return None
    finally:
        engine.dispose()


def _refuse_newer_schema(target: BackupInfo) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from studyteddy_desktop.db.migrate import alembic_config

    if target.schema_revision is None:
        return
    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(target.schema_revision)
    except CommandError:
        raise BackupError(f"Backup {target.id} was made by a newer Study Teddy (database version "
                          f"{target.schema_revision}). Update Study Teddy, then restore it. "
                          "Nothing was changed.") from None


def _link_tree(source: Path, target: Path) -> None:
    """Hard-link every file of `source` under `target` (a copy across file systems).

    Stored files are never changed in place (the content store writes a new name and renames),
    so a link is as good as a copy and costs no space.
    """
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not source.is_dir():
        return
    for directory, subdirs, names in os.walk(source):
        subdirs[:] = [d for d in subdirs if not d.startswith(".")]
        relative = Path(directory).relative_to(source)
        (target / relative).mkdir(mode=0o700, parents=True, exist_ok=True)
        for name in names:
            if name.startswith("."):
                continue  # the store's .incoming- files are half-copied imports
            destination = target / relative / name
            if destination.exists():
                continue
            try:
                os.link(Path(directory) / name, destination)
            except FileNotFoundError:
                continue  # deleted since the walk saw it; the second pass or the dump agrees
            except OSError:
                shutil.copy2(Path(directory) / name, destination)


def _swap_in(staging: Path, live: Path) -> None:
    replaced = live.parent / f".{live.name}.replaced-{secrets.token_hex(3)}"
    if live.exists():
        os.rename(live, replaced)
    os.rename(staging, live)
    shutil.rmtree(replaced, ignore_errors=True)


def _tree_size(folder: Path) -> tuple[int, int]:
    size = count = 0
    for directory, _subdirs, names in os.walk(folder):
        for name in names:
            size += (Path(directory) / name).stat().st_size
            count += 1
    return size, count


def _write_manifest(folder: Path, info: BackupInfo) -> None:
    manifest = {"format": 1, "id": info.id, "created_at": info.created_at.isoformat(), "reason": info.reason,
                "size_bytes": info.size_bytes, "schema_revision": info.schema_revision,
                "file_count": info.file_count}
    path = folder / MANIFEST
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())


def _read_manifest(folder: Path) -> BackupInfo | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if data.get("id") != folder.name:
            return None
        return BackupInfo(id=data["id"], created_at=datetime.fromisoformat(data["created_at"]),
                          reason=str(data["reason"]), size_bytes=int(data["size_bytes"]),
                          schema_revision=data.get("schema_revision"), file_count=int(data["file_count"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
