"""Without an account the window looks as it always did; its sync keys and Conflicts dialog are there."""

from __future__ import annotations

from PySide6.QtCore import QThreadPool, Qt
from PySide6.QtGui import QKeySequence

from studyteddy_desktop.config import Settings

from studyteddy_desktop.domain.sync_dto import SyncState
from studyteddy_desktop.ui.main_window import MainWindow
from studyteddy_desktop.ui.sync.conflicts_dialog import NO_CONFLICTS


def test_a_window_without_an_account_hides_the_sync_item(qtbot, started_window):
    window, _controller = started_window
    scheduler = window.sync_scheduler
    assert scheduler is not None
    qtbot.waitUntil(lambda: scheduler.status is not None, timeout=15_000)
    assert scheduler.status.state is SyncState.LOCAL_ONLY
    assert window.sync_item.isHidden()
    assert window.sync_now_action.shortcut() == QKeySequence("Ctrl+Shift+S")
    window.sync_now_action.trigger()
    qtbot.wait(200)
    assert scheduler.syncs_started == 0
    settings = window._pane_widgets[-1]
    assert settings.account_box is not None
    qtbot.waitUntil(lambda: not settings.account_box.pages.isHidden(), timeout=15_000)
    assert not settings.account_box.signed_in_shown

    window.conflicts_action.trigger()
    dialog = window.conflicts_dialog
    qtbot.waitUntil(lambda: dialog.summary_label.text() == NO_CONFLICTS, timeout=15_000)
    dialog.close()


def test_signing_in_from_settings_syncs_and_the_status_bar_says_so(qtbot, tmp_path, make_device, make_student,
                                                                   replicas):
    services = make_device()
    student = make_student()
    services.flashcards.create_deck("Geography")
    window = MainWindow(Settings(data_dir=tmp_path / "window"))
    qtbot.addWidget(window)
    window.show()
    window.show_ready(services)
    scheduler = window.sync_scheduler
    qtbot.waitUntil(lambda: scheduler.status is not None, timeout=15_000)
    assert window.sync_item.isHidden()

    # "Sign in to sync" is not shown yet, but the route to the box is the window's.
    window.show_account()
    settings = window.current_pane()
    box = settings.account_box
    qtbot.waitUntil(lambda: not box.pages.isHidden(), timeout=15_000)
    box.server_edit.setText(replicas[0].url)
    box.login_edit.setText(student.login)
    box.password_edit.setText(student.password)
    box.sign_in_button.click()
    qtbot.waitUntil(lambda: scheduler.syncs_succeeded >= 1 and not scheduler.running, timeout=60_000)
    qtbot.waitUntil(lambda: window.sync_item.text.startswith("Synced at"), timeout=15_000)
    assert not window.sync_item.isHidden()
    assert box.signed_in_shown and box.last_synced_label.text() != "Not yet"
    assert services.sync.status().pending_changes == 0

    # The server's notice of this push may bring one more sync; let it pass before asking by key.
    qtbot.wait(1_000)
    qtbot.waitUntil(lambda: not scheduler.running, timeout=60_000)
    before = scheduler.syncs_started
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_S, ctrl_shift)
    assert scheduler.syncs_started == before + 1
    qtbot.waitUntil(lambda: not scheduler.running, timeout=60_000)
    window.close()
    QThreadPool.globalInstance().waitForDone(30_000)
