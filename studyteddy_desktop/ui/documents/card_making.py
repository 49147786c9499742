"""“Make flashcards…” in the Documents pane: choose what to draft from, follow the worker, review the drafts."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QMessageBox,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studyteddy_desktop.domain.card_draft_dto import CardDraftsDTO
from studyteddy_desktop.domain.job_queue import CARD_DRAFTS_JOB_KIND
from studyteddy_desktop.domain.document_dto import DocumentDTO
from studyteddy_desktop.ui.background_op import BackgroundOp, user_message
from studyteddy_desktop.ui.change_broadcast import JOB_DONE, JOB_FAILED, JOB_PROGRESS, broadcaster_for
from studyteddy_desktop.ui.flashcards.draft_review_dialog import DraftReviewDialog

if TYPE_CHECKING:
    from studyteddy_desktop.domain.events import WorkerEvent
    from studyteddy_desktop.services.app_services import AppServices

DEFAULT_COUNT = 8


class CardRequestDialog(QDialog):
    """What to draft from: the whole document, some pages, or the selected passage; and how many cards."""

    def __init__(self, document: DocumentDTO, selection: tuple[int, int] | None, parent: QWidget | None = None,
                 selected_text: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Make flashcards")
        self.selection = selection
        pages = document.page_count or 0
        self.whole = QRadioButton("The whole document (cards spread over it)")
        self.pages = QRadioButton("Pages")
        self.passage = QRadioButton("The passage selected in the text")
        group = QButtonGroup(self)
        for button in (self.whole, self.pages, self.passage):
            group.addButton(button)
        self.page_from, self.page_to = QSpinBox(), QSpinBox()
        for spin, value in ((self.page_from, 1), (self.page_to, pages)):
            spin.setRange(1, max(pages, 1))
            spin.setValue(max(value, 1))
            spin.valueChanged.connect(lambda _value: self.pages.setChecked(True))
        self.pages.setEnabled(document.paged and pages > 1)
        self.page_from.setEnabled(self.pages.isEnabled())
        self.page_to.setEnabled(self.pages.isEnabled())
        self.passage.setEnabled(selection is not None)
        if selection is not None:
            preview = " ".join(selected_text.split())
            self.passage.setText(f"The selected passage: “{preview[:60]}{'…' if len(preview) > 60 else ''}”")
            self.passage.setChecked(True)
        else:
            self.passage.setToolTip("Select text in the document's text on the right first.")
            self.whole.setChecked(True)
        self.count = QSpinBox()
        self.count.setRange(1, 30)
        self.count.setValue(DEFAULT_COUNT)
        grid = QGridLayout()
        grid.addWidget(self.whole, 0, 0, 1, 4)
        grid.addWidget(self.pages, 1, 0)
        grid.addWidget(self.page_from, 1, 1)
        grid.addWidget(QLabel("to"), 1, 2)
        grid.addWidget(self.page_to, 1, 3)
        grid.addWidget(self.passage, 2, 0, 1, 4)
        grid.addWidget(QLabel("About how many cards:"), 3, 0, 1, 2)
        grid.addWidget(self.count, 3, 2, 1, 2)
        note = QLabel("The local model drafts them in the background; you review every card before it "
                      "joins a deck.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Draft cards")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>Make flashcards from “{document.title}”</b>"))
        layout.addLayout(grid)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def request(self) -> dict[str, int]:
        """The keyword arguments for `CardDrafts.request`, apart from the document."""
        options = {"count": self.count.value()}
        if self.passage.isChecked() and self.selection is not None:
            options.update(char_start=self.selection[0], char_end=self.selection[1])
        elif self.pages.isChecked():
            low, high = sorted((self.page_from.value(), self.page_to.value()))
            options.update(page_from=low, page_to=high)
        return options


class CardMaker(QObject):
    """Follows the drafting jobs it started and opens the review dialog when one is done."""

    def __init__(self, services: AppServices, parent: QWidget, say: Callable[[str], None]) -> None:
        super().__init__(parent)
        self.services = services
        self.widget = parent
        self.say = say
        self.jobs: dict[str, str] = {}  # job id -> document title
        self.review: DraftReviewDialog | None = None
        broadcaster_for(services).worker_event.connect(self.on_worker_event)

    def start(self, document: DocumentDTO, selection: tuple[int, int] | None, selected_text: str = "") -> None:
        if document.status != "ready":
            self.say(f"“{document.title}” is not indexed yet; make cards once it is ready.")
            return
        dialog = CardRequestDialog(document, selection, self.widget, selected_text)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.request(document, **dialog.request())

    def request(self, document: DocumentDTO, **options: int) -> None:
        self.say(f"Asking for cards from “{document.title}”…")

        def submitted(job_id: uuid.UUID) -> None:
            self.jobs[str(job_id)] = document.title
            self.say(f"Drafting cards from “{document.title}”… (you can keep working)")

        (BackgroundOp.plain(lambda: self.services.card_drafts.request(document.id, **options), parent=self)
         .success(submitted).failure(self._failed).run())

    def on_worker_event(self, event: WorkerEvent) -> None:
        if event.data.get("kind") != CARD_DRAFTS_JOB_KIND or event.job_id not in self.jobs:
            return
        title = self.jobs[event.job_id]
        if event.kind == JOB_PROGRESS:
            self.say(f"Making cards from “{title}”: {event.message} ({round((event.progress or 0) * 100)}%)")
        elif event.kind == JOB_FAILED:
            self.jobs.pop(event.job_id, None)
            self.say(f"No cards from “{title}”: {event.message}")
        elif event.kind == JOB_DONE:
            self.jobs.pop(event.job_id, None)
            job_id = uuid.UUID(event.job_id)
            (BackgroundOp.plain(lambda: self.services.card_drafts.drafts(job_id), parent=self)
             .success(self.show_drafts).failure(self._failed).run())

    def show_drafts(self, drafts: CardDraftsDTO) -> None:
        if not drafts.drafts:
            self.say(f"The model could not write usable cards from “{drafts.document_title}”. Try a longer "
                     "passage or other pages.")
            return
        self.say(f"{len(drafts.drafts)} cards drafted from “{drafts.document_title}”: review them.")
        self.review = DraftReviewDialog(self.services, drafts, self.widget)
        self.review.saved.connect(lambda count, deck: self.say(
            f"Added {count} card{'s' if count != 1 else ''} to “{deck}”. Study them in Flashcards."))
        self.review.rejected.connect(lambda: self.say("Discarded the drafted cards."))
        self.review.open()

    def _failed(self, error: BaseException) -> None:
        message = user_message(error)
        self.say(message)
        # open(), not exec(): a modal loop here would stall the worker events still arriving.
        QMessageBox(QMessageBox.Icon.Warning, "Make flashcards", message, QMessageBox.StandardButton.Ok,
                    self.widget).open()
