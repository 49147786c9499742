"""Notices a worker that died while someone waits on its work, starts another, and knows when to stop trying."""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from studyteddy_desktop.domain.errors import ServiceStartError
from studyteddy_desktop.runtime.log_tail import log_tail
from studyteddy_desktop.runtime.worker_process import WorkerProcess

if TYPE_CHECKING:
    from studyteddy_desktop.runtime.service_watch import ServiceWatch


class WorkerState(enum.Enum):
    ALIVE = "alive"
    # It had died; another was started, whose start queues again every job the dead one left unfinished.
    RESTARTED = "restarted"


@dataclass(frozen=True)
class WatchReport:
    """What one check found: the worker's state, and which bundled servers it had to start again."""

    worker: WorkerState
    services_restarted: tuple[str, ...] = ()


class WorkerKeepsStoppingError(ServiceStartError):
    """The worker died again and again with no work getting done in between."""


class WorkerWatch:
    """Restarts a dead worker, at most `max_restarts` times in a row without progress in between.

    The caller says when its work moved on (`progressed`); a worker that keeps dying on the same
    work (a file that crashes every reader) is then reported instead of restarted for ever.
    With `services`, the bundled servers the worker needs are checked (and started again) first.
    """

    def __init__(self, worker: WorkerProcess, *, max_restarts: int = 3, check_every_s: float = 1.0,
                 services: ServiceWatch | None = None) -> None:
        self.worker = worker
        self.services = services
        self.max_restarts = max_restarts
        self.check_every_s = check_every_s
        self.restarts = 0
        self._restarts_since_progress = 0
        self._checked_at: float | None = None

    def progressed(self) -> None:
        self._restarts_since_progress = 0
        if self.services is not None:
            self.services.progressed()

    def check(self) -> WorkerState:
        """ALIVE, or RESTARTED after starting a new worker; raises ServiceStartError when none will run."""
        return self.check_all().worker

    def check_all(self) -> WatchReport:
        """`check`, also naming the bundled servers started again; raises ServiceStartError when one will not run."""
        now = time.monotonic()
        if self._checked_at is not None and now - self._checked_at < self.check_every_s:
            return WatchReport(WorkerState.ALIVE)
        self._checked_at = now
        # First: a worker started while its database or queue is down only waits for them.
        services_restarted = self.services.check() if self.services is not None else ()
        return WatchReport(self._check_worker(), services_restarted)

    def _check_worker(self) -> WorkerState:
        if self.worker.running_pid() is not None:
            return WorkerState.ALIVE
        if self._restarts_since_progress >= self.max_restarts:
            raise WorkerKeepsStoppingError(
                f"The background worker stopped {self._restarts_since_progress + 1} times in a row without "
                f"getting any further, so Study Teddy stopped restarting it. Its log is "
                f"{self.worker.paths.worker_log}.", details=log_tail(self.worker.paths.worker_log))
        # A stop Study Teddy did not ask for; ensure_running raises with the log's tail if it cannot.
        started = self.worker.ensure_running()
        if started:
            self.restarts += 1
            self._restarts_since_progress += 1
            return WorkerState.RESTARTED
        return WorkerState.ALIVE
