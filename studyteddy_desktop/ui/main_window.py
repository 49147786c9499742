"""The Study Teddy main window: a sidebar of panes, the startup view, and a status bar."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow,
                               QMessageBox, QStackedWidget, QVBoxLayout, QWidget)

from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.errors import StudyTeddyError
from studyteddy_desktop.ui.app_icon import app_icon
from studyteddy_desktop.ui.background_op import BackgroundOp
from studyteddy_desktop.ui.service_status_bar import ServiceStatusIndicator
from studyteddy_desktop.ui.startup_view import StartupView
from studyteddy_desktop.ui.sync.sync_status_item import SyncStatusItem

if TYPE_CHECKING:
    from studyteddy_desktop.domain.dto import HealthReport
    from studyteddy_desktop.services.app_services import AppServices
    from studyteddy_desktop.ui.sync.conflicts_dialog import ConflictsDialog
    from studyteddy_desktop.ui.sync.sync_scheduler import SyncScheduler

log = logging.getLogger(__name__)

_HEALTH_INTERVAL_MS = 30_000


class MainWindow(QMainWindow):
    """Shows at once; panes appear when the services are ready."""

    quit_requested = Signal()
    retry_requested = Signal()
    health_reported = Signal(object)
    # Carries a callback `done(error | None)`; the app controller makes sure the worker runs.
    worker_restart_requested = Signal(object)
    # Every SyncStatusDTO the sync scheduler reads, for whoever else shows it.
    sync_status_changed = Signal(object)

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.services: AppServices | None = None
        self.setWindowTitle("Study Teddy")
        self.setWindowIcon(app_icon())
        self.resize(QSize(1100, 720))
        self.setMinimumSize(QSize(760, 520))

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(200)
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setEnabled(False)
        self.sidebar.currentRowChanged.connect(self._show_pane)
        self.panes = QStackedWidget()
        self.startup_view = StartupView()
        self.startup_view.retry_requested.connect(self._retry)
        self.startup_view.quit_requested.connect(self.close)
        self.panes.addWidget(self.startup_view)
        self._pane_widgets: list[QWidget] = []

        brand = QLabel()
        brand.setObjectName("brand")
        brand.setText("<b>Study Teddy</b>")
        brand_icon = QLabel()
        brand_icon.setPixmap(app_icon().pixmap(28, 28))
        brand_row = QHBoxLayout()
        brand_row.addWidget(brand_icon)
        brand_row.addWidget(brand)
        brand_row.addStretch()
        side = QVBoxLayout()
        side.setContentsMargins(8, 10, 0, 8)
        side.addLayout(brand_row)
        side.addWidget(self.sidebar)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(side)
        layout.addWidget(self.panes, stretch=1)
        self.setCentralWidget(central)

        # Hidden while nobody is signed in, so the local-only window looks as it always did.
        self.sync_item = SyncStatusItem()
        self.sync_item.sync_requested.connect(self.sync_now)
        self.sync_item.conflicts_requested.connect(self.show_conflicts)
        self.sync_item.sign_in_requested.connect(self.show_account)
        self.statusBar().addPermanentWidget(self.sync_item)
        self.sync_scheduler: SyncScheduler | None = None
        self.conflicts_dialog: ConflictsDialog | None = None
        self.status_indicator = ServiceStatusIndicator()
        self.statusBar().addPermanentWidget(self.status_indicator)
        self.statusBar().showMessage("Starting…")
        self._health_timer = QTimer(self)
        self._health_timer.setInterval(_HEALTH_INTERVAL_MS)
        self._health_timer.timeout.connect(self.refresh_health)
        self._install_actions()
        self._apply_style()

    # -- actions and keyboard ---------------------------------------------------------

    def _install_actions(self) -> None:
        quit_action = QAction("&Quit", self)
        # Ctrl+Q is not every platform's standard Quit key, and students expect it everywhere;
        # one action holds both so the two never make an ambiguous shortcut.
        keys = list(QKeySequence.keyBindings(QKeySequence.StandardKey.Quit))
        if QKeySequence("Ctrl+Q") not in keys:
            keys.append(QKeySequence("Ctrl+Q"))
        quit_action.setShortcuts(keys)
        quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        quit_action.triggered.connect(self.close)
        self.addAction(quit_action)
        self.quit_action = quit_action
        for index in range(9):
            goto = QAction(self)
            goto.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            goto.triggered.connect(lambda _checked=False, row=index: self.go_to_pane(row))
            self.addAction(goto)
        self.sync_now_action = QAction("S&ync now", self)
        self.sync_now_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.sync_now_action.triggered.connect(self.sync_now)
        self.addAction(self.sync_now_action)
        self.conflicts_action = QAction("Sync &conflicts…", self)
        self.conflicts_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.conflicts_action.triggered.connect(self.show_conflicts)
        self.addAction(self.conflicts_action)

    def _apply_style(self) -> None:
        # Palette roles, not fixed colours, so the system light or dark scheme carries through.
        self.setStyleSheet("""
            QListWidget#sidebar { border: none; background: transparent; font-size: 11pt; }
            QListWidget#sidebar::item { padding: 8px 10px; border-radius: 6px; }
            QListWidget#sidebar::item:selected { background: palette(highlight);
                                                 color: palette(highlighted-text); }
            QLabel#brand { font-size: 13pt; }
        """)

    # -- panes ------------------------------------------------------------------------

    def add_pane(self, title: str, widget: QWidget, *, icon=None) -> None:
        item = QListWidgetItem(title)
        item.setData(Qt.ItemDataRole.UserRole, title)
        if icon is not None:
            item.setIcon(icon)
        shortcut_number = len(self._pane_widgets) + 1
        item.setToolTip(f"{title} (Ctrl+{shortcut_number})")
        self.sidebar.addItem(item)
        self.panes.addWidget(widget)
        self._pane_widgets.append(widget)

    def set_pane_badge(self, title: str, count: int) -> None:
        """Show a count (cards due, say) after a pane's name in the sidebar; 0 hides it."""
        for row in range(self.sidebar.count()):
            item = self.sidebar.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == title:
                item.setText(f"{title}  ({count})" if count > 0 else title)

    def go_to_pane(self, row: int) -> None:
        if self.sidebar.isEnabled() and 0 <= row < self.sidebar.count():
            self.sidebar.setCurrentRow(row)

    def _show_pane(self, row: int) -> None:
        if 0 <= row < len(self._pane_widgets):
            self.panes.setCurrentWidget(self._pane_widgets[row])

    def _connect_pane_requests(self) -> None:
        """Panes ask for things beyond themselves with signals; the window routes them."""
        for widget in self._pane_widgets:
            passage_requested = getattr(widget, "passage_requested", None)
            if passage_requested is not None:
                passage_requested.connect(self.open_passage)
            worker_restart_requested = getattr(widget, "worker_restart_requested", None)
            if worker_restart_requested is not None:
                worker_restart_requested.connect(self.worker_restart_requested.emit)
            sync_requests = (("sync_requested", self.sync_now),
                             ("sync_conflicts_requested", self.show_conflicts),
                             ("sync_account_changed", self._sync_account_changed))
            for name, slot in sync_requests:
                pane_signal = getattr(widget, name, None)
                if pane_signal is not None:
                    pane_signal.connect(slot)

    def open_passage(self, document_id, char_start: int, char_end: int, page: int | None) -> None:
        """Show a passage of a document in the pane that reads documents."""
        for row, widget in enumerate(self._pane_widgets):
            opener = getattr(widget, "open_passage", None)
            if opener is not None:
                self.go_to_pane(row)
                opener(document_id, char_start, char_end, page)
                return

    def current_pane(self) -> QWidget:
        return self.panes.currentWidget()

    # -- startup ----------------------------------------------------------------------

    def show_startup_progress(self, step: str, fraction: float) -> None:
        self.startup_view.show_progress(step, fraction)
        self.statusBar().showMessage(step)

    def show_startup_failure(self, error: BaseException) -> None:
        if isinstance(error, StudyTeddyError):
            message, details = error.message, error.details
        else:
            message = "Something went wrong while starting. The log has the details."
            details = f"{type(error).__name__}: {error}"
        self.panes.setCurrentWidget(self.startup_view)
        self.startup_view.show_failure(message, details)
        self.status_indicator.show_unreachable(message)
        self.statusBar().showMessage("Could not start")
        box = QMessageBox(QMessageBox.Icon.Critical, "Study Teddy could not start", message,
                          QMessageBox.StandardButton.Ok, self)
        if details:
            box.setDetailedText(details)
        box.open()

    def _retry(self) -> None:
        self.startup_view.show_progress("Trying again", 0.0)
        self.retry_requested.emit()

    def show_ready(self, services: AppServices) -> None:
        from studyteddy_desktop.ui.panes import PANES

        self.services = services
        # The health check runs on a worker thread while the panes are built here.
        self.refresh_health()
        self._health_timer.start()
        if not self._pane_widgets:
            for spec in PANES:
                self.add_pane(spec.title, spec.build(services, self.settings))
            self._connect_pane_requests()
        self._start_sync(services)
        self.sidebar.setEnabled(True)
        self.sidebar.setCurrentRow(0)
        self.sidebar.setFocus()
        self.statusBar().showMessage("Ready", 4000)

    def refresh_health(self) -> None:
        if self.services is None:
            return
        services = self.services
        (BackgroundOp.plain(services.health.report, parent=self)
         .success(self._health_arrived)
         .failure(lambda error: self.status_indicator.show_unreachable(str(error)))
         .run())

    def _health_arrived(self, report: HealthReport) -> None:
        self.status_indicator.show_report(report)
        self.health_reported.emit(report)
        for widget in self._pane_widgets:
            receiver = getattr(widget, "show_health", None)
            if receiver is not None:
                receiver(report)

    # -- sync -------------------------------------------------------------------------

    def _start_sync(self, services: AppServices) -> None:
        if self.sync_scheduler is not None:
            return
        from studyteddy_desktop.ui.sync.sync_scheduler import SyncScheduler

        self.sync_scheduler = SyncScheduler(services, self)
        self.sync_scheduler.status_changed.connect(self._sync_status_arrived)
        self.sync_scheduler.progressed.connect(self.sync_item.show_progress)
        self.sync_scheduler.start()

    def sync_now(self) -> None:
        if self.sync_scheduler is not None:
            self.sync_scheduler.sync_now()

    def show_conflicts(self) -> None:
        if self.services is None:
            return
        if self.conflicts_dialog is None:
            from studyteddy_desktop.ui.sync.conflicts_dialog import ConflictsDialog

            self.conflicts_dialog = ConflictsDialog(self.services, self)
            if self.sync_scheduler is not None:
                self.conflicts_dialog.resolved.connect(self.sync_scheduler.refresh_status)
        else:
            self.conflicts_dialog.refresh()
        self.conflicts_dialog.show()
        self.conflicts_dialog.raise_()
        self.conflicts_dialog.activateWindow()

    def show_account(self) -> None:
        """Settings, scrolled to the Account box: where "Sign in to sync" leads."""
        for row, widget in enumerate(self._pane_widgets):
            if getattr(widget, "show_account_box", None) is not None:
                self.go_to_pane(row)
                widget.show_account_box()
                return

    def _sync_account_changed(self, status) -> None:
        if self.sync_scheduler is not None:
            self.sync_scheduler.account_changed(status)

    def _sync_status_arrived(self, status) -> None:
        self.sync_item.show_status(status)
        self.sync_status_changed.emit(status)
        for widget in self._pane_widgets:
            receiver = getattr(widget, "show_sync_status", None)
            if receiver is not None:
                receiver(status)

    # -- quitting ---------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self._health_timer.stop()
        if self.sync_scheduler is not None:
            self.sync_scheduler.stop()
        self.quit_requested.emit()
        event.accept()
