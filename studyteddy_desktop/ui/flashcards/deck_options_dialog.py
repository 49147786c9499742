"""A deck's FSRS options: desired retention, daily limits, and optimising from the student's history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

from studyteddy_desktop.domain.flashcard_dto import DeckDTO, OptimisationResult
from studyteddy_desktop.ui.background_op import BackgroundOp

if TYPE_CHECKING:
    from studyteddy_desktop.services.app_services import AppServices


class DeckOptionsDialog(QDialog):
    def __init__(self, services: AppServices, deck: DeckDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.deck = deck
        self.setWindowTitle(f"Options for “{deck.name}”")
        self.retention = QDoubleSpinBox()
        self.retention.setRange(70, 99)
        self.retention.setSuffix(" %")
        self.retention.setDecimals(0)
        self.retention.setValue(round(deck.desired_retention * 100))
        self.retention.setToolTip("How likely you want to be to remember a card when it comes up. "
                                  "Higher means more reviews.")
        self.new_per_day = QSpinBox()
        self.new_per_day.setRange(0, 9999)
        self.new_per_day.setValue(deck.new_per_day)
        self.reviews_per_day = QSpinBox()
        self.reviews_per_day.setRange(0, 9999)
        self.reviews_per_day.setValue(deck.reviews_per_day)
        self.optimise_button = QPushButton("Optimise FSRS from my reviews")
        self.optimise_button.clicked.connect(self._optimise)
        self.optimise_note = QLabel("Uses your own history once there is enough of it." if not deck.optimised
                                    else "This deck already uses parameters fitted to your history.")
        self.optimise_note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Desired retention", self.retention)
        form.addRow("New cards a day", self.new_per_day)
        form.addRow("Reviews a day", self.reviews_per_day)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.optimise_button)
        layout.addWidget(self.optimise_note)
        layout.addWidget(buttons)

    def values(self) -> dict:
        return {"desired_retention": self.retention.value() / 100, "new_per_day": self.new_per_day.value(),
                "reviews_per_day": self.reviews_per_day.value()}

    def _optimise(self) -> None:
        self.optimise_button.setEnabled(False)
        self.optimise_note.setText("Optimising… this can take a minute on a large history.")
        deck_id = self.deck.id
        (BackgroundOp.plain(lambda: self.services.reviews.optimise(deck_id), parent=self)
         .success(self._optimised)
         .failure(lambda error: self.optimise_note.setText(f"Could not optimise: {error}"))
         .run())

    def _optimised(self, result: OptimisationResult) -> None:
        self.optimise_button.setEnabled(True)
        self.optimise_note.setText(result.message)
