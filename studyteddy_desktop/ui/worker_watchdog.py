"""Keeps the window's worker alive: a periodic check, off the GUI thread, that restarts one that died."""

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
    """Every few seconds asks the watch; says so when it restarted the worker or gave up on it.

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

    def _check(self) -> bool:
        from studyteddy_desktop.runtime.worker_watch import WorkerState

        restarted = self.watch.check() is WorkerState.RESTARTED
        # A worker that stayed up a minute has got past whatever killed it; one that dies again at once
        # (a file that crashes every reader) is given up on after the watch's few restarts.
        self._alive_checks = 0 if restarted else self._alive_checks + 1
        if self._alive_checks * self._interval_ms >= HEALTHY_AFTER_MS:
            self.watch.progressed()
        return restarted

    def _checked(self, restarted: bool) -> None:
        self._checking = False
        if restarted and not self._stopped:
            log.warning("The worker had stopped; started another")
            self.restarted.emit("The background worker had stopped; it was started again and unfinished "
                                "work goes on.")

    def _failed(self, error: BaseException) -> None:
        self._checking = False
        if self._stopped:
            return
        # Checking again every few seconds would only repeat the same failure.
        self._timer.stop()
        log.error("The worker could not be started again: %s", error)
        self.gave_up.emit(f"The background worker stopped and could not be started again: "
                          f"{user_message(error)} Restart Study Teddy.")
