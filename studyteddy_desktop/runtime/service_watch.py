"""Notices a bundled Redis or PostgreSQL that died under the app and starts it again on the same files."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

from studyteddy_desktop.domain.errors import InstanceConflictError, ServiceStartError
from studyteddy_desktop.runtime.app_instances import exclusive_lock
from studyteddy_desktop.runtime.log_tail import log_tail
from studyteddy_desktop.runtime.process_identity import Identity, identify_process, read_pid

if TYPE_CHECKING:
    from studyteddy_desktop.runtime.bundled_postgres import BundledPostgres
    from studyteddy_desktop.runtime.bundled_redis import BundledRedis
    from studyteddy_desktop.runtime.paths import DataPaths
    from studyteddy_desktop.runtime.service_runtime import ServiceRuntime

log = logging.getLogger(__name__)

# Short: another app process starting or stopping holds the lock, and the next check comes soon.
_LOCK_WAIT_S = 5
# PostgreSQL's own postmaster gives crashed children this long after SIGQUIT before it kills them.
_BACKEND_EXIT_WAIT_S = 5


class ServiceKeepsStoppingError(ServiceStartError):
    """A bundled server died again and again, or would not start, with no work getting done in between."""

    def __init__(self, service: str, message: str, *, details: str = "") -> None:
        super().__init__(message, details=details)
        self.service = service


@dataclass
class _Watched:
    name: str
    log_file: Path
    # Whether its process is gone: a server that is alive but slow to answer must not get a twin.
    is_gone: Callable[[], bool]
    start: Callable[[], bool]
    restarts_since_progress: int = 0
    last_failure: ServiceStartError | None = None


class ServiceWatch:
    """Restarts the bundled servers this app runs, at most `max_restarts` times each without progress.

    Only servers on the app's own data directory are watched; an external server named by URL is
    someone else's to restart.
    """

    def __init__(self, paths: DataPaths, *, redis: BundledRedis | None = None,
                 postgres: BundledPostgres | None = None, max_restarts: int = 3) -> None:
        self.paths = paths
        self.max_restarts = max_restarts
        self.restarts = 0
        self._watched: list[_Watched] = []
        if postgres is not None:
            self._watched.append(_Watched(
                "PostgreSQL", paths.postgres_log, is_gone=lambda: postgres.running_pid() is None,
                start=lambda: _start_postgres_after_crash(postgres)))
        if redis is not None:
            self._watched.append(_Watched(
                "Redis", paths.redis_log, is_gone=lambda: _redis_is_gone(redis), start=redis.ensure_running))

    @classmethod
    def of(cls, runtime: ServiceRuntime, *, max_restarts: int = 3) -> ServiceWatch:
        """A watch on the bundled servers of a started runtime (none when both are external)."""
        return cls(runtime.paths, redis=runtime.redis, postgres=runtime.postgres, max_restarts=max_restarts)

    def progressed(self) -> None:
        for watched in self._watched:
            watched.restarts_since_progress = 0
            watched.last_failure = None

    def check(self) -> tuple[str, ...]:
        """The names of the servers this call started again (PostgreSQL first); raises when one will not run."""
        restarted = []
        for watched in self._watched:
            if not watched.is_gone():
                continue
            if watched.restarts_since_progress >= self.max_restarts:
                raise self._giving_up(watched)
            if self._restart(watched):
                restarted.append(watched.name)
        return tuple(restarted)

    def _restart(self, watched: _Watched) -> bool:
        try:
            # The lock every app process takes to start or stop the servers: never two starts at once.
            with exclusive_lock(self.paths.lifecycle_lock, timeout=_LOCK_WAIT_S,
                                purpose="starting or stopping the servers"):
                if not watched.is_gone():
                    return False  # another app process started it meanwhile
                # Counted before the attempt: a server that fails every start uses up its tries as one that dies.
                watched.restarts_since_progress += 1
                log.warning("%s had stopped; starting it again", watched.name)
                started = watched.start()
        except InstanceConflictError:
            return False  # another app process is starting or stopping the servers; look again next time
        except ServiceStartError as error:
            self._start_failed(watched, error)
            return False
        except OSError as error:
            self._start_failed(watched, ServiceStartError(f"{watched.name} could not use its files: {error}"))
            return False
        watched.last_failure = None
        if not started:
            watched.restarts_since_progress -= 1
            return False
        self.restarts += 1
        return True

    @staticmethod
    def _start_failed(watched: _Watched, error: ServiceStartError) -> None:
        # Tried again at the next check, until the tries run out; then this is the reason given.
        log.warning("%s could not be started again: %s", watched.name, error.message)
        watched.last_failure = error

    def _giving_up(self, watched: _Watched) -> ServiceKeepsStoppingError:
        failure = watched.last_failure
        tries = watched.restarts_since_progress
        if failure is not None:
            message = (f"{watched.name} stopped and would not start again after {tries} tries "
                       f"({failure.message.rstrip('.')}), so Study Teddy stopped trying. "
                       f"Its log is {watched.log_file}.")
        else:
            times = "once" if tries == 0 else f"{tries + 1} times in a row"
            message = (f"{watched.name} stopped {times} without getting any further, "
                       f"so Study Teddy stopped restarting it. Its log is {watched.log_file}.")
        details = failure.details if failure is not None and failure.details else log_tail(watched.log_file)
        return ServiceKeepsStoppingError(watched.name, message, details=details)


def _redis_is_gone(redis: BundledRedis) -> bool:
    if redis.running_pid() is not None:
        return False
    # Not answering is not enough: a busy server that misses one probe would get a second one on its files.
    pid = read_pid(redis.paths.redis_pid)
    return identify_process(pid, name=redis.executable.name,
                            executable_dir=redis.executable.parent) is Identity.NOT_OURS


def _start_postgres_after_crash(postgres: BundledPostgres) -> bool:
    """Start a PostgreSQL whose postmaster died; its pg_ctl start replays the WAL (crash recovery)."""
    _end_orphaned_backends(postgres)
    return postgres.ensure_running()


def _end_orphaned_backends(postgres: BundledPostgres) -> None:
    """Stop what a killed postmaster left behind, which would keep its shared memory and the new server out.

    A backend busy in a query notices its postmaster's death only at its next wait, which may be minutes
    away; PostgreSQL then refuses to start ("pre-existing shared memory block is still in use").
    """
    orphans = _backends_left_in(postgres)
    if not orphans:
        return
    if any(identify_process(process.pid, name="postgres", cmdline_marker=str(postgres.paths.pgdata))
           is Identity.OURS for process in orphans):
        # A postmaster (only it keeps the data path in its title) runs, though its pid file says otherwise.
        raise ServiceStartError(
            f"A PostgreSQL server still runs on {postgres.paths.pgdata} but its postmaster.pid is missing "
            "or wrong; Study Teddy does not start a second one. Stop that server, then restart Study Teddy.")
    log.warning("Stopping %d PostgreSQL processes left by a server that died", len(orphans))
    # SIGQUIT, then SIGKILL: what a postmaster itself sends its children after a crash.
    for sig in (signal.SIGQUIT, signal.SIGKILL):
        for process in orphans:
            try:
                process.send_signal(sig)
            except psutil.NoSuchProcess:
                pass
        _gone, orphans = psutil.wait_procs(orphans, timeout=_BACKEND_EXIT_WAIT_S)
        if not orphans:
            return
    raise ServiceStartError("PostgreSQL processes of the server that stopped will not exit.",
                            details=", ".join(str(process.pid) for process in orphans))


def _backends_left_in(postgres: BundledPostgres) -> list[psutil.Process]:
    """Live processes of the bundled PostgreSQL binary working in our data directory (every backend's cwd)."""
    pgdata = postgres.paths.pgdata.resolve()
    found = []
    for process in psutil.process_iter(["name"]):
        try:
            if process.info["name"] != "postgres" or process.status() == psutil.STATUS_ZOMBIE:
                continue
            if Path(process.cwd()).resolve() != pgdata:
                continue
        except (psutil.NoSuchProcess, psutil.AccessDenied, OSError):
            continue
        if identify_process(process.pid, name="postgres", executable_dir=postgres.bin_dir) is Identity.OURS:
            found.append(process)
    return found
