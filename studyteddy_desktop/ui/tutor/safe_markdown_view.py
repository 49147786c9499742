"""A Markdown view for model-written text that never loads a resource and sizes itself to its content."""

from __future__ import annotations

import re

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

CITATION_SCHEME = "cite"
_CITATION = re.compile(r"(?<!\\)\[(\d{1,2})\](?!\()")
_FENCE = re.compile(r"(```.*?(?:```|\Z))", re.DOTALL)


def link_citations(markdown: str, known: set[int]) -> str:
    """Turn [n] into an internal `cite:n` link when source n exists; code blocks stay as written."""
    parts = _FENCE.split(markdown)
    for index in range(0, len(parts), 2):
        parts[index] = _CITATION.sub(
            lambda match: (f"[\\[{match.group(1)}\\]]({CITATION_SCHEME}:{match.group(1)})"
                           if int(match.group(1)) in known else match.group(0)), parts[index])
    return "".join(parts)


class SafeMarkdownView(QTextBrowser):
    """Links only reach `anchorClicked`; images and style sheets, local or remote, are never loaded.

    An answer is written by a model that may have read instructions planted in a document, so
    nothing in it may make the app touch the network or the disk.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setStyleSheet("QTextBrowser { background: transparent; }")
        self.viewport().setAutoFillBackground(False)
        # Tab moves on to the next control; links stay reachable with the keyboard inside.
        self.setTabChangesFocus(True)
        # Flush with the labels around it, like the rest of the card.
        self.document().setDocumentMargin(0)
        self.refused_resources: list[QUrl] = []
        self.document().documentLayout().documentSizeChanged.connect(lambda _size: self._fit_height())

    def show_markdown(self, markdown: str) -> None:
        self.document().setMarkdown(markdown, QTextDocument.MarkdownFeature.MarkdownDialectGitHub)
        self._fit_height()

    def loadResource(self, resource_type: int, url: QUrl):
        """Nothing is ever loaded, so an image or style sheet the answer names is simply left out."""
        self.refused_resources.append(QUrl(url))

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._content_height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def _content_height(self) -> int:
        margins = self.contentsMargins()
        return int(self.document().size().height()) + margins.top() + margins.bottom() + 2

    def _fit_height(self) -> None:
        height = self._content_height()
        if height != self.height():
            self.setFixedHeight(height)
