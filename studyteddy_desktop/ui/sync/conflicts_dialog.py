"""The Conflicts dialog: both versions of each field two devices changed at once, and the student's choice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFrame, QGridLayout, QHBoxLayout, QLabel,
                               QPlainTextEdit, QPushButton, QScrollArea, QVBoxLayout, QWidget)

from studyteddy_desktop.domain.sync_dto import ConflictChoice, ConflictDTO
from studyteddy_desktop.ui.background_op import BackgroundOp, ChangeOp, user_message
from studyteddy_desktop.ui.sync.sync_scheduler import SYNCED_CHANGES

if TYPE_CHECKING:
    from studyteddy_desktop.services.app_services import AppServices

NO_CONFLICTS = "No conflicts: every change merged cleanly."


def _read_only_text(text: str) -> QPlainTextEdit:
    view = QPlainTextEdit(text)
    view.setReadOnly(True)
    view.setMaximumHeight(140)
    return view


class MergeEditor(QDialog):
    """Both versions in one editor; what the student saves becomes the field's value everywhere."""

    def __init__(self, conflict: ConflictDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Merge the {conflict.field_label} by hand")
        self.editor = QPlainTextEdit(f"{conflict.current_value}\n\n{conflict.other_value}")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.editor.textChanged.connect(
            lambda: self.save_button.setEnabled(bool(self.editor.toPlainText().strip())))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{conflict.record_label}: both versions of the {conflict.field_label}. "
                                "Edit them into the one you want to keep, then save."))
        layout.addWidget(self.editor)
        layout.addWidget(buttons)
        self.resize(560, 380)

    @property
    def merged_text(self) -> str:
        return self.editor.toPlainText()


class ConflictPanel(QFrame):
    """One conflict: what it is, the two versions side by side, and the four ways out."""

    chosen = Signal(object, object, object)  # conflict, ConflictChoice, merged text or None

    def __init__(self, conflict: ConflictDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conflict = conflict
        self.setFrameShape(QFrame.Shape.StyledPanel)
        title = QLabel(f"<b>{conflict.kind_label} · {conflict.field_label}</b> — {conflict.record_label}")
        title.setTextFormat(Qt.TextFormat.RichText)
        title.setWordWrap(True)
        self.current_view = _read_only_text(conflict.current_value)
        self.other_view = _read_only_text(conflict.other_value)
        self.keep_current_button = QPushButton("Keep the one shown")
        self.keep_other_button = QPushButton("Keep the other version")
        self.keep_both_button = QPushButton("Keep both")
        self.keep_both_button.setToolTip(f"Make a copy of the {conflict.kind_label.lower()}, so each version "
                                         "lives on in its own")
        self.merge_button = QPushButton("Merge by hand…")
        self.keep_current_button.clicked.connect(lambda: self._choose(ConflictChoice.KEEP_CURRENT))
        self.keep_other_button.clicked.connect(lambda: self._choose(ConflictChoice.KEEP_OTHER))
        self.keep_both_button.clicked.connect(lambda: self._choose(ConflictChoice.KEEP_BOTH))
        self.merge_button.clicked.connect(self.merge_by_hand)
        self.choice_buttons = (self.keep_current_button, self.keep_other_button, self.keep_both_button,
                               self.merge_button)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        grid = QGridLayout()
        grid.addWidget(QLabel("Shown now (the newest edit):"), 0, 0)
        grid.addWidget(QLabel("The other version, written at the same time:"), 0, 1)
        grid.addWidget(self.current_view, 1, 0)
        grid.addWidget(self.other_view, 1, 1)
        buttons = QHBoxLayout()
        for button in self.choice_buttons:
            buttons.addWidget(button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addWidget(self.message_label)

    def _choose(self, choice: ConflictChoice, merged_text: str | None = None) -> None:
        self.chosen.emit(self.conflict, choice, merged_text)

    def open_merge_editor(self) -> MergeEditor:
        """The editor, prefilled; a test (or the student) edits and saves it."""
        editor = MergeEditor(self.conflict, self)
        editor.accepted.connect(lambda: self._choose(ConflictChoice.MERGED, editor.merged_text))
        return editor

    def merge_by_hand(self) -> None:
        self.open_merge_editor().open()

    def set_busy(self, busy: bool, message: str = "") -> None:
        for button in self.choice_buttons:
            button.setEnabled(not busy)
        self.message_label.setText(message)


class ConflictsDialog(QDialog):
    """Lists `services.sync.conflicts()`; each choice is resolved in the background, then the list reloads."""

    resolved = Signal()

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.conflicts: list[ConflictDTO] = []
        self.panels: list[ConflictPanel] = []
        self.setWindowTitle("Sync conflicts")
        self.summary_label = QLabel("Looking for conflicts…")
        self.summary_label.setWordWrap(True)
        self.list_body = QWidget()
        self.list_layout = QVBoxLayout(self.list_body)
        self.list_layout.addStretch()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.list_body)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(scroll, stretch=1)
        layout.addWidget(close)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, activated=self.refresh)
        self.resize(760, 560)
        self.refresh()

    def refresh(self) -> None:
        (BackgroundOp.plain(self.services.sync.conflicts, parent=self)
         .success(self.show_conflicts)
         .failure(lambda error: self.summary_label.setText(
             f"Study Teddy could not list the conflicts: {user_message(error)}")).run())

    def show_conflicts(self, conflicts: list[ConflictDTO]) -> None:
        self.conflicts = list(conflicts)
        for panel in self.panels:
            panel.setParent(None)
            panel.deleteLater()
        self.panels = []
        for conflict in self.conflicts:
            panel = ConflictPanel(conflict)
            panel.chosen.connect(self.resolve)
            self.list_layout.insertWidget(self.list_layout.count() - 1, panel)
            self.panels.append(panel)
        count = len(self.conflicts)
        self.summary_label.setText(
            NO_CONFLICTS if not count else
            f"{count} change{' was' if count == 1 else 's were'} made on two devices at once. For each, "
            "choose the version to keep; the one you drop stays in the record's history.")

    def panel_for(self, key: str) -> ConflictPanel | None:
        return next((panel for panel in self.panels if panel.conflict.key == key), None)

    def resolve(self, conflict: ConflictDTO, choice: ConflictChoice, merged_text: str | None = None) -> None:
        panel = self.panel_for(conflict.key)
        if panel is not None:
            panel.set_busy(True, "Saving your choice…")
        sync = self.services.sync

        def failed(error: BaseException) -> None:
            if panel is not None and panel in self.panels:
                panel.set_busy(False, user_message(error))

        def done(_result) -> None:
            self.resolved.emit()
            self.refresh()

        # The choice changes local records (a copy, the other text): panes refresh and the change syncs.
        (ChangeOp.plain(self.services, lambda: sync.resolve_conflict(conflict.key, choice, merged_text),
                        changes=SYNCED_CHANGES, parent=self)
         .success(done).failure(failed).run())
