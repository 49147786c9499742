"""Under the card browser: where the selected card came from (a link to the page) and "Looks fine" for flagged cards."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from studyteddy_desktop.domain.card_draft_dto import CardSourceDTO
from studyteddy_desktop.domain.errors import StudyTeddyError
from studyteddy_desktop.domain.events import Changes
from studyteddy_desktop.domain.flashcard_dto import CardDTO
from studyteddy_desktop.ui.background_op import BackgroundOp, ChangeOp

if TYPE_CHECKING:
    from studyteddy_desktop.services.app_services import AppServices

_CHANGED = ("Its source text changed when the document was imported again: check the card, edit it, "
            "or press “Looks fine”.")


def open_in_documents(widget: QWidget, source: CardSourceDTO) -> bool:
    """Switch the main window to the Documents pane showing the source passage; False when there is none."""
    from studyteddy_desktop.ui.panes.documents_pane import DocumentsPane

    window = widget.window()
    pane = window.findChild(DocumentsPane)
    if pane is None:
        return False
    sidebar = getattr(window, "sidebar", None)
    for row in range(sidebar.count() if sidebar is not None else 0):
        if sidebar.item(row).data(Qt.ItemDataRole.UserRole) == "Documents":
            window.go_to_pane(row)
    start = source.char_start if source.char_start is not None else -1
    end = source.char_end if source.char_end is not None else -1
    pane.open_passage(source.document_id, start, end, source.page)
    return True


class CardSourceBar(QWidget):
    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.card: CardDTO | None = None
        self.source: CardSourceDTO | None = None
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.linkActivated.connect(lambda _link: self.open_source())
        self.looks_fine = QPushButton("Looks fine")
        self.looks_fine.setToolTip("Keep this card as it is and remove its “needs a look” mark.")
        self.looks_fine.clicked.connect(self.clear_flag)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, stretch=1)
        layout.addWidget(self.looks_fine)
        self.show_card(None)

    def show_card(self, card: CardDTO | None) -> None:
        self.card, self.source = card, None
        self.looks_fine.setVisible(bool(card and card.needs_review_flag))
        if card is None or card.source_document_id is None:
            self.label.setText(f"<b>Needs a look.</b> {_CHANGED}" if card and card.needs_review_flag else "")
            self.setVisible(bool(card and card.needs_review_flag))
            return
        self.setVisible(True)
        self.label.setText("Source: …")
        card_id = card.id
        (BackgroundOp.plain(lambda: self.services.card_drafts.source_of(card_id), parent=self)
         .success(lambda source: self._source_arrived(card_id, source))
         .failure(lambda error: self._say_problem(card_id, error)).run())

    def _source_arrived(self, card_id: uuid.UUID, source: CardSourceDTO | None) -> None:
        if self.card is None or self.card.id != card_id:
            return
        self.source = source
        if source is None:
            text = "Source: the document was deleted."
        elif not source.document_live:
            text = f"Source: {_escape(source.label)} (deleted from your library)"
        else:
            text = f"Source: <a href='open'>{_escape(source.label)}</a>"
        if self.card.needs_review_flag:
            text = f"<b>Needs a look.</b> {_CHANGED}<br>{text}"
        self.label.setText(text)

    def _say_problem(self, card_id: uuid.UUID, error: BaseException) -> None:
        if self.card is not None and self.card.id == card_id:
            self.label.setText(error.message if isinstance(error, StudyTeddyError) else "Source: unavailable.")

    def open_source(self) -> None:
        if self.source is not None and self.source.document_live and not open_in_documents(self, self.source):
            self.label.setText(f"Source: {_escape(self.source.label)}")

    def clear_flag(self) -> None:
        if self.card is None:
            return
        card_id = self.card.id
        # The cleared flag is a change to the card: the browser shows it anew.
        (ChangeOp.plain(self.services, lambda: self.services.card_drafts.looks_fine([card_id]),
                        changes=Changes(cards=True), parent=self)
         .failure(lambda error: self._say_problem(card_id, error)).run())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
