"""Owns the runtime and the services for the GUI: starts them off the main thread, stops them on quit."""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, Signal

from studyteddy_desktop.config import Settings
from studyteddy_desktop.ui.background_op import BackgroundOp, ProgressFn
from studyteddy_desktop.ui.startup_trace import trace

if TYPE_CHECKING:
    from studyteddy_desktop.domain.dto import RuntimeEndpoints
    from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
    from studyteddy_desktop.services.app_services import AppServices
    from studyteddy_desktop.ui.event_listener import WorkerEventListener
    from studyteddy_desktop.ui.worker_watchdog import WorkerWatchdog

log = logging.getLogger(__name__)


def _import_in_background() -> threading.Thread:
    """Load the services and the panes (over a second of imports) on a thread, while the servers start.

    A failure is ignored here: the caller's own import afterwards raises it where it is reported.
    """

    def run() -> None:
        try:
            importlib.import_module("studyteddy_desktop.services.app_services")
            from studyteddy_desktop.ui.panes import PANES

            for spec in PANES:
                importlib.import_module(spec.widget_path.split(":")[0])
        except BaseException:
            log.debug("Importing the services in the background failed", exc_info=True)

    thread = threading.Thread(target=run, name="import-services", daemon=True)
    thread.start()
    return thread


class AppController(QObject):
    """Starts the services in the background and announces the outcome with signals."""

    progressed = Signal(str, float)
    ready = Signal(object)
    failed = Signal(object)
    # What the worker watchdog has to say: restarted (a passing note) or lost (lasting).
    worker_restarted = Signal(str)
    worker_lost = Signal(str)

    def __init__(self, settings: Settings, open_services: Callable[[RuntimeEndpoints], AppServices],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._open_services = open_services
        self.services: AppServices | None = None
        self._runtime: ServiceRuntime | None = None
        self._listener: WorkerEventListener | None = None
        self._watchdog: WorkerWatchdog | None = None
        self._starting = threading.Lock()

    def start(self) -> None:
        (BackgroundOp(self._start_services, parent=self)
         .with_progress(self.progressed.emit)
         .success(self._started)
         .failure(self.failed.emit)
         .run())

    def _start_services(self, progress: ProgressFn) -> AppServices:
        with self._starting:
            # Imported here, not at the top, so the window paints before the database libraries load.
            importing = _import_in_background()
            from studyteddy_desktop.runtime.early_worker import start_worker_early

            start_worker_early(self.settings)
            from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
            from studyteddy_desktop.services.backups.pre_upgrade import back_up_before_schema_upgrade

            self._runtime = ServiceRuntime(self.settings, before_schema_upgrade=back_up_before_schema_upgrade)
            endpoints = self._runtime.start(progress)
            trace("runtime-started")
            importing.join()
            services = self._open_services(endpoints)
            trace("services-built")
            return services

    def _started(self, services: AppServices) -> None:
        from studyteddy_desktop.ui.change_broadcast import broadcaster_for
        from studyteddy_desktop.ui.event_listener import WorkerEventListener

        self.services = services
        self._listener = WorkerEventListener(services.endpoints.redis_url, services.endpoints.database_url, self)
        # Worker events reach the panes only through the broadcaster, which also says what they changed.
        self._listener.event_received.connect(broadcaster_for(services).deliver_worker_event)
        self._listener.start()
        self._watch_worker()
        self.ready.emit(services)
        # After the window is up, on the pool: a day's first start snapshots the profile.
        BackgroundOp.plain(services.backups.back_up_daily_if_due, parent=self).failure(
            lambda error: log.warning("The daily backup failed: %s", error)).run()

    def _watch_worker(self) -> None:
        if self._runtime is None or self._runtime.worker is None:
            return
        from studyteddy_desktop.runtime.service_watch import ServiceWatch
        from studyteddy_desktop.runtime.worker_watch import WorkerWatch
        from studyteddy_desktop.ui.worker_watchdog import WorkerWatchdog

        # Only the bundled servers: an external one given by URL is not this app's to restart.
        watch = WorkerWatch(self._runtime.worker, services=ServiceWatch.of(self._runtime))
        self._watchdog = WorkerWatchdog(watch, self)
        self._watchdog.restarted.connect(self.worker_restarted.emit)
        self._watchdog.gave_up.connect(self.worker_lost.emit)
        self._watchdog.start()

    def ensure_worker_running(self, done) -> None:
        """Start the worker again if it died (the Tutor's Retry); `done(error | None)` runs on the GUI thread."""

        def ensure() -> None:
            from studyteddy_desktop.domain.errors import ServiceUnavailableError

            runtime = self._runtime
            if runtime is None or runtime.worker is None:
                raise ServiceUnavailableError("The background worker is not managed by this window; "
                                              "restart Study Teddy.")
            runtime.worker.ensure_running()

        BackgroundOp.plain(ensure, parent=self).success(lambda _result: done(None)).failure(done).run()

    def shutdown(self) -> None:
        """Stop listening, close connections, and stop the servers if no other app process uses them."""
        if self._watchdog is not None:
            # First: a check running now must not start a worker the runtime is about to stop.
            self._watchdog.stop()
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        QThreadPool.globalInstance().waitForDone(30_000)
        with self._starting:
            if self.services is not None:
                self.services.close()
                self.services = None
            if self._runtime is not None:
                try:
                    self._runtime.stop()
                except Exception:
                    log.exception("Stopping the services failed")
                self._runtime = None
