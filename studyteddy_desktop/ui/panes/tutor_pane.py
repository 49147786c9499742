"""Tutor: chat with the local model about the student's documents, with sources for every claim."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import QMetaMethod, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.events import Changes
from studyteddy_desktop.domain.tutor_dto import (
    INTERRUPTED_MESSAGE,
    InteractionDTO,
    LanguageModelDTO,
    SourceDTO,
    ThreadDTO,
)
from studyteddy_desktop.ui.background_op import BackgroundOp, ChangeOp, user_message
from studyteddy_desktop.ui.change_broadcast import ChangeSubscription, broadcaster_for
from studyteddy_desktop.ui.tutor.answer_events import AnswerEvents
from studyteddy_desktop.ui.tutor.composer import Composer
from studyteddy_desktop.ui.tutor.conversation_view import ConversationView
from studyteddy_desktop.ui.tutor.empty_state import EmptyState
from studyteddy_desktop.ui.tutor.thread_list import NEW_CONVERSATION_KEYS, ThreadList
from studyteddy_desktop.ui.tutor.tutor_style import TUTOR_STYLE

if TYPE_CHECKING:
    from studyteddy_desktop.domain.document_dto import DocumentDTO
    from studyteddy_desktop.domain.dto import HealthReport
    from studyteddy_desktop.domain.events import WorkerEvent
    from studyteddy_desktop.services.app_services import AppServices

# A worker that is alive streams every few tens of milliseconds; only a silence this long, with a
# failed health check, means it died (a first answer after start may wait for the model to load).
SILENCE_BEFORE_SUSPICION_S = 5.0
_WATCHDOG_SILENCE_S = 45.0
_WATCHDOG_INTERVAL_MS = 10_000
THREADS = Changes(threads=True)
SHOWN_HERE = Changes(threads=True, documents=True)


class TutorPane(QWidget):
    """`passage_requested(document_id, char_start, char_end, page)` asks the window to open a source;
    `worker_restart_requested(done)` asks it to make sure the worker runs, then call `done(error|None)`."""

    passage_requested = Signal(object, int, int, object)
    worker_restart_requested = Signal(object)

    def __init__(self, services: AppServices, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tutorPane")
        self.services = services
        self.current_thread_id: uuid.UUID | None = None
        self.generating_id: uuid.UUID | None = None
        self.last_event_at = time.monotonic()
        self.deleted_thread: ThreadDTO | None = None
        self.documents: list[DocumentDTO] = []
        self._checking_worker = False

        self.thread_list = ThreadList()
        self.thread_list.thread_chosen.connect(self.open_thread)
        self.thread_list.new_requested.connect(self.new_conversation)
        self.thread_list.rename_requested.connect(self._ask_new_title)
        self.thread_list.delete_requested.connect(lambda thread: self.delete_thread(thread))
        self.conversation = ConversationView()
        self.conversation.source_clicked.connect(self.open_source)
        self.conversation.rating_chosen.connect(self.rate)
        self.conversation.retry_requested.connect(self.retry)
        self.answer_events = AnswerEvents(self.conversation, heard=self._heard, finished=self._finished)
        self.empty_state = EmptyState()
        self.empty_state.example_chosen.connect(self._use_example)
        self.composer = Composer(refusal=services.tutor.refusal)
        self.composer.send_requested.connect(self.send)
        self.composer.stop_requested.connect(self.stop)
        self.status_line = QLabel()
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Bring the deleted conversation back")
        self.undo_button.clicked.connect(self.undo_delete)
        self.undo_button.hide()

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        right_layout.addWidget(self.empty_state, stretch=1)
        right_layout.addWidget(self.conversation, stretch=1)
        right_layout.addWidget(self.composer)
        splitter = QSplitter()
        splitter.addWidget(self.thread_list)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([230, 770])
        splitter.setChildrenCollapsible(False)
        heading = QHBoxLayout()
        heading.addWidget(QLabel("<h2>Tutor</h2>"))
        heading.addStretch()
        heading.addWidget(self.status_line)
        heading.addWidget(self.undo_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 12, 18, 12)
        layout.addLayout(heading)
        layout.addWidget(splitter, stretch=1)
        self.setStyleSheet(TUTOR_STYLE)

        for keys, slot, context in (
                (NEW_CONVERSATION_KEYS, self.new_conversation, Qt.ShortcutContext.WindowShortcut),
                ("Ctrl+L", self.focus_question, Qt.ShortcutContext.WindowShortcut),
                ("Esc", self.stop, Qt.ShortcutContext.WidgetWithChildrenShortcut)):
            QShortcut(QKeySequence(keys), self, activated=slot, context=context)
        self.setTabOrder(self.composer.question_edit, self.composer.send_button)

        self._watchdog = QTimer(self)
        self._watchdog.setInterval(_WATCHDOG_INTERVAL_MS)
        self._watchdog.timeout.connect(self._check_silence)
        self._show_empty_state()
        self.subscription = ChangeSubscription(self, services, self._on_changes, accepts=SHOWN_HERE.overlaps)
        broadcaster_for(services).worker_event.connect(self.on_worker_event)
        self.refresh_threads()
        self.refresh_documents()
        self.refresh_language_model()

    # -- loading ----------------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        # The model may have changed in Settings, which sends no change of its own.
        self.refresh_language_model()
        self.focus_question()

    def _on_changes(self, changes: Changes) -> None:
        if changes.threads:
            self.refresh_threads()
        if changes.documents:
            self.refresh_documents()

    def focus_question(self) -> None:
        self.composer.question_edit.setFocus()

    def refresh_threads(self) -> None:
        (BackgroundOp.plain(self.services.tutor.list_threads, parent=self)
         .success(lambda threads: self.thread_list.show_threads(threads, self.current_thread_id))
         .failure(self._failed).run())

    def refresh_documents(self) -> None:
        BackgroundOp.plain(self.services.documents.list_documents, parent=self).success(self._show_documents).run()

    def refresh_language_model(self) -> None:
        def shown(models: list[LanguageModelDTO]) -> None:
            self.composer.set_language_model(next((model for model in models if model.active), None))

        BackgroundOp.plain(self.services.language_models.list_models, parent=self).success(shown).run()

    def _show_documents(self, documents: list[DocumentDTO]) -> None:
        self.documents = documents
        self.composer.scope_picker.set_documents(documents)
        self.empty_state.show_documents(documents)

    def open_thread(self, thread_id: uuid.UUID) -> None:
        if thread_id == self.current_thread_id and self.conversation.cards:
            return
        self.current_thread_id = thread_id
        thread = next((item for item in self.thread_list.threads if item.id == thread_id), None)
        if thread is not None:
            self.composer.scope_picker.set_scope(thread.document_ids, thread.subject)

        def shown(interactions: list[InteractionDTO]) -> None:
            if self.current_thread_id != thread_id:
                return
            self.conversation.show_interactions(interactions)
            generating = [dto.id for dto in interactions if dto.status == "generating"]
            self._set_generating(generating[-1] if generating else None)
            self._show_empty_state()

        (BackgroundOp.plain(lambda: self.services.tutor.interactions(thread_id), parent=self)
         .success(shown).failure(self._failed).run())

    def new_conversation(self) -> None:
        self.current_thread_id = None
        self.conversation.clear()
        self._set_generating(None)
        self.thread_list.show_threads(self.thread_list.threads, None)
        self.composer.scope_picker.set_scope([], None)
        self.composer.say("")
        self._show_empty_state()
        self.focus_question()

    def _show_empty_state(self) -> None:
        empty = not self.conversation.cards
        self.empty_state.setVisible(empty)
        self.conversation.setVisible(not empty)

    def _use_example(self, question: str, mode: str, document_id: uuid.UUID | None) -> None:
        self.composer.set_mode(mode)
        if document_id is not None:
            self.composer.scope_picker.choose_document(document_id)
        self.composer.question_edit.setPlainText(question)
        self.send()

    # -- asking -----------------------------------------------------------------------

    def send(self) -> None:
        if self.composer.policy_gate.blocks():
            return
        if self.generating_id is not None:
            self.composer.say("Teddy is still writing. Wait for the answer, or press Stop (Esc).", problem=True)
            return
        problem = self.composer.summary_problem()
        if problem is not None:
            self.composer.say(problem, problem=True)
            return
        question, mode = self.composer.question(), self.composer.mode()
        general_knowledge = self.composer.general_knowledge()
        document_ids, subject = self.composer.scope_picker.scope()
        thread_id = self.current_thread_id
        self.composer.send_button.setEnabled(False)
        (ChangeOp.plain(self.services, lambda: self.services.tutor.ask(
            question, thread_id=thread_id, mode=mode, document_ids=document_ids, subject=subject or "",
            general_knowledge=general_knowledge),
            changes=THREADS, parent=self)
         .success(self._asked).failure(self._ask_failed).run())

    def _asked(self, dto: InteractionDTO) -> None:
        self.composer.send_button.setEnabled(True)
        self.composer.question_edit.clear()
        self.composer.say("")
        if self.current_thread_id != dto.thread_id:
            self.current_thread_id = dto.thread_id
            self.conversation.clear()
        self.conversation.add(dto)
        self.conversation.scroll_to_end()
        self._show_empty_state()
        self._set_generating(dto.id)
        self.answer_events.replay_early(dto.id)

    def _ask_failed(self, error: BaseException) -> None:
        self.composer.send_button.setEnabled(True)
        self.composer.say(user_message(error), problem=True)

    def stop(self) -> None:
        interaction_id = self.generating_id
        if interaction_id is None:
            return
        self.composer.say("Stopping…")
        (BackgroundOp.plain(lambda: self.services.tutor.cancel(interaction_id), parent=self)
         .failure(self._failed).run())

    def retry(self, interaction_id: uuid.UUID) -> None:
        if self.generating_id is not None:
            self.composer.say("Teddy is still writing. Wait for the answer, or press Stop (Esc).", problem=True)
            return

        def ask_again(error: BaseException | None = None) -> None:
            if error is not None:
                self.composer.say(user_message(error), problem=True)
                return
            (ChangeOp.plain(self.services, lambda: self.services.tutor.retry(interaction_id), changes=THREADS,
                            parent=self)
             .success(self._asked).failure(self._ask_failed).run())

        # The answer may have failed because the worker died: it has to run again first.
        if self.isSignalConnected(QMetaMethod.fromSignal(self.worker_restart_requested)):
            self.composer.say("Making sure the background worker runs…")
            self.worker_restart_requested.emit(ask_again)
        else:
            ask_again()

    def _set_generating(self, interaction_id: uuid.UUID | None) -> None:
        self.generating_id = interaction_id
        self.last_event_at = time.monotonic()
        self.composer.set_generating(interaction_id is not None)
        if interaction_id is None:
            self._watchdog.stop()
        else:
            self._watchdog.start()

    # -- the answer streaming in ------------------------------------------------------

    def on_worker_event(self, event: WorkerEvent) -> None:
        self.answer_events.deliver(event)

    def _heard(self, interaction_id: uuid.UUID) -> None:
        if interaction_id == self.generating_id:
            self.last_event_at = time.monotonic()

    def _finished(self, interaction_id: uuid.UUID) -> None:
        if interaction_id == self.generating_id:
            self._set_generating(None)
            self.composer.say("")
        self._reload_card(interaction_id)

    def _reload_card(self, interaction_id: uuid.UUID) -> None:
        def loaded(dto: InteractionDTO) -> None:
            card = self.conversation.card(interaction_id)
            if card is not None:
                card.show_interaction(dto)

        BackgroundOp.plain(lambda: self.services.tutor.interaction(interaction_id), parent=self).success(loaded).run()

    # -- a worker that died mid-answer ------------------------------------------------

    def show_health(self, report: HealthReport) -> None:
        if self.generating_id is None or time.monotonic() - self.last_event_at < SILENCE_BEFORE_SUSPICION_S:
            return
        worker = next((component for component in report.components if component.name == "Worker"), None)
        if worker is not None and not worker.healthy:
            self.mark_interrupted(self.generating_id)

    def _check_silence(self) -> None:
        if (self.generating_id is None or self._checking_worker
                or time.monotonic() - self.last_event_at < _WATCHDOG_SILENCE_S):
            return
        self._checking_worker = True
        interaction_id = self.generating_id

        def checked(worker) -> None:
            self._checking_worker = False
            if not worker.healthy and self.generating_id == interaction_id:
                self.mark_interrupted(interaction_id)

        def failed(_error: BaseException) -> None:
            self._checking_worker = False

        BackgroundOp.plain(self.services.health.check_worker, parent=self).success(checked).failure(failed).run()

    def mark_interrupted(self, interaction_id: uuid.UUID) -> None:
        if interaction_id == self.generating_id:
            self._set_generating(None)

        def marked(dto: InteractionDTO) -> None:
            card = self.conversation.card(interaction_id)
            if card is not None:
                card.show_interaction(dto)
            if dto.status == "failed":
                self.composer.say(INTERRUPTED_MESSAGE, problem=True)

        (BackgroundOp.plain(lambda: self.services.tutor.mark_interrupted(interaction_id, INTERRUPTED_MESSAGE),
                            parent=self).success(marked).failure(self._failed).run())

    # -- rating and sources -----------------------------------------------------------

    def rate(self, interaction_id: uuid.UUID, rating: int | None) -> None:
        def rated(dto: InteractionDTO) -> None:
            card = self.conversation.card(interaction_id)
            if card is not None:
                card.set_rating(dto.feedback_rating)

        (BackgroundOp.plain(lambda: self.services.tutor.rate(interaction_id, rating), parent=self)
         .success(rated).failure(self._failed).run())

    def open_source(self, source: SourceDTO) -> None:
        self.passage_requested.emit(source.document_id, source.char_start, source.char_end, source.page)

    # -- renaming and deleting --------------------------------------------------------

    def _ask_new_title(self, thread: ThreadDTO) -> None:
        title, accepted = QInputDialog.getText(self, "Rename conversation", "Name:", text=thread.title)
        if accepted:
            self.rename_thread(thread.id, title)

    def rename_thread(self, thread_id: uuid.UUID, title: str) -> None:
        (ChangeOp.plain(self.services, lambda: self.services.tutor.rename_thread(thread_id, title), changes=THREADS,
                        parent=self).failure(self._failed).run())

    def delete_thread(self, thread: ThreadDTO) -> None:
        def deleted(_result: None) -> None:
            self.deleted_thread = thread
            self._say(f"Deleted “{thread.title}”.")
            self.undo_button.show()
            if self.current_thread_id == thread.id:
                self.new_conversation()

        (ChangeOp.plain(self.services, lambda: self.services.tutor.delete_thread(thread.id), changes=THREADS,
                        parent=self).success(deleted).failure(self._failed).run())

    def undo_delete(self) -> None:
        thread = self.deleted_thread
        if thread is None:
            return

        def restored(restored_thread: ThreadDTO) -> None:
            self.deleted_thread = None
            self.undo_button.hide()
            self._say(f"Restored “{restored_thread.title}”.")
            self.current_thread_id = None
            self.open_thread(restored_thread.id)

        (ChangeOp.plain(self.services, lambda: self.services.tutor.restore_thread(thread.id), changes=THREADS,
                        parent=self).success(restored).failure(self._failed).run())

    def _say(self, text: str) -> None:
        self.status_line.setText(text)
        if self.deleted_thread is None:
            self.undo_button.hide()

    def _failed(self, error: BaseException) -> None:
        self._say(user_message(error))
