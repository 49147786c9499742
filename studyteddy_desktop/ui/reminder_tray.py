"""Desktop reminders: a tray icon when the desktop has one, else the window's status bar."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMainWindow, QMenu, QSystemTrayIcon

from studyteddy_desktop.domain.planner_dto import Reminder
from studyteddy_desktop.ui.app_icon import app_icon
from studyteddy_desktop.ui.background_op import BackgroundOp

log = logging.getLogger(__name__)

CHECK_INTERVAL_MS = 5 * 60_000
FIRST_CHECK_MS = 15_000
STATUS_MESSAGE_MS = 20_000


class DesktopNotifier(QObject):
    """Shows a notification through the tray when there is one; `shown` keeps what was shown."""

    def __init__(self, window: QMainWindow, *, use_tray: bool | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.shown: list[tuple[str, str]] = []
        available = QSystemTrayIcon.isSystemTrayAvailable() if use_tray is None else use_tray
        self.tray: QSystemTrayIcon | None = None
        if available:
            self.tray = QSystemTrayIcon(app_icon(), window)
            self.tray.setToolTip("Study Teddy")
            menu = QMenu(window)
            menu.addAction("Show Study Teddy", self._raise_window)
            menu.addAction("Quit", window.close)
            self.tray.setContextMenu(menu)
            self.tray.activated.connect(lambda _reason: self._raise_window())
            self.tray.show()

    def _raise_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def notify(self, title: str, message: str) -> None:
        self.shown.append((title, message))
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage(title, message, app_icon(), 10_000)
        else:
            self.window.statusBar().showMessage(f"{title}: {message}", STATUS_MESSAGE_MS)

    def hide(self) -> None:
        if self.tray is not None:
            self.tray.hide()


class ReminderPoller(QObject):
    """Asks the reminder service every few minutes and hands each new reminder to `notify`."""

    def __init__(self, take_new: Callable[[], list[Reminder]], notify: Callable[[str, str], None],
                 parent: QObject | None = None, *, interval_ms: int = CHECK_INTERVAL_MS,
                 first_check_ms: int = FIRST_CHECK_MS) -> None:
        super().__init__(parent)
        self._take_new = take_new
        self._notify = notify
        self._busy = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check_now)
        self._timer.start()
        QTimer.singleShot(first_check_ms, self, self.check_now)

    def check_now(self) -> None:
        if self._busy:
            return
        self._busy = True
        BackgroundOp.plain(self._take_new, parent=self).success(self._arrived).failure(self._failed).run()

    def _arrived(self, reminders: list[Reminder]) -> None:
        self._busy = False
        for reminder in reminders:
            self._notify(reminder.title, reminder.message)

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        log.info("Reminder check failed: %s", error)

    def stop(self) -> None:
        self._timer.stop()


def install_reminders(window: QMainWindow, services) -> DesktopNotifier:
    """One notifier and one poller per window, whichever pane asks first."""
    existing = getattr(window, "desktop_notifier", None)
    if existing is not None:
        return existing
    notifier = DesktopNotifier(window)
    window.desktop_notifier = notifier
    window.reminder_poller = ReminderPoller(services.reminders.take_new, notifier.notify, window)
    return notifier
