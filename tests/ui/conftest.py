"""The real main window with its controller, started on the session's servers."""

from __future__ import annotations

import pytest

from studyteddy_desktop.assembly import open_services
from studyteddy_desktop.config import Settings
from studyteddy_desktop.ui.app_controller import AppController
from studyteddy_desktop.ui.application import connect_window
from studyteddy_desktop.ui.main_window import MainWindow


@pytest.fixture()
def started_window(qtbot, session_runtime, session_data_dir):
    settings = Settings(data_dir=session_data_dir)
    window = MainWindow(settings)
    qtbot.addWidget(window)
    controller = AppController(settings, open_services)
    connect_window(window, controller)
    window.show()
    with qtbot.waitSignal(controller.ready, timeout=60_000):
        controller.start()
    yield window, controller
    controller.shutdown()
