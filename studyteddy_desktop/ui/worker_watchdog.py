"""Keeps the window's worker and bundled servers alive: a periodic check, off the GUI thread, that restarts them."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from studyteddy_desktop.ui.background_op import BackgroundOp, user_message

if TYPE_CHECKING:
    from studyteddy_desktop.runtime.worker_watch import WorkerWatch

log = logging.getLogger(__name__)

CHECK_EVERY_MS = 5_000
HEALTHY_AFTER_MS = 60_000


class WorkerWatchdog(QObject):
    """Every few seconds asks the watch; says what it restarted (a server, the worker), or that it gave up.

    Without it, a worker killed by the system (out of memory, a crash in a model library) left
    imports at their last percentage and tutor answers unanswered until the app was restarted.
    """

    restarted = Signal(str)
    gave_up = Signal(str)

    def __init__(self, watch: WorkerWatch, parent: QObject | None = None,
                 *, interval_ms: int = CHECK_EVERY_MS) -> None:
        super().__init__(parent)
        self.watch = watch
        self._checking = False
        self._stopped = False
        self._alive_checks = 0
        self._interval_ms = interval_ms
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check_now)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._stopped = True
        self._timer.stop()

    def check_now(self) -> None:
        if self._checking or self._stopped:
            return
        self._checking = True
        (BackgroundOp.plain(self._check, parent=self)
         .success(self._checked)
         .failure(self._failed)
         .run())

    def _check(self) -> tuple[str, ...]:
        """What had stopped and was started again: bundled servers by name, then "the background worker"."""
        from studyteddy_desktop.runtime.worker_watch import WorkerState

        report = self.watch.check_all()
        restarted = report.services_restarted + (
            ("the background worker",) if report.worker is WorkerState.RESTARTED else ())
        # A worker (or server) that stayed up a minute has got past whatever killed it; one that dies again
        # at once (a file that crashes every reader) is given up on after the watch's few restarts.
        self._alive_checks = 0 if restarted else self._alive_checks + 1
        if self._alive_checks * self._interval_ms >= HEALTHY_AFTER_MS:
            self.watch.progressed()
        return restarted

    def _checked(self, restarted: tuple[str, ...]) -> None:
        self._checking = False
        if restarted and not self._stopped:
            what = " and ".join(filter(None, (", ".join(restarted[:-1]), restarted[-1])))
            log.warning("%s had stopped; started again", what)
            pronoun = "it was" if len(restarted) == 1 else "they were"
            self.restarted.emit(f"{what[0].upper()}{what[1:]} had stopped; {pronoun} started again and "
                                "unfinished work goes on.")

    def _failed(self, error: BaseException) -> None:
        from studyteddy_desktop.runtime.service_watch import ServiceKeepsStoppingError

        self._checking = False
        if self._stopped:
            return
        # Checking again every few seconds would only repeat the same failure.
        self._timer.stop()
        what = error.service if isinstance(error, ServiceKeepsStoppingError) else "The background worker"
        log.error("%s could not be started again: %s", what, error)
        self.gave_up.emit(f"{what} stopped and could not be started again: "
                          f"{user_message(error)} Restart Study Teddy.")
