"""The review session: front, Space for the back, 1-4 to rate, Ctrl+Z to undo, all without waiting."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from studyteddy_desktop.domain.events import Changes
from studyteddy_desktop.domain.flashcard_dto import RatingOutcome, ReviewCardDTO, ReviewQueue
from studyteddy_desktop.ui.background_op import BackgroundOp, ChangeOp
from studyteddy_desktop.ui.flashcards.markdown_view import MarkdownView

if TYPE_CHECKING:
    from studyteddy_desktop.services.app_services import AppServices

RATING_NAMES = ("Again", "Hard", "Good", "Easy")
# As the review service's learn-ahead: answers due back within it are still part of today's session.
LEARN_AHEAD = timedelta(minutes=20)
REVIEWS = Changes(reviews=True, cards=True)


class ReviewView(QWidget):
    """Shows prefetched cards; ratings are written in the background while the next card is already up."""

    finished = Signal()
    failed = Signal(object)

    def __init__(self, services: AppServices, media_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.deck_id: uuid.UUID | None = None
        self.current: ReviewCardDTO | None = None
        self.upcoming: list[ReviewCardDTO] = []
        self.revealed = False
        self.in_flight: set[uuid.UUID] = set()
        self.undo_stack: list[uuid.UUID] = []
        # Names this sitting to the service: only its own answers, latest first, can be undone.
        self.review_session_id = uuid.uuid4()
        # Ctrl+Z pressed while the last rating is still being written waits for that rating,
        # so it takes back the answer the student just gave, not the one before.
        self.undo_wanted = False
        self.left = 0
        self._shown_at = time.monotonic()
        # The session takes the keyboard when it starts, so Space and 1-4 reach it, not a button.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.title = QLabel()
        self.title.setObjectName("reviewTitle")
        self.progress = QLabel()
        self.front = MarkdownView(media_dir)
        self.back = MarkdownView(media_dir)
        for view in (self.front, self.back):
            view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            view.setFrameShape(QFrame.Shape.NoFrame)
        self.hint = QLabel("Press Space to show the answer")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.show_button = QPushButton("Show answer (Space)")
        self.show_button.clicked.connect(self.reveal)
        self.rating_buttons: list[QPushButton] = []
        ratings = QHBoxLayout()
        for number, name in enumerate(RATING_NAMES, start=1):
            button = QPushButton(name)
            button.setMinimumHeight(44)
            button.clicked.connect(lambda _checked=False, value=number: self.rate(value))
            self.rating_buttons.append(button)
            ratings.addWidget(button)
        back_to_decks = QPushButton("Back to decks (Esc)")
        back_to_decks.clicked.connect(self.finished.emit)
        top = QHBoxLayout()
        top.addWidget(self.title, stretch=1)
        top.addWidget(self.progress)
        top.addWidget(back_to_decks)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.front, stretch=2)
        layout.addWidget(self.back, stretch=3)
        layout.addWidget(self.hint)
        layout.addWidget(self.show_button)
        layout.addLayout(ratings)

        for keys, slot in (("Space", self.reveal), ("Return", self.reveal), ("Ctrl+Z", self.undo),
                           ("Escape", self.finished.emit)):
            self._shortcut(keys, slot)
        for number in range(1, 5):
            self._shortcut(str(number), lambda value=number: self.rate(value))
        self._render()

    def _shortcut(self, keys: str, slot) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    # -- the session ----------------------------------------------------------------------

    def start(self, deck_id: uuid.UUID, deck_name: str) -> None:
        self.deck_id = deck_id
        self.title.setText(f"<b>{deck_name}</b>")
        self.current, self.upcoming, self.undo_stack, self.in_flight = None, [], [], set()
        self.review_session_id, self.undo_wanted = uuid.uuid4(), False
        self.hint.setText("Loading…")
        self._render()
        self.setFocus()
        (BackgroundOp.plain(lambda: self.services.reviews.queue(deck_id), parent=self)
         .success(self._queue_arrived).failure(self.failed.emit).run())

    def _queue_arrived(self, queue: ReviewQueue) -> None:
        if queue.deck_id != self.deck_id:
            return
        shown = self.current.card.id if self.current else None
        self.upcoming = [card for card in queue.cards if card.card.id not in self.in_flight and card.card.id != shown]
        if queue.left is not None:
            self.left = queue.left
        if self.current is None:
            self._advance()
        else:
            self._render()

    def _advance(self) -> None:
        self.current = self.upcoming.pop(0) if self.upcoming else None
        self.revealed = False
        self._shown_at = time.monotonic()
        self._render()

    def reveal(self) -> None:
        if self.current is not None and not self.revealed:
            self.revealed = True
            self._render()

    def rate(self, rating: int) -> None:
        # Ratings count only once the answer is showing, so a double press lands on the next
        # card's front and does nothing; the service also refuses a second rating of one showing.
        if self.current is None or not self.revealed or self.deck_id is None:
            return
        shown = self.current
        duration_ms = int((time.monotonic() - self._shown_at) * 1000)
        self.in_flight.add(shown.card.id)
        self.left = max(0, self.left - 1)
        self._advance()
        exclude = tuple(self.in_flight) + ((self.current.card.id,) if self.current else ())
        deck_id, review_session_id = self.deck_id, self.review_session_id
        (ChangeOp.plain(self.services, lambda: self.services.reviews.rate(
            shown.card.id, rating, shown_last_review_at=shown.shown_last_review_at, duration_ms=duration_ms,
            exclude=exclude, session_deck_id=deck_id, review_session_id=review_session_id),
            changes=REVIEWS, parent=self)
         .success(lambda outcome: self._rated(outcome, review_session_id))
         .failure(lambda error, card_id=shown.card.id: self._rating_failed(card_id, error))
         .run())

    def _rated(self, outcome: RatingOutcome, review_session_id: uuid.UUID) -> None:
        self.in_flight.discard(outcome.card_id)
        # A rating of a session the student already left is history, not something to undo here.
        this_session = review_session_id == self.review_session_id
        if outcome.accepted and outcome.review_log_id is not None and this_session:
            self.undo_stack.append(outcome.review_log_id)
            # A card answered Again comes back within the session, so it is still left today.
            if outcome.next_due_at is not None and outcome.next_due_at <= datetime.now(UTC) + LEARN_AHEAD:
                self.left += 1
        self._queue_arrived(outcome.queue)
        if self.undo_wanted and not self.in_flight:
            self.undo()

    def _rating_failed(self, card_id: uuid.UUID, error: BaseException) -> None:
        self.in_flight.discard(card_id)
        # The answer the student meant to take back was never written.
        self.undo_wanted = False
        self.failed.emit(error)

    def undo(self) -> None:
        if self.in_flight:
            self.undo_wanted = True
            return
        self.undo_wanted = False
        if not self.undo_stack or self.deck_id is None:
            return
        review_log_id = self.undo_stack.pop()
        deck_id, review_session_id = self.deck_id, self.review_session_id
        self.hint.setText("Undoing…")
        (ChangeOp.plain(self.services, lambda: self.services.reviews.undo(
            review_log_id, review_session_id=review_session_id, session_deck_id=deck_id),
            changes=REVIEWS, parent=self)
         .success(self._undone).failure(self.failed.emit).run())

    def _undone(self, queue: ReviewQueue) -> None:
        self.current = None
        self.upcoming = [card for card in queue.cards if card.card.id not in self.in_flight]
        self.left = queue.left if queue.left is not None else self.left + 1
        self._advance()

    # -- drawing --------------------------------------------------------------------------

    def _render(self) -> None:
        card = self.current
        waiting = card is None and bool(self.in_flight)
        if card is None:
            self.front.show_markdown("" if waiting else "## Nothing due\n\nAll caught up for now. Well done!")
            self.back.hide()
        else:
            self.front.show_markdown(card.card.front)
            self.back.show_markdown(card.card.back)
            self.back.setVisible(self.revealed)
        self.show_button.setVisible(card is not None and not self.revealed)
        self.hint.setText("Loading…" if waiting else ("Rate with 1-4; Ctrl+Z undoes" if self.revealed
                                                      else "Press Space to show the answer" if card else ""))
        for index, button in enumerate(self.rating_buttons):
            button.setVisible(card is not None and self.revealed)
            if card is not None:
                button.setText(f"{RATING_NAMES[index]}  ({index + 1})\n{card.interval_labels[index]}")
        remaining = max(self.left, len(self.upcoming) + (1 if card else 0))
        self.progress.setText(f"{remaining} card{'s' if remaining != 1 else ''} left today")
