"""The Documents pane's search: a box (Ctrl+F), ranked passages below it, Enter opens one in its document."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from studyteddy_desktop.domain.document_dto import SearchHitDTO
from studyteddy_desktop.ui.background_op import BackgroundOp, user_message

if TYPE_CHECKING:
    from studyteddy_desktop.services.app_services import AppServices

RESULT_LIMIT = 20


class DocumentSearchPanel(QWidget):
    """`passage_requested(document_id, char_start, char_end, page)` asks the pane to show a hit;
    `said(text)` is a line for the pane's status."""

    passage_requested = Signal(uuid.UUID, int, int, object)
    said = Signal(str)

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search your documents (Ctrl+F), then Enter")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.returnPressed.connect(self.run_search)
        self.search_box.installEventFilter(self)
        self.results = QListWidget()
        self.results.setWordWrap(True)
        self.results.itemActivated.connect(self._open_result)
        self.results.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search_box)
        layout.addWidget(self.results)

    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        # Down in the search box steps into the results, as in a browser's address bar.
        if (watched is self.search_box and event.type() == QEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Down and self.results.isVisible() and self.results.count()):
            self.results.setFocus()
            return True
        return super().eventFilter(watched, event)

    def run_search(self) -> None:
        query = self.search_box.text()
        if not query.strip():
            self.results.hide()
            return
        self.said.emit("Searching… (right after start-up, the first search waits for the model to load)")
        (BackgroundOp.plain(lambda: self.services.search.search(query, limit=RESULT_LIMIT), parent=self)
         .success(self._show_results).failure(lambda error: self.said.emit(user_message(error))).run())

    def _show_results(self, hits: list[SearchHitDTO]) -> None:
        self.results.clear()
        for hit in hits:
            where = f" — {hit.page_label}" if hit.page_label else ""
            snippet = hit.snippet.replace("«", "").replace("»", "")
            item = QListWidgetItem(f"{hit.document_title}{where}\n{snippet}")
            item.setData(Qt.ItemDataRole.UserRole, hit)
            item.setToolTip(hit.text[:600])
            self.results.addItem(item)
        self.results.setVisible(True)
        self.said.emit(f"{len(hits)} passage{'s' if len(hits) != 1 else ''} found." if hits
                       else "Nothing found. Try other words, or import more documents.")
        if hits:
            self.results.setCurrentRow(0)

    def _open_result(self, item: QListWidgetItem) -> None:
        hit: SearchHitDTO = item.data(Qt.ItemDataRole.UserRole)
        self.passage_requested.emit(hit.document_id, hit.char_start, hit.char_end, hit.page)
