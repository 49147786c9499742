"""Reviewing AI-drafted cards: edit each one, keep or drop it, choose the deck, and add the kept ones."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from studyteddy_desktop.domain.card_draft_dto import CardDraftsDTO, DraftedCard
from studyteddy_desktop.domain.errors import StudyTeddyError
from studyteddy_desktop.domain.events import Changes
from studyteddy_desktop.domain.flashcard_dto import DeckDTO
from studyteddy_desktop.ui.background_op import BackgroundOp, ChangeOp

if TYPE_CHECKING:
    from studyteddy_desktop.services.app_services import AppServices

NEW_DECK = "new"


def _side_editor(text: str, placeholder: str) -> QPlainTextEdit:
    editor = QPlainTextEdit(text)
    editor.setPlaceholderText(placeholder)
    editor.setTabChangesFocus(True)
    editor.setFixedHeight(editor.fontMetrics().lineSpacing() * 4 + 12)
    return editor


class DraftRow(QFrame):
    """One draft: a keep box, its two sides, and the passage it was drafted from."""

    toggled = Signal()

    def __init__(self, number: int, draft: DraftedCard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.draft = draft
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.keep = QCheckBox(f"Keep card {number}")
        self.keep.setChecked(True)
        self.keep.toggled.connect(self._kept_changed)
        self.front = _side_editor(draft.front, "Question")
        self.back = _side_editor(draft.back, "Answer")
        where = f"p. {draft.page} · " if draft.page else ""
        quote = draft.quote if len(draft.quote) <= 160 else draft.quote[:159].rsplit(" ", 1)[0] + " …"
        worded = "Worded from the passage's own sentence · " if draft.from_passage else ""
        self.source = QLabel(f"<span style='color:gray'>{worded}From {where}“{_escape(quote)}”</span>")
        self.source.setWordWrap(True)
        self.source.setToolTip(draft.quote)
        grid = QGridLayout(self)
        grid.addWidget(self.keep, 0, 0, 1, 2)
        grid.addWidget(QLabel("Front"), 1, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.front, 1, 1)
        grid.addWidget(QLabel("Back"), 2, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.back, 2, 1)
        grid.addWidget(self.source, 3, 1)

    def _kept_changed(self, kept: bool) -> None:
        for widget in (self.front, self.back, self.source):
            widget.setEnabled(kept)
        self.toggled.emit()

    def edited(self) -> DraftedCard:
        return replace(self.draft, front=self.front.toPlainText().strip(), back=self.back.toPlainText().strip())


class DraftReviewDialog(QDialog):
    """Nothing joins a deck until "Add" is pressed, and then all kept cards join it together."""

    saved = Signal(int, str)  # how many cards, into which deck

    def __init__(self, services: AppServices, drafts: CardDraftsDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Review the drafted cards")
        self.resize(720, 640)
        title = drafts.document_title or "your document"
        intro = QLabel(f"Study Teddy drafted <b>{len(drafts.drafts)}</b> card{'s' if len(drafts.drafts) != 1 else ''}"
                       f" from “{_escape(title)}”. The model is small and makes mistakes: check each card "
                       "against its passage, fix what is wrong, and untick the ones you don't want.")
        intro.setWordWrap(True)
        # Built from sentences, or written by a fallback model: the student should know before keeping them.
        self.notice = QLabel(f"⚠  {_escape(drafts.notice)}")
        self.notice.setObjectName("draftNotice")
        self.notice.setWordWrap(True)
        self.notice.setVisible(bool(drafts.notice))
        self.rows = [DraftRow(number, draft) for number, draft in enumerate(drafts.drafts, start=1)]
        holder = QWidget()
        column = QVBoxLayout(holder)
        for row in self.rows:
            row.toggled.connect(self._update_button)
            column.addWidget(row)
        column.addStretch()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)

        self.deck_choice = QComboBox()
        self.deck_choice.addItem("New deck…", NEW_DECK)
        self.deck_choice.currentIndexChanged.connect(self._deck_changed)
        self.new_deck_name = QLineEdit(title)
        self.new_deck_name.setPlaceholderText("Name of the new deck")
        self.new_deck_name.textChanged.connect(self._update_button)
        deck_line = QHBoxLayout()
        deck_line.addWidget(QLabel("Add to deck:"))
        deck_line.addWidget(self.deck_choice, stretch=1)
        deck_line.addWidget(self.new_deck_name, stretch=1)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020")
        self.add_button = QPushButton()
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self.save)
        discard = QPushButton("Discard all")
        discard.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.problem, stretch=1)
        buttons.addWidget(discard)
        buttons.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.notice)
        layout.addWidget(scroll, stretch=1)
        layout.addLayout(deck_line)
        layout.addLayout(buttons)
        self._update_button()
        BackgroundOp.plain(services.flashcards.list_decks, parent=self).success(self._decks_arrived).run()

    def _decks_arrived(self, decks: list[DeckDTO]) -> None:
        for deck in decks:
            self.deck_choice.addItem(deck.name, deck.id)
        # Cards from a document most often belong with the deck named after it.
        wanted = self.new_deck_name.text().strip().casefold()
        match = next((index for index in range(1, self.deck_choice.count())
                      if self.deck_choice.itemText(index).casefold() == wanted), -1)
        if match > 0:
            self.deck_choice.setCurrentIndex(match)

    def _deck_changed(self, _index: int) -> None:
        self.new_deck_name.setVisible(self.deck_choice.currentData() == NEW_DECK)
        self._update_button()

    def kept(self) -> list[DraftedCard]:
        return [row.edited() for row in self.rows if row.keep.isChecked()]

    def _update_button(self) -> None:
        count = sum(row.keep.isChecked() for row in self.rows)
        self.add_button.setText(f"Add {count} card{'s' if count != 1 else ''}")
        naming = self.deck_choice.currentData() == NEW_DECK
        self.add_button.setEnabled(count > 0 and (not naming or bool(self.new_deck_name.text().strip())))

    def save(self) -> None:
        kept = self.kept()
        empty = [index for index, card in enumerate(kept, start=1) if not card.front]
        if empty:
            self.problem.setText("Every kept card needs a front; untick the cards you don't want.")
            return
        choice = self.deck_choice.currentData()
        deck_name = self.new_deck_name.text().strip() if choice == NEW_DECK else self.deck_choice.currentText()
        options = {"new_deck_name": deck_name} if choice == NEW_DECK else {"deck_id": choice}
        self.add_button.setEnabled(False)
        self.problem.setText("Adding…")

        def done(cards) -> None:
            self.saved.emit(len(cards), deck_name)
            self.accept()

        def failed(error: BaseException) -> None:
            self._update_button()
            self.problem.setText(error.message if isinstance(error, StudyTeddyError)
                                 else "Something went wrong; the log has details. No card was added.")
            if not isinstance(error, StudyTeddyError):
                QMessageBox(QMessageBox.Icon.Warning, "Cards not added", self.problem.text(),
                            QMessageBox.StandardButton.Ok, self).open()

        (ChangeOp.plain(self.services, lambda: self.services.card_drafts.accept(kept, **options),
                        changes=Changes(cards=True, decks=True), parent=self)
         .success(done).failure(failed).run())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
