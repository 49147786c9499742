"""A document's metadata and its extracted text, scrollable to a cited passage."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QFormLayout, QLabel, QPlainTextEdit, QTextEdit, QVBoxLayout, QWidget

from studyteddy_desktop.domain.document_dto import DocumentDetailDTO
from studyteddy_desktop.ui.documents.document_table_model import STATUS_LABELS, human_size


class DocumentDetailView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setPlaceholderText("Select a document to see the text Study Teddy read from it.")
        form = QFormLayout()
        form.addRow(self.title)
        form.addRow(self.facts)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.text, stretch=1)
        self._page_offsets: list[tuple[int, int, int]] = []
        self._page_numbers: list[int | None] = []
        self._highlight: tuple[int, int] | None = None
        self.detail: DocumentDetailDTO | None = None

    def highlighted_text(self) -> str:
        """The passage currently highlighted, as shown."""
        if self._highlight is None:
            return ""
        return self.text.toPlainText()[self._highlight[0]:self._highlight[1]]

    def selected_range(self) -> tuple[int, int] | None:
        """The student's selection as document-text offsets (page headers left out); None without one."""
        cursor = self.text.textCursor()
        low, high = cursor.selectionStart(), cursor.selectionEnd()
        if high <= low or self.detail is None:
            return None
        offsets = [page_start + min(max(shown - shown_at, 0), length)
                   for shown in (low, high)
                   for page_start, shown_at, length in [next(
                       (entry for entry in reversed(self._page_offsets) if entry[1] <= shown),
                       self._page_offsets[0] if self._page_offsets else (0, 0, 0))]]
        return (offsets[0], offsets[1]) if offsets[1] > offsets[0] else None

    def clear(self) -> None:
        self.detail = None
        self._highlight = None
        self.title.clear()
        self.facts.clear()
        self.text.clear()
        self._page_offsets = []
        self._page_numbers = []

    def show_detail(self, detail: DocumentDetailDTO) -> None:
        self.detail = detail
        self._highlight = None
        self.text.setExtraSelections([])
        document = detail.document
        self.title.setText(f"<h3>{_escape(document.title)}</h3>")
        facts = [
            f"<b>Status:</b> {STATUS_LABELS.get(document.status, document.status)}"
            + (f" — {_escape(document.status_reason)}" if document.status_reason else ""),
            f"<b>File:</b> {_escape(document.original_filename)} ({document.format_name or 'unknown format'}, "
            f"{human_size(document.size_bytes)})",
            f"<b>Pages:</b> {document.page_count or '–'} &nbsp; <b>Passages:</b> {document.chunk_count}",
            f"<b>Subject:</b> {_escape(document.subject) if document.subject else 'none'}",
            f"<b>Imported:</b> {document.created_at:%d %b %Y %H:%M}"
            + (f" &nbsp; <b>Indexed:</b> {document.indexed_at:%d %b %Y %H:%M}" if document.indexed_at else ""),
        ]
        if document.source_path:
            facts.append(f"<b>From:</b> {_escape(document.source_path)}")
        if document.key_concepts:
            facts.append("<b>Key concepts:</b> " + ", ".join(_escape(c) for c in document.key_concepts))
        if document.summary:
            facts.append(f"<b>Summary:</b> {_escape(document.summary)}")
        elif document.status == "ready":
            facts.append("<i>A summary is being written in the background.</i>")
        self.facts.setText("<br>".join(facts))
        # Lay the pages out with headers, remembering where each page's text starts on screen.
        parts: list[str] = []
        self._page_offsets = []
        self._page_numbers = []
        position = 0
        for page in detail.pages:
            header = f"— Page {page.page_number} —\n" if page.page_number is not None else ""
            self._page_offsets.append((page.char_start, position + len(header), len(page.text)))
            self._page_numbers.append(page.page_number)
            block = header + page.text + "\n\n"
            parts.append(block)
            position += len(block)
        empty = "(Nothing read yet: indexing has not reached this document.)" if document.status in (
            "queued", "extracting") else "(No text was read from this document; see its status above.)"
        self.text.setPlainText("".join(parts) if parts else empty)

    def reveal(self, char_start: int, char_end: int, page: int | None = None) -> None:
        """Highlight a passage given by document-text offsets (across page breaks too) and scroll
        to the part on `page`, the page its citation names."""
        selections: list[QTextEdit.ExtraSelection] = []
        shown_parts: list[tuple[int, int, int | None]] = []
        for (page_start, shown_at, length), page_number in zip(self._page_offsets, self._page_numbers,
                                                               strict=True):
            start, end = max(char_start, page_start), min(char_end, page_start + length)
            if start >= end:
                continue
            cursor = self.text.textCursor()
            cursor.setPosition(shown_at + start - page_start)
            cursor.setPosition(shown_at + end - page_start, QTextCursor.MoveMode.KeepAnchor)
            highlight = QTextEdit.ExtraSelection()
            highlight.cursor = cursor
            highlight.format = QTextCharFormat()
            highlight.format.setBackground(self.palette().highlight())
            highlight.format.setForeground(self.palette().highlightedText())
            selections.append(highlight)
            shown_parts.append((shown_at + start - page_start, shown_at + end - page_start, page_number))
        if not shown_parts:
            return
        self.text.setExtraSelections(selections)
        self._highlight = (shown_parts[0][0], shown_parts[-1][1])
        target = next((part for part in shown_parts if part[2] == page), shown_parts[0])
        cursor = self.text.textCursor()
        cursor.setPosition(target[0])
        self.text.setTextCursor(cursor)
        self.text.centerCursor()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
