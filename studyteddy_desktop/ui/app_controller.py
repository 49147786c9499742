"""Owns the runtime and the services for the GUI: starts them off the main thread, stops them on quit."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, Signal

from studyteddy_desktop.config import Settings
from studyteddy_desktop.ui.background_op import BackgroundOp, ProgressFn
from studyteddy_desktop.ui.startup_trace import trace

if TYPE_CHECKING:
    from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
    from studyteddy_desktop.services.app_services import AppServices
    from studyteddy_desktop.ui.event_listener import WorkerEventListener

log = logging.getLogger(__name__)


class AppController(QObject):
    """Starts the services in the background and announces the outcome with signals."""

    progressed = Signal(str, float)
    ready = Signal(object)
    failed = Signal(object)
    worker_event = Signal(object)

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.services: AppServices | None = None
        self._runtime: ServiceRuntime | None = None
        self._listener: WorkerEventListener | None = None
        self._starting = threading.Lock()

    def start(self) -> None:
        (BackgroundOp(self._start_services, parent=self)
         .with_progress(self.progressed.emit)
         .success(self._started)
         .failure(self.failed.emit)
         .run())

    def _start_services(self, progress: ProgressFn) -> AppServices:
        with self._starting:
            from studyteddy_desktop.runtime.early_worker import start_worker_early

            start_worker_early(self.settings)
            # Imported here so the window paints before the database libraries load.
            from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
            from studyteddy_desktop.services.app_services import AppServices

            self._runtime = ServiceRuntime(self.settings)
            endpoints = self._runtime.start(progress)
            trace("runtime-started")
            services = AppServices(endpoints)
            trace("services-built")
            return services

    def _started(self, services: AppServices) -> None:
        from studyteddy_desktop.ui.event_listener import WorkerEventListener

        self.services = services
        self._listener = WorkerEventListener(services.endpoints.redis_url, self)
        self._listener.event_received.connect(self.worker_event.emit)
        self._listener.start()
        self.ready.emit(services)

    def shutdown(self) -> None:
        """Stop listening, close connections, and stop the servers if no other app process uses them."""
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
