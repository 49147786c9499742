"""The conversations, newest first, with New, Rename (F2) and Delete (Del)."""

from __future__ import annotations

import uuid
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studyteddy_desktop.domain.tutor_dto import ThreadDTO

NEW_CONVERSATION_KEYS = "Ctrl+Shift+N"


def _when(moment: datetime) -> str:
    local = moment.astimezone()
    today = datetime.now().astimezone().date()
    if local.date() == today:
        return local.strftime("today %H:%M")
    if (today - local.date()).days == 1:
        return "yesterday"
    return local.strftime("%d %b")


class ThreadList(QWidget):
    thread_chosen = Signal(object)
    new_requested = Signal()
    rename_requested = Signal(object)
    delete_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setObjectName("threadList")
        self.list.setWordWrap(True)
        # Two-line entries run together without air between them.
        self.list.setSpacing(3)
        self.list.setAlternatingRowColors(True)
        self.list.currentItemChanged.connect(self._current_changed)
        self.threads: list[ThreadDTO] = []
        self._quiet = False

        self.new_button = QPushButton("New conversation")
        self.new_button.setToolTip(f"Start a new conversation ({NEW_CONVERSATION_KEYS})")
        self.new_button.clicked.connect(self.new_requested)
        self.rename_button = QPushButton("Rename")
        self.rename_button.setToolTip("Rename this conversation (F2)")
        self.rename_button.clicked.connect(self._rename_current)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete this conversation (Del); Undo brings it back")
        self.delete_button.clicked.connect(self._delete_current)
        for key, slot in (("F2", self._rename_current), (QKeySequence.StandardKey.Delete, self._delete_current)):
            action = QAction(self.list)
            action.setShortcut(QKeySequence(key))
            # Only in the list: Delete in the question box must delete text, not a conversation.
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.list.addAction(action)

        heading = QLabel("<b>Conversations</b>")
        row = QHBoxLayout()
        row.addWidget(self.rename_button)
        row.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.new_button)
        layout.addWidget(heading)
        layout.addWidget(self.list, stretch=1)
        layout.addLayout(row)
        self._update_buttons()

    def show_threads(self, threads: list[ThreadDTO], current: uuid.UUID | None) -> None:
        self._quiet = True
        self.threads = threads
        self.list.clear()
        for thread in threads:
            count = thread.interaction_count
            item = QListWidgetItem(f"{thread.title}\n{count} question{'s' if count != 1 else ''} · "
                                   f"{_when(thread.updated_at)}")
            item.setData(Qt.ItemDataRole.UserRole, thread.id)
            item.setToolTip(thread.title)
            self.list.addItem(item)
            if thread.id == current:
                self.list.setCurrentItem(item)
        if current is None:
            self.list.setCurrentRow(-1)
        self._quiet = False
        self._update_buttons()

    def current_thread(self) -> ThreadDTO | None:
        item = self.list.currentItem()
        if item is None:
            return None
        identifier = item.data(Qt.ItemDataRole.UserRole)
        return next((thread for thread in self.threads if thread.id == identifier), None)

    def _current_changed(self, current: QListWidgetItem | None, _previous) -> None:
        self._update_buttons()
        if not self._quiet and current is not None:
            self.thread_chosen.emit(current.data(Qt.ItemDataRole.UserRole))

    def _rename_current(self) -> None:
        thread = self.current_thread()
        if thread is not None:
            self.rename_requested.emit(thread)

    def _delete_current(self) -> None:
        thread = self.current_thread()
        if thread is not None:
            self.delete_requested.emit(thread)

    def _update_buttons(self) -> None:
        selected = self.list.currentItem() is not None
        self.rename_button.setEnabled(selected)
        self.delete_button.setEnabled(selected)
