"""Tutor threads and questions, as the UI and the CLI see them; the worker writes the answers."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

import sqlalchemy as sa

from studyteddy_desktop.db.base import transaction_time
from studyteddy_desktop.db.models import AIInteraction, ConversationThread, Document
from studyteddy_desktop.db.repositories.sync_state_repository import has_left_device
from studyteddy_desktop.db.repositories.tutor_repository import InteractionRepository, ThreadRepository
from studyteddy_desktop.domain.enums import InteractionMode, InteractionStatus
from studyteddy_desktop.domain.errors import (
    BlockedByPolicyError,
    InvalidInputError,
    NotFoundError,
    ServiceUnavailableError,
)
from studyteddy_desktop.domain.job_queue import JobQueue, TaskName
from studyteddy_desktop.domain.tutor_dto import InteractionDTO, QuoteDTO, SourceDTO, ThreadDTO
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.text_input import clean_subject
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.policy.machine_policy import MachinePolicy
from studyteddy_desktop.services.policy.policy_sources import system_policy

MAX_QUESTION_CHARS = 4_000
MAX_TITLE_CHARS = 120
_DEFAULT_SUMMARY_REQUEST = "Summarise this document."


def interaction_dto(row: AIInteraction) -> InteractionDTO:
    return InteractionDTO(
        id=row.id, thread_id=row.thread_id, mode=str(row.mode), question=row.question, answer=row.answer,
        sources=tuple(SourceDTO.from_json(item) for item in row.citations or ()), grounded=row.grounded,
        status=str(row.status), error=row.error, model_name=row.model_name, prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens, latency_ms=row.latency_ms, first_token_ms=row.first_token_ms,
        feedback_rating=row.feedback_rating, created_at=row.created_at,
        quotes=tuple(QuoteDTO.from_json(item) for item in row.quotes or ()),
        checked_sentences=row.checked_sentences, supported_sentences=row.supported_sentences,
        cut_for_repetition=row.cut_for_repetition, general_knowledge=row.general_knowledge,
        first_shown_ms=row.first_shown_ms)


def _thread_dto(thread: ConversationThread, count: int) -> ThreadDTO:
    return ThreadDTO(id=thread.id, title=thread.title, subject=thread.subject,
                     document_ids=tuple(uuid.UUID(item) for item in thread.document_scope or ()),
                     updated_at=thread.updated_at, interaction_count=count)


def _clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise InvalidInputError("A conversation needs a name.")
    return title if len(title) <= MAX_TITLE_CHARS else title[: MAX_TITLE_CHARS - 1] + "…"


class TutorService:
    def __init__(self, database: Database, student: LocalStudent, queue: JobQueue, *,
                 policy: MachinePolicy | None = None, clock: Callable[[], datetime] = datetime.now) -> None:
        self.database = database
        self.student = student
        self.queue = queue
        self.policy = policy if policy is not None else system_policy()
        # Exam windows are in the computer's local wall-clock time, as the school wrote them.
        self.clock = clock

    def refusal(self) -> str | None:
        """Why the school's policy does not let the tutor be asked now, or None."""
        return self.policy.tutor_refusal(self.clock())

    # -- threads --------------------------------------------------------------------------

    def list_threads(self) -> list[ThreadDTO]:
        counts = (sa.select(AIInteraction.thread_id, sa.func.count().label("n"))
                  .where(AIInteraction.deleted_at.is_(None)).group_by(AIInteraction.thread_id).subquery())
        with self.database.unit_of_work() as session:
            rows = session.execute(
                sa.select(ConversationThread, sa.func.coalesce(counts.c.n, 0))
                .outerjoin(counts, counts.c.thread_id == ConversationThread.id)
                .where(ConversationThread.user_id == self.student.user_id(),
                       ConversationThread.deleted_at.is_(None))
                .order_by(ConversationThread.updated_at.desc())).all()
            return [_thread_dto(thread, count) for thread, count in rows]

    def create_thread(self, title: str, *, document_ids: Sequence[uuid.UUID] = (),
                      subject: str | None = None) -> ThreadDTO:
        with self.database.unit_of_work() as session:
            thread = ConversationThread(user_id=self.student.user_id(), title=_clean_title(title),
                                        subject=clean_subject(subject),
                                        document_scope=self._checked_scope(session, document_ids))
            session.add(thread)
            session.flush()
            session.refresh(thread)
            return _thread_dto(thread, 0)

    def rename_thread(self, thread_id: uuid.UUID, title: str) -> ThreadDTO:
        with self.database.unit_of_work() as session:
            thread = self._thread(session, thread_id)
            thread.title = _clean_title(title)
            session.flush()
            return _thread_dto(thread, self._count(session, thread_id))

    def delete_thread(self, thread_id: uuid.UUID) -> None:
        """A tombstone, so the deletion syncs; its answers go with it."""
        with self.database.unit_of_work() as session:
            thread = self._thread(session, thread_id)
            # One transaction, one stamp: restore_thread lifts exactly the answers this took.
            thread.deleted_at = transaction_time()
            session.execute(sa.update(AIInteraction).where(AIInteraction.thread_id == thread_id)
                            .values(deleted_at=transaction_time()))
        for interaction in self._generating_in(thread_id):
            self.cancel(interaction)

    def restore_thread(self, thread_id: uuid.UUID) -> ThreadDTO:
        """Undo of a deletion: the tombstones are lifted."""
        with self.database.unit_of_work() as session:
            thread = ThreadRepository(session).get(thread_id, user_id=self.student.user_id(), include_deleted=True)
            if thread is None:
                raise NotFoundError("That conversation no longer exists.")
            deleted_at = thread.deleted_at
            if deleted_at is not None and has_left_device(session, "threads", str(thread.id), deletion=True):
                raise InvalidInputError("This deletion has already reached your other devices, so it can no "
                                        "longer be undone.")
            thread.deleted_at = None
            if deleted_at is not None:
                session.execute(sa.update(AIInteraction).where(AIInteraction.thread_id == thread_id,
                                                               AIInteraction.deleted_at == deleted_at)
                                .values(deleted_at=None))
            session.flush()
            return _thread_dto(thread, self._count(session, thread_id))

    def interactions(self, thread_id: uuid.UUID) -> list[InteractionDTO]:
        with self.database.unit_of_work() as session:
            self._thread(session, thread_id)
            rows = InteractionRepository(session).in_thread(thread_id, user_id=self.student.user_id())
            return [interaction_dto(row) for row in rows]

    def interaction(self, interaction_id: uuid.UUID) -> InteractionDTO:
        with self.database.unit_of_work() as session:
            return interaction_dto(self._interaction(session, interaction_id))

    # -- questions ------------------------------------------------------------------------

    def ask(self, question: str, *, thread_id: uuid.UUID | None = None, mode: str = InteractionMode.EXPLAIN,
            document_ids: Sequence[uuid.UUID] | None = None, subject: str | None = None,
            general_knowledge: bool = False) -> InteractionDTO:
        """Record the question and hand it to the worker; the answer streams in as worker events.

        `document_ids`/`subject`, when given, become the thread's scope for this and later questions.
        `general_knowledge`: when the documents do not cover the question, a model able to may answer
        from general knowledge, labelled so; otherwise the answer says it is not in the documents and stops.
        """
        refusal = self.refusal()
        if refusal is not None:
            raise BlockedByPolicyError(refusal)
        try:
            mode = InteractionMode(mode)
        except ValueError:
            raise InvalidInputError(f"The tutor has no mode {mode!r}; use explain, quiz or summarise.") from None
        question = question.replace("\x00", "").strip()
        if not question and mode == InteractionMode.SUMMARISE:
            question = _DEFAULT_SUMMARY_REQUEST
        if not question:
            raise InvalidInputError("Type a question first.")
        if len(question) > MAX_QUESTION_CHARS:
            raise InvalidInputError(f"A question can be at most {MAX_QUESTION_CHARS:,} characters long; "
                                    f"this one has {len(question):,}.")
        with self.database.unit_of_work() as session:
            if thread_id is None:
                thread = ConversationThread(user_id=self.student.user_id(), title=_clean_title(question[:80]),
                                            document_scope=self._checked_scope(session, document_ids or ()),
                                            subject=clean_subject(subject))
                session.add(thread)
                session.flush()
            else:
                thread = self._thread(session, thread_id)
                if document_ids is not None:
                    thread.document_scope = self._checked_scope(session, document_ids)
                if subject is not None:
                    thread.subject = clean_subject(subject)
            if mode == InteractionMode.SUMMARISE and len(thread.document_scope or ()) != 1:
                raise InvalidInputError("Pick the one document to summarise.")
            row = AIInteraction(thread_id=thread.id, user_id=thread.user_id, mode=mode, question=question,
                                status=InteractionStatus.GENERATING, general_knowledge=bool(general_knowledge))
            session.add(row)
            thread.updated_at = transaction_time()
            session.flush()
            session.refresh(row)
            dto = interaction_dto(row)
        self._enqueue(dto.id)
        return dto

    def retry(self, interaction_id: uuid.UUID) -> InteractionDTO:
        """Ask a failed or cancelled question again, in the same thread."""
        original = self.interaction(interaction_id)
        if original.status == InteractionStatus.GENERATING:
            raise InvalidInputError("That answer is still being written.")
        return self.ask(original.question, thread_id=original.thread_id, mode=original.mode,
                        general_knowledge=original.general_knowledge)

    def cancel(self, interaction_id: uuid.UUID) -> None:
        """Stop an answer being written; the worker notices between two tokens."""
        self.queue.cancel(interaction_id)

    def mark_interrupted(self, interaction_id: uuid.UUID, reason: str) -> InteractionDTO:
        """The worker died while writing: keep what was written and say why it stops there."""
        with self.database.unit_of_work() as session:
            row = self._interaction(session, interaction_id, for_update=True)
            if row.status == InteractionStatus.GENERATING:
                row.status = InteractionStatus.FAILED
                row.error = reason
            session.flush()
            return interaction_dto(row)

    def rate(self, interaction_id: uuid.UUID, rating: int | None) -> InteractionDTO:
        if rating is not None and (type(rating) is not int or not 1 <= rating <= 5):  # bool is an int too
            raise InvalidInputError("A rating is a whole number from 1 to 5.")
        with self.database.unit_of_work() as session:
            row = self._interaction(session, interaction_id, for_update=True)
            if row.status == InteractionStatus.GENERATING:
                raise InvalidInputError("Rate the answer once it is finished.")
            row.feedback_rating = rating
            session.flush()
            return interaction_dto(row)

    # -- internals ------------------------------------------------------------------------

    def _enqueue(self, interaction_id: uuid.UUID) -> None:
        try:
            self.queue.enqueue(TaskName.TUTOR_ANSWER, str(interaction_id))
        except Exception as error:  # huey wraps Redis errors in its own
            self.mark_interrupted(interaction_id, "The question could not reach the background worker.")
            raise ServiceUnavailableError("The tutor could not be asked: the background worker's queue did "
                                          "not answer. Check Settings → Services.", details=repr(error)) from error

    def _generating_in(self, thread_id: uuid.UUID) -> list[uuid.UUID]:
        with self.database.unit_of_work() as session:
            return list(session.scalars(sa.select(AIInteraction.id).where(
                AIInteraction.thread_id == thread_id, AIInteraction.status == InteractionStatus.GENERATING)))

    def _checked_scope(self, session, document_ids: Sequence[uuid.UUID]) -> list[str]:
        ids = list(dict.fromkeys(document_ids))
        if ids:
            found = set(session.scalars(sa.select(Document.id).where(Document.id.in_(ids),
                                                                     Document.deleted_at.is_(None))))
            missing = [item for item in ids if item not in found]
            if missing:
                raise NotFoundError("One of the chosen documents no longer exists.")
        return [str(item) for item in ids]

    def _thread(self, session, thread_id: uuid.UUID) -> ConversationThread:
        thread = ThreadRepository(session).get(thread_id, user_id=self.student.user_id())
        if thread is None:
            raise NotFoundError("That conversation no longer exists.")
        return thread

    def _interaction(self, session, interaction_id: uuid.UUID, *, for_update: bool = False) -> AIInteraction:
        row = InteractionRepository(session).get(interaction_id, for_update=for_update,
                                                 user_id=self.student.user_id())
        if row is None:
            raise NotFoundError("That answer no longer exists.")
        return row

    def _count(self, session, thread_id: uuid.UUID) -> int:
        return InteractionRepository(session).count_in_thread(thread_id, user_id=self.student.user_id())
