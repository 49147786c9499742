"""The Settings box that lists the backups and makes or restores one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studyteddy_desktop.domain.events import Changes
from studyteddy_desktop.ui.background_op import BackgroundOp, ChangeOp, user_message
from studyteddy_desktop.ui.documents.document_table_model import human_size

if TYPE_CHECKING:
    from studyteddy_desktop.domain.backup_dto import BackupInfo
    from studyteddy_desktop.services.app_services import AppServices

# A restore replaces every row, so every pane refreshes.
EVERYTHING = Changes(tasks=True, exams=True, sessions=True, focus=True, decks=True, cards=True, reviews=True,
                     documents=True, threads=True, preferences=True, profile=True, jobs=True)
REASON_LABELS = {"daily": "Daily", "manual": "Made by you", "pre-upgrade": "Before an update",
                 "pre-restore": "Before a restore"}


class BackupsBox(QGroupBox):
    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__("Backups", parent)
        self.services = services
        self._backups: list[BackupInfo] = []
        self._summary = ""
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Made", "Why", "Size"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(160)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.back_up_button = QPushButton("&Back up now")
        self.back_up_button.clicked.connect(self.back_up_now)
        self.restore_button = QPushButton("&Restore…")
        self.restore_button.setToolTip("Replace all your data with the selected backup's")
        self.restore_button.clicked.connect(self.restore_selected)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Study Teddy backs up your database and documents once a day and "
                                "before every update, and keeps the newest ones."))
        layout.addWidget(self.table)
        row = QHBoxLayout()
        row.addWidget(self.back_up_button)
        row.addWidget(self.restore_button)
        row.addWidget(self.progress, stretch=1)
        layout.addLayout(row)
        layout.addWidget(self.message_label)
        self._busy = False
        self._update_buttons()
        self.refresh()

    def showEvent(self, event) -> None:
        # The start-up backup or a terminal command may have added one since this box last looked.
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        BackgroundOp.plain(self.services.backups.list, parent=self).success(self.show_backups).failure(
            lambda error: self.message_label.setText(user_message(error))).run()

    def show_backups(self, backups: list[BackupInfo]) -> None:
        self._backups = list(backups)
        self.table.setRowCount(len(self._backups))
        for row, info in enumerate(self._backups):
            made = QTableWidgetItem(info.created_at.astimezone().strftime("%a %d %b %Y, %H:%M"))
            made.setData(Qt.ItemDataRole.UserRole, info.id)
            made.setToolTip(info.id)
            self.table.setItem(row, 0, made)
            self.table.setItem(row, 1, QTableWidgetItem(REASON_LABELS.get(info.reason, info.reason)))
            size = QTableWidgetItem(human_size(info.size_bytes))
            size.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, 2, size)
        total = human_size(sum(info.size_bytes for info in self._backups))
        count = len(self._backups)
        summary = (f"{count} backup{'s' if count != 1 else ''} kept ({total}); select one to restore it."
                   if self._backups else "No backups yet.")
        # The outcome of what the student just did stays until they do something else.
        if not self._busy and self.message_label.text() in ("", self._summary):
            self.message_label.setText(summary)
        self._summary = summary
        self._update_buttons()

    def selected(self) -> BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self._backups[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        self.back_up_button.setEnabled(not self._busy)
        self.restore_button.setEnabled(not self._busy and self.selected() is not None)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        self.progress.setValue(0)
        self._update_buttons()

    def _show_progress(self, step: str, fraction: float) -> None:
        self.progress.setValue(int(fraction * 100))
        self.message_label.setText(step + "…")

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self.message_label.setText(user_message(error))

    def back_up_now(self) -> None:
        self._set_busy(True)

        def done(info: BackupInfo) -> None:
            self._set_busy(False)
            self.message_label.setText(f"Backed up ({human_size(info.size_bytes)}).")
            self.refresh()

        (BackgroundOp(self.services.backups.back_up_now, parent=self).with_progress(self._show_progress)
         .success(done).failure(self._failed).run())

    def confirm_restore(self, info: BackupInfo) -> bool:
        made = info.created_at.astimezone().strftime("%A %d %B %Y at %H:%M")
        answer = QMessageBox.question(
            self, "Restore this backup?",
            f"Replace all your current data (documents, cards, plans, tutor threads) with the backup "
            f"made on {made}?\n\nStudy Teddy first backs up your data as it is now, so you can undo "
            "this by restoring that backup.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def restore_selected(self) -> None:
        info = self.selected()
        if info is None or not self.confirm_restore(info):
            return
        self._set_busy(True)

        def done(_safety: BackupInfo) -> None:
            self._set_busy(False)
            self.message_label.setText("Restored. Your data from just before is kept as the newest backup.")
            self.refresh()

        (ChangeOp(self.services, lambda progress: self.services.backups.restore(info.id, progress),
                  changes=EVERYTHING, parent=self)
         .with_progress(self._show_progress).success(done).failure(self._failed).run())
