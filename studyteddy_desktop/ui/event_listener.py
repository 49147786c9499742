"""Turns worker events arriving over Redis (or PostgreSQL, where no Redis is bundled) into Qt signals."""

from __future__ import annotations

import logging

from PySide6.QtCore import QThread, Signal

from studyteddy_desktop.domain.errors import ServiceUnavailableError
from studyteddy_desktop.domain.events import WorkerEvent
from studyteddy_desktop.services.core.event_channel import open_event_subscription

log = logging.getLogger(__name__)


class WorkerEventListener(QThread):
    """Listens until stopped; reconnects quietly if the server carrying the events restarts."""

    event_received = Signal(object)

    def __init__(self, redis_url: str | None, database_url: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("worker-event-listener")
        self._redis_url = redis_url
        self._database_url = database_url
        self._running = True

    def stop(self) -> None:
        self._running = False
        self.wait(2000)

    def run(self) -> None:
        while self._running:
            try:
                subscription = open_event_subscription(self._redis_url, self._database_url)
            except ServiceUnavailableError:
                self.msleep(500)
                continue
            try:
                while self._running:
                    event: WorkerEvent | None = subscription.next_event(timeout=0.2)
                    if event is not None:
                        self.event_received.emit(event)
            except ServiceUnavailableError as error:
                log.info("Worker event channel interrupted: %s", error)
                self.msleep(500)
            finally:
                subscription.close()
