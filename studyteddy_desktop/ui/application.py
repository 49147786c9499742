"""Starts the Qt application: window first, services in the background, clean stop on quit."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from studyteddy_desktop.config import Settings
from studyteddy_desktop.ui.app_controller import AppController
from studyteddy_desktop.ui.app_icon import app_icon
from studyteddy_desktop.ui.main_window import MainWindow
from studyteddy_desktop.ui.singleton_refcounts import keep_singletons_alive
from studyteddy_desktop.ui.startup_trace import exit_when_ready, trace

if TYPE_CHECKING:
    from studyteddy_desktop.domain.dto import RuntimeEndpoints
    from studyteddy_desktop.services.app_services import AppServices

log = logging.getLogger(__name__)


def create_application(argv: list[str] | None = None) -> QApplication:
    # Before any signal is emitted: otherwise quitting can crash in the interpreter's finalisation.
    keep_singletons_alive()
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv or [sys.argv[0] if sys.argv else "studyteddy"])
    app.setApplicationName("Study Teddy")
    app.setApplicationDisplayName("Study Teddy")
    app.setOrganizationName("Study Teddy")
    app.setDesktopFileName("studyteddy")
    app.setWindowIcon(app_icon())
    app.setStyle("Fusion")
    return app


def connect_window(window: MainWindow, controller: AppController) -> None:
    """Wire the controller's lifecycle into the window."""
    controller.progressed.connect(window.show_startup_progress)
    controller.ready.connect(window.show_ready)
    controller.failed.connect(window.show_startup_failure)
    window.retry_requested.connect(controller.start)
    window.worker_restart_requested.connect(controller.ensure_worker_running)
    controller.worker_restarted.connect(lambda text: window.statusBar().showMessage(text, 15_000))
    controller.worker_lost.connect(lambda text: (window.statusBar().showMessage(text), window.refresh_health()))


def _quit_on_termination_signals(window: MainWindow) -> QTimer:
    """SIGTERM (logout, kill) and Ctrl+C in the terminal quit cleanly, like closing the window."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: QTimer.singleShot(0, window.close))
    # Python runs signal handlers only between bytecodes; a ticking timer gives it the chance.
    heartbeat = QTimer(window)
    heartbeat.start(250)
    heartbeat.timeout.connect(lambda: None)
    return heartbeat


def run_gui(settings: Settings, open_services: Callable[[RuntimeEndpoints], AppServices]) -> int:
    """Show the window and run until quit; `open_services` builds the service layer once the servers run."""
    app = create_application()
    window = MainWindow(settings)
    controller = AppController(settings, open_services)
    connect_window(window, controller)
    window.quit_requested.connect(app.quit)
    _quit_on_termination_signals(window)
    window.show()
    QTimer.singleShot(0, lambda: trace("window-shown"))
    controller.ready.connect(lambda _services: trace("services-ready"))
    window.health_reported.connect(
        lambda report: trace("services-healthy" if report.healthy else "services-unhealthy"))
    if exit_when_ready():
        window.health_reported.connect(lambda _report: QTimer.singleShot(0, window.close))
        controller.failed.connect(lambda _error: QTimer.singleShot(0, window.close))
    # Once the event loop runs: the startup threads' imports would otherwise hold the GIL while
    # the window paints for the first time.
    QTimer.singleShot(0, controller.start)
    code = app.exec()
    trace("quit-requested")
    window.hide()
    controller.shutdown()
    trace("shutdown-done")
    return code
