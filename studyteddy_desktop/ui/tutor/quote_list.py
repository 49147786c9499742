"""“From your documents”: the sentences that answer the question, verbatim, each linked to its passage."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from studyteddy_desktop.domain.tutor_dto import QuoteDTO, SourceDTO

QUOTES_HEADING = "From your documents"
# A long file name must not widen the card past the window; the whole title is in the tooltip.
_TITLE_CHARS = 80


def source_tooltip(source: SourceDTO) -> str:
    """The passage as a tooltip; escaped, because a tooltip renders anything that looks like HTML."""
    passage = html.escape(source.quote[:400])
    return f"<p>Open this passage in Documents</p><p style='white-space:pre-wrap'>{passage}</p>"


def button_text(text: str) -> str:
    """`text` shown as is on a button, where a lone "&" would otherwise become a keyboard mnemonic."""
    return text.replace("&", "&&")


def attribution(source: SourceDTO) -> str:
    title = source.document_title
    if len(title) > _TITLE_CHARS:
        title = title[: _TITLE_CHARS - 1] + "…"
    return f"— {title}, {source.page_label}" if source.page_label else f"— {title}"


class QuoteList(QWidget):
    """Document text is untrusted: it is always shown as plain text, never as Markdown or HTML."""

    source_clicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quoteList")
        self.heading = QLabel(f"<b>{QUOTES_HEADING}</b>")
        self.heading.setObjectName("quotesHeading")
        self.heading.setContentsMargins(0, 4, 0, 0)
        self.quote_labels: list[QLabel] = []
        self.source_buttons: list[QPushButton] = []
        self._blocks: list[QWidget] = []
        self._shown: tuple[tuple[QuoteDTO, ...], tuple[SourceDTO, ...]] | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 4, 0, 4)
        self._layout.setSpacing(8)
        self._layout.addWidget(self.heading)
        self.hide()

    def show_quotes(self, quotes: Sequence[QuoteDTO], sources: Sequence[SourceDTO]) -> None:
        # Called on every re-render while the explanation streams: rebuilt only when something changed,
        # so a selection or keyboard focus in a quote survives.
        wanted = (tuple(quotes), tuple(sources))
        if wanted == self._shown:
            return
        self._shown = wanted
        for block in self._blocks:
            self._layout.removeWidget(block)
            block.deleteLater()
        self._blocks.clear()
        self.quote_labels.clear()
        self.source_buttons.clear()
        by_number = {source.number: source for source in sources}
        # A quote whose source is unknown could not say where it comes from, so it is not shown as one.
        shown = [(quote, by_number[quote.source_number]) for quote in quotes
                 if quote.text.strip() and quote.source_number in by_number]
        for quote, source in shown:
            self._add_quote(quote, source)
        self.setVisible(bool(shown))

    def _add_quote(self, quote: QuoteDTO, source: SourceDTO) -> None:
        text = QLabel(quote.text.strip())
        text.setObjectName("quoteText")
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        text.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        where = f", page {source.page}" if source.page is not None else ""
        text.setAccessibleName(f"Quote from {source.document_title}{where}")
        link = QPushButton(button_text(attribution(source)))
        link.setObjectName("quoteSource")
        link.setFlat(True)
        link.setCursor(Qt.CursorShape.PointingHandCursor)
        link.setToolTip(source_tooltip(source))
        link.setAccessibleName(f"Open the passage in {source.document_title}{where}")
        link.clicked.connect(lambda _checked=False, chosen=source: self.source_clicked.emit(chosen))
        self.quote_labels.append(text)
        self.source_buttons.append(link)
        # The quote and where it is from stay together; the gap is between quotes.
        block = QWidget()
        block_layout = QVBoxLayout(block)
        block_layout.setContentsMargins(0, 0, 0, 0)
        block_layout.setSpacing(1)
        block_layout.addWidget(text)
        block_layout.addWidget(link, alignment=Qt.AlignmentFlag.AlignLeft)
        self._blocks.append(block)
        self._layout.addWidget(block)
