"""The main window, offscreen: appears at once, starts services in the background, quits on Ctrl+Q."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, QThread, QThreadPool
from PySide6.QtWidgets import QApplication, QMessageBox

from studyteddy_desktop.assembly import open_services
from studyteddy_desktop.config import Settings
from studyteddy_desktop.ui.app_controller import AppController
from studyteddy_desktop.ui.application import connect_window
from studyteddy_desktop.ui.background_op import BackgroundOp
from studyteddy_desktop.ui.main_window import MainWindow


def test_the_window_appears_before_the_services_are_up(qtbot, tmp_path):
    window = MainWindow(Settings(data_dir=tmp_path / "data"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == "Study Teddy"
    assert window.current_pane() is window.startup_view
    assert not window.sidebar.isEnabled()
    assert window.status_indicator.state_of("PostgreSQL") == "wait"


def test_ready_window_shows_settings_with_health_and_data_dir(qtbot, started_window, session_data_dir):
    window, _controller = started_window
    titles = [window.sidebar.item(row).text() for row in range(window.sidebar.count())]
    # The Dashboard is home; Settings comes last; features add their panes in between.
    assert titles[0] == "Dashboard" and titles[-1] == "Settings"
    assert window.current_pane() is window._pane_widgets[0]
    window.go_to_pane(len(titles) - 1)
    settings_pane = window.current_pane()
    assert settings_pane.data_dir_label.text() == str(session_data_dir)
    qtbot.waitUntil(lambda: settings_pane.health_table.rowCount() >= 7, timeout=30_000)
    # Under a loaded suite the worker a test before this one stopped may still be coming back: the table
    # is read once it is, and checked again.
    qtbot.waitUntil(lambda: window.status_indicator.state_of("Worker") == "ok", timeout=30_000)
    settings_pane.check_services()

    def rows() -> dict[str, str]:
        return {settings_pane.health_table.item(row, 0).text(): settings_pane.health_table.item(row, 1).text()
                for row in range(settings_pane.health_table.rowCount())}

    qtbot.waitUntil(lambda: all(status.endswith("Healthy") for status in rows().values()), timeout=30_000)
    qtbot.waitUntil(lambda: settings_pane.name_edit.text() != "", timeout=10_000)


def test_editing_the_profile_saves_it_and_refuses_an_empty_name(qtbot, started_window):
    window, controller = started_window
    window.go_to_pane(window.sidebar.count() - 1)
    pane = window.current_pane()
    qtbot.waitUntil(lambda: pane.name_edit.text() != "", timeout=10_000)
    pane.name_edit.setText("Grace Hopper")
    pane.subjects_edit.setText("Compilers, Navy history")
    qtbot.mouseClick(pane.save_profile_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.profile_message.text() == "Saved.", timeout=10_000)
    assert controller.services.profile.ensure_local_profile().subjects == ("Compilers", "Navy history")
    pane.name_edit.setText("   ")
    qtbot.keyClick(pane.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "cannot be empty" in pane.profile_message.text(), timeout=10_000)
    assert controller.services.profile.ensure_local_profile().display_name == "Grace Hopper"


def test_ctrl_q_asks_the_app_to_quit(qtbot, started_window):
    window, _controller = started_window
    with qtbot.waitSignal(window.quit_requested, timeout=2000):
        qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()


def test_a_startup_failure_is_explained_with_retry_and_quit(qtbot, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings = Settings(data_dir=blocker / "data")
    window = MainWindow(settings)
    qtbot.addWidget(window)
    controller = AppController(settings, open_services)
    connect_window(window, controller)
    window.show()
    with qtbot.waitSignal(controller.failed, timeout=30_000):
        controller.start()
    assert "cannot use the data directory" in window.startup_view.step_text
    assert window.startup_view._retry.isVisible()
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert dialogs and "cannot use the data directory" in dialogs[0].text()
    for dialog in dialogs:
        dialog.close()
    with qtbot.waitSignal(controller.failed, timeout=30_000):
        qtbot.mouseClick(window.startup_view._retry, Qt.MouseButton.LeftButton)
    assert window.startup_view._quit.isVisible()
    for dialog in [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]:
        dialog.close()
    # Quit closes the window, which asks the app to quit; the controller then has nothing left running.
    with qtbot.waitSignal(window.quit_requested, timeout=2000):
        qtbot.mouseClick(window.startup_view._quit, Qt.MouseButton.LeftButton)
    assert not window.isVisible()
    controller.shutdown()
    assert controller.services is None and controller._runtime is None
    assert QThreadPool.globalInstance().activeThreadCount() == 0


def test_background_op_calls_back_on_the_main_thread(qtbot):
    main_thread = QThread.currentThread()
    seen: dict[str, object] = {}

    def work(progress):
        seen["worker_thread"] = threading.current_thread().name
        progress("halfway", 0.5)
        return 42

    done = []
    op = (BackgroundOp(work)
          .with_progress(lambda label, fraction: seen.setdefault("progress", (label, fraction)))
          .success(lambda value: done.append((value, QThread.currentThread() is main_thread))))
    op.run()
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    assert done == [(42, True)]
    assert seen["progress"] == ("halfway", 0.5)
    assert seen["worker_thread"] != threading.current_thread().name


def test_background_op_reports_failures_to_the_failure_callback(qtbot):
    failures: list[BaseException] = []

    def work(_progress):
        raise ValueError("broken")

    BackgroundOp(work).failure(failures.append).run()
    qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert isinstance(failures[0], ValueError)
