"""The documents table: one row per document, with live status and progress."""

from __future__ import annotations

import uuid
from dataclasses import replace

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from studyteddy_desktop.domain.document_dto import DocumentDTO

STATUS_LABELS = {
    "queued": "Waiting", "extracting": "Reading", "embedding": "Indexing", "ready": "Ready",
    "failed": "Failed", "needs_password": "Needs password", "cancelled": "Cancelled",
    "no_text": "No text",
}
WORKING_STATUSES = {"queued", "extracting", "embedding"}
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 1
DOCUMENT_ROLE = Qt.ItemDataRole.UserRole + 2

_COLUMNS = ("Title", "Status", "Pages", "Passages", "Size", "Subject", "Problem")
STATUS_COLUMN = 1
PROBLEM_COLUMN = 6


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


class DocumentTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._documents: list[DocumentDTO] = []

    # -- Qt model ---------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._documents)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._documents):
            return None
        document = self._documents[index.row()]
        column = index.column()
        if role == DOCUMENT_ROLE:
            return document
        if role == PROGRESS_ROLE:
            return document.progress if document.status in WORKING_STATUSES else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return document.status_reason or document.original_filename
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (2, 3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._cell(document, column, sortable=role == Qt.ItemDataRole.EditRole)
        return None

    @staticmethod
    def _cell(document: DocumentDTO, column: int, *, sortable: bool):
        if column == 0:
            return document.title
        if column == 1:
            return STATUS_LABELS.get(document.status, document.status)
        if column == 2:
            return (document.page_count or 0) if sortable else (str(document.page_count) if document.paged and document.page_count else "–")
        if column == 3:
            return document.chunk_count if sortable else (str(document.chunk_count) if document.chunk_count else "–")
        if column == 4:
            return document.size_bytes if sortable else human_size(document.size_bytes)
        if column == 5:
            return document.subject or ""
        if column == 6:
            return document.status_reason or ""
        return None

    # -- updates ----------------------------------------------------------------------

    def set_documents(self, documents: list[DocumentDTO]) -> None:
        self.beginResetModel()
        self._documents = list(documents)
        self.endResetModel()

    def document_at(self, row: int) -> DocumentDTO | None:
        return self._documents[row] if 0 <= row < len(self._documents) else None

    def row_of_title(self, title: str) -> int:
        return next((row for row, document in enumerate(self._documents) if document.title == title), -1)

    def row_of(self, document_id: uuid.UUID) -> int:
        return next((row for row, document in enumerate(self._documents) if document.id == document_id), -1)

    def upsert(self, document: DocumentDTO) -> None:
        row = self.row_of(document.id)
        if row < 0:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._documents.insert(0, document)
            self.endInsertRows()
            return
        self._documents[row] = document
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(_COLUMNS) - 1))

    def show_progress(self, document_id: uuid.UUID, progress: float, status: str | None = None) -> None:
        """A progress tick from the worker: update in place, no database round trip."""
        row = self.row_of(document_id)
        if row < 0:
            return
        current = self._documents[row]
        if current.status not in WORKING_STATUSES:
            return
        self._documents[row] = replace(current, progress=max(progress, current.progress),
                                       status=status or ("embedding" if progress > 0 else current.status))
        self.dataChanged.emit(self.index(row, 1), self.index(row, 1))

    def remove(self, document_id: uuid.UUID) -> None:
        row = self.row_of(document_id)
        if row >= 0:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._documents[row]
            self.endRemoveRows()
