"""Where the tutor looks: all documents, one subject, one document, or several chosen ones."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

from studyteddy_desktop.domain.document_dto import DocumentDTO
from studyteddy_desktop.ui.tutor.document_choice_dialog import DocumentChoiceDialog

_ALL, _SUBJECT, _DOCUMENT, _CHOSEN, _CHOOSE = "all", "subject", "document", "chosen", "choose"


class ScopePicker(QComboBox):
    scope_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip("Which of your documents the tutor answers from")
        self.setMinimumContentsLength(22)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.documents: list[DocumentDTO] = []
        self._document_ids: list[uuid.UUID] = []
        self._subject: str | None = None
        self._filling = False
        self.activated.connect(self._activated)
        self._fill()

    # -- the scope --------------------------------------------------------------------

    def scope(self) -> tuple[list[uuid.UUID], str | None]:
        return list(self._document_ids), self._subject

    def set_scope(self, document_ids: list[uuid.UUID] | tuple[uuid.UUID, ...], subject: str | None) -> None:
        self._document_ids = list(document_ids)
        self._subject = subject if not self._document_ids else None
        self._fill()

    def set_documents(self, documents: list[DocumentDTO]) -> None:
        self.documents = sorted(documents, key=lambda document: document.title.lower())
        self._fill()

    def choose_document(self, document_id: uuid.UUID) -> None:
        self.set_scope([document_id], None)
        self.scope_changed.emit()

    def describe(self) -> str:
        return self.currentText()

    # -- the list ---------------------------------------------------------------------

    def _fill(self) -> None:
        self._filling = True
        self.clear()
        self.addItem("All documents", (_ALL, None))
        subjects = sorted({document.subject for document in self.documents if document.subject})
        if self._subject and self._subject not in subjects:
            subjects.append(self._subject)
        for subject in subjects:
            self.addItem(f"Subject: {subject}", (_SUBJECT, subject))
        known = {document.id for document in self.documents}
        for document in self.documents:
            self.addItem(f"Only “{document.title}”", (_DOCUMENT, document.id))
        if len(self._document_ids) > 1 or (self._document_ids and self._document_ids[0] not in known):
            count = len(self._document_ids)
            self.addItem(f"{count} chosen document{'s' if count != 1 else ''}", (_CHOSEN, None))
        if self.documents:
            self.addItem("Choose several documents…", (_CHOOSE, None))
        self.setCurrentIndex(self._index_of_scope())
        self._filling = False

    def _index_of_scope(self) -> int:
        for index in range(self.count()):
            kind, value = self.itemData(index)
            if self._document_ids:
                if len(self._document_ids) == 1 and kind == _DOCUMENT and value == self._document_ids[0]:
                    return index
                if kind == _CHOSEN:
                    return index
            elif self._subject:
                if kind == _SUBJECT and value == self._subject:
                    return index
            elif kind == _ALL:
                return index
        return 0

    def _activated(self, index: int) -> None:
        if self._filling:
            return
        kind, value = self.itemData(index)
        if kind == _ALL:
            self.set_scope([], None)
        elif kind == _SUBJECT:
            self.set_scope([], value)
        elif kind == _DOCUMENT:
            self.set_scope([value], None)
        elif kind == _CHOOSE:
            dialog = DocumentChoiceDialog(self.documents, set(self._document_ids), self)
            if dialog.exec() == DocumentChoiceDialog.DialogCode.Accepted:
                self.set_scope(dialog.chosen_ids(), None)
            else:
                self._fill()
                return
        self.scope_changed.emit()
