"""The conversation as a scrolling column of answer cards that follows new text while at the bottom."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from studyteddy_desktop.domain.tutor_dto import InteractionDTO
from studyteddy_desktop.ui.tutor.answer_card import AnswerCard

_STICK_MARGIN_PX = 24


class ConversationView(QScrollArea):
    source_clicked = Signal(object)
    rating_chosen = Signal(object, object)
    retry_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        body.setObjectName("conversationBody")
        self.column = QVBoxLayout(body)
        self.column.setContentsMargins(4, 4, 12, 4)
        self.column.setSpacing(12)
        self.column.addStretch(1)
        self.setWidget(body)
        self.cards: dict[uuid.UUID, AnswerCard] = {}
        # Reading an earlier answer while a new one streams must not be yanked to the bottom.
        self._stick_to_bottom = True
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._scrolled)
        bar.rangeChanged.connect(self._range_changed)

    def clear(self) -> None:
        for card in self.cards.values():
            card.deleteLater()
        self.cards.clear()
        self._stick_to_bottom = True

    def add(self, dto: InteractionDTO) -> AnswerCard:
        card = AnswerCard(dto)
        card.source_clicked.connect(self.source_clicked)
        card.rating_chosen.connect(self.rating_chosen)
        card.retry_requested.connect(self.retry_requested)
        self.column.insertWidget(self.column.count() - 1, card)
        self.cards[dto.id] = card
        return card

    def show_interactions(self, interactions: list[InteractionDTO]) -> None:
        self.clear()
        for dto in interactions:
            self.add(dto)
        self.scroll_to_end()

    def card(self, interaction_id: uuid.UUID) -> AnswerCard | None:
        return self.cards.get(interaction_id)

    def scroll_to_end(self) -> None:
        self._stick_to_bottom = True
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _scrolled(self, value: int) -> None:
        bar = self.verticalScrollBar()
        self._stick_to_bottom = value >= bar.maximum() - _STICK_MARGIN_PX

    def _range_changed(self, _minimum: int, maximum: int) -> None:
        if self._stick_to_bottom:
            self.verticalScrollBar().setValue(maximum)
