"""The real main window with its controller, started on the session's servers."""

from __future__ import annotations

import pytest

from studyteddy_desktop.config import Settings
from studyteddy_desktop.ui.app_controller import AppController
from studyteddy_desktop.ui.application import connect_window
from studyteddy_desktop.ui.main_window import MainWindow


@pytest.fixture()
def started_window(qtbot, session_runtime, session_data_dir):
    settings = Settings(data_dir=session_data_dir)
    window = MainWindow(settings)
    qtbot.addWidget(window)
    controller = AppController(settings)
    connect_window(window, controller)
    window.show()
    with qtbot.waitSignal(controller.ready, timeout=60_000):
        controller.start()
    yield window, controller
    controller.shutdown()


@pytest.fixture()
def live_documents_pane(qtbot, endpoints, session_data_dir):
    """The Documents pane on the session's servers, with a worker and its events flowing in."""
    from studyteddy_desktop.services.app_services import AppServices
    from studyteddy_desktop.ui.event_listener import WorkerEventListener
    from studyteddy_desktop.ui.panes.documents_pane import DocumentsPane
    from tests.worker_support import session_worker

    worker = session_worker(endpoints)
    worker.ensure_running()
    services = AppServices(endpoints)
    pane = DocumentsPane(services, Settings(data_dir=session_data_dir))
    qtbot.addWidget(pane)
    listener = WorkerEventListener(endpoints.redis_url)
    listener.event_received.connect(pane.on_worker_event)
    listener.start()
    pane.show()
    yield pane
    listener.stop()
    services.close()
    worker.stop()
