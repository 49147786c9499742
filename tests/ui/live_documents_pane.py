"""The Documents pane on the session's servers, with a worker and its events flowing in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.dto import RuntimeEndpoints
from studyteddy_desktop.assembly import open_services
from studyteddy_desktop.services.app_services import AppServices
from studyteddy_desktop.ui.change_broadcast import broadcaster_for
from studyteddy_desktop.ui.event_listener import WorkerEventListener
from studyteddy_desktop.ui.panes.documents_pane import DocumentsPane
from tests.worker_support import session_worker


@contextmanager
def live_documents_pane(qtbot, endpoints: RuntimeEndpoints, data_dir: Path,
                        clean_up: Callable[[AppServices], None]) -> Iterator[DocumentsPane]:
    """`clean_up` runs once the events have stopped, so no reload starts for what it deletes."""
    worker = session_worker(endpoints)
    worker.ensure_running()
    services = open_services(endpoints)
    pane = DocumentsPane(services, Settings(data_dir=data_dir))
    qtbot.addWidget(pane)
    listener = WorkerEventListener(endpoints.redis_url, endpoints.database_url)
    listener.event_received.connect(broadcaster_for(services).deliver_worker_event)
    listener.start()
    pane.show()
    yield pane
    listener.stop()
    clean_up(services)
    services.close()
    worker.stop()
