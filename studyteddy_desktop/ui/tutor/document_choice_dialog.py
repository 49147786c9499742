"""A dialog to tick the documents the tutor may answer from."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studyteddy_desktop.domain.document_dto import DocumentDTO


class DocumentChoiceDialog(QDialog):
    def __init__(self, documents: list[DocumentDTO], chosen: set[uuid.UUID], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose documents")
        self.list = QListWidget()
        for document in documents:
            item = QListWidgetItem(document.title + (f"  ({document.subject})" if document.subject else ""))
            item.setData(Qt.ItemDataRole.UserRole, document.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if document.id in chosen else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The tutor answers only from the ticked documents (Space ticks):"))
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(420, 360)

    def chosen_ids(self) -> list[uuid.UUID]:
        return [self.list.item(row).data(Qt.ItemDataRole.UserRole) for row in range(self.list.count())
                if self.list.item(row).checkState() == Qt.CheckState.Checked]
