"""The rows of a deck's card browser, sortable by every column."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from studyteddy_desktop.domain.flashcard_dto import CardDTO

COLUMNS = ("Front", "Back", "Tags", "State", "Due", "Stability")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
CARD_ROLE = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex


def _one_line(text: str, limit: int = 120) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class CardTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.cards: list[CardDTO] = []

    def set_cards(self, cards: list[CardDTO]) -> None:
        self.beginResetModel()
        self.cards = list(cards)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.cards)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.cards):
            return None
        card = self.cards[index.row()]
        column = index.column()
        if role == CARD_ROLE:
            return card
        if role == Qt.ItemDataRole.ToolTipRole and column in (0, 1):
            return card.front if column == 0 else card.back
        if role == SORT_ROLE:
            return (card.front.casefold(), card.back.casefold(), " ".join(card.tags), card.state,
                    card.due_at.timestamp(), card.stability or 0.0)[column]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 3:
                return "suspended" if card.suspended else ("needs a look" if card.needs_review_flag else card.state)
            if column == 4:
                return _due_text(card.due_at)
            if column == 5:
                return f"{card.stability:.1f} d" if card.stability else ""
            return _one_line((card.front, card.back, " ".join(card.tags))[column])
        return None


def _due_text(due_at: datetime) -> str:
    return due_at.astimezone().strftime("%Y-%m-%d %H:%M")
