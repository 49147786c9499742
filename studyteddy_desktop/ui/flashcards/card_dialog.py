"""Create or edit a card: Markdown front and back with a live preview, tags, and images."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QMessageBox, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

from studyteddy_desktop.domain.flashcard_dto import CardDraft, CardDTO
from studyteddy_desktop.ui.background_op import BackgroundOp
from studyteddy_desktop.ui.flashcards.markdown_view import MarkdownView

if TYPE_CHECKING:
    from studyteddy_desktop.services.app_services import AppServices


class CardDialog(QDialog):
    def __init__(self, services: AppServices, card: CardDTO | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Edit card" if card else "New card")
        self.resize(720, 520)
        self.front = QPlainTextEdit(card.front if card else "")
        self.back = QPlainTextEdit(card.back if card else "")
        self.front.setPlaceholderText("Question, in Markdown: **bold**, *italic*, lists, ![](image)")
        self.back.setPlaceholderText("Answer")
        self.tags = QLineEdit(" ".join(card.tags) if card else "")
        self.tags.setPlaceholderText("tags separated by spaces")
        self.preview = MarkdownView(services.flashcards.media_dir)
        image_button = QPushButton("Insert image…")
        image_button.clicked.connect(self._insert_image)
        form = QFormLayout()
        form.addRow("Front", self.front)
        form.addRow("Back", self.back)
        form.addRow("Tags", self.tags)
        editors = QVBoxLayout()
        editors.addLayout(form)
        editors.addWidget(image_button)
        side = QVBoxLayout()
        side.addWidget(QLabel("Preview"))
        side.addWidget(self.preview)
        columns = QHBoxLayout()
        columns.addLayout(editors, stretch=3)
        columns.addLayout(side, stretch=2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept_if_valid)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(buttons)
        for editor in (self.front, self.back):
            editor.textChanged.connect(self._update_preview)
        self._last_editor = self.front
        self.front.installEventFilter(self)
        self.back.installEventFilter(self)
        self._update_preview()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if event.type() == event.Type.FocusIn and watched in (self.front, self.back):
            self._last_editor = watched
        return super().eventFilter(watched, event)

    def _update_preview(self) -> None:
        self.preview.show_markdown(f"{self.front.toPlainText()}\n\n---\n\n{self.back.toPlainText()}")

    def _insert_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Insert image", "",
                                              "Images (*.png *.jpg *.jpeg *.gif *.webp *.svg *.bmp)")
        if not path:
            return
        editor = self._last_editor
        (BackgroundOp.plain(lambda: self.services.flashcards.add_media(Path(path)), parent=self)
         .success(lambda name: editor.insertPlainText(f"![]({name})"))
         .failure(lambda error: QMessageBox.warning(self, "Image not added", str(error)))
         .run())

    def draft(self) -> CardDraft:
        return CardDraft(front=self.front.toPlainText(), back=self.back.toPlainText(),
                         tags=tuple(self.tags.text().replace(",", " ").split()))

    def _accept_if_valid(self) -> None:
        if not self.front.toPlainText().strip():
            QMessageBox.information(self, "Card not saved", "A card needs a front.")
            return
        self.accept()
