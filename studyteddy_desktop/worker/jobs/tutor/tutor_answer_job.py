"""Writes one tutor answer inside the worker: retrieve, quote, prompt, stream checked sentences, record.

Retrieval decides groundedness, not the model: when no passage is similar enough to the question
the answer is marked ungrounded, the UI and CLI show a fixed "not in your documents" line, and the
model is not asked at all, unless the student asked for general knowledge and the model can carry it.
A grounded answer opens with sentences of the sources, verbatim, before the model writes a word.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from studyteddy_desktop.ai.answer_check.answer_gate import AnswerGate
from studyteddy_desktop.ai.answer_check.quote_selection import select_quotes
from studyteddy_desktop.ai.extractive_summary import extractive_summary
from studyteddy_desktop.ai.language_model_slot import LanguageModelSlot
from studyteddy_desktop.ai.llm_runtime import LocalLanguageModel
from studyteddy_desktop.ai.model_files import can_answer_from_general_knowledge
from studyteddy_desktop.ai.tutor_prompt import (
    PriorTurn,
    PromptPassage,
    build_tutor_prompt,
    focused_excerpt,
    remove_model_directives,
)
from studyteddy_desktop.db.models import AIInteraction, ConversationThread, Document
from studyteddy_desktop.domain.enums import InteractionMode, InteractionStatus
from studyteddy_desktop.domain.errors import StudyTeddyError
from studyteddy_desktop.domain.events import WorkerEvent
from studyteddy_desktop.domain.job_queue import cancel_key
from studyteddy_desktop.domain.tutor_dto import (
    EVENT_FINISHED,
    EVENT_NOTICE,
    EVENT_SOURCES,
    EVENT_TOKENS,
    INTERRUPTED_MESSAGE,
    LanguageModelSettings,
    QuoteDTO,
    SourceDTO,
)
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.documents.document_search import DocumentSearch
from studyteddy_desktop.worker.jobs.documents.passage_sampling import spread_passages
from studyteddy_desktop.worker.jobs.tutor.answer_stream import StreamOutcome, stream_answer
from studyteddy_desktop.worker.jobs.tutor.quiz_turn import QuizTurn, grades_turn, questions_turn, stored_items
from studyteddy_desktop.worker.jobs.tutor.stop_flag import StopFlag, StopFlagUnreadable
from studyteddy_desktop.services.core.shared_store import SHARED_STORE_ERRORS, SharedStore

log = logging.getLogger(__name__)

# Cosine similarity (all-MiniLM-L6-v2) of the best passage below which the question is taken as not
# covered by the student's documents; tuned on benchmarks/tutor_questions.py, where every answerable
# question's best passage scores at least 0.30 and every unanswerable one's below 0.25.
GROUNDED_SIMILARITY = 0.28
# Weaker passages than this are not shown to the model at all.
PASSAGE_SIMILARITY_FLOOR = 0.25
PASSAGES_IN_PROMPT = 3
EXCERPT_TOKENS = 90
SUMMARY_PASSAGES = 6
SUMMARY_EXCERPT_TOKENS = 110
HISTORY_TURNS = 6
ANSWER_TOKENS = 400
# Verbatim sentences of the sources shown before the explanation.
QUOTES_SHOWN = 2
SUMMARY_QUOTES = 4

Publish = Callable[[WorkerEvent], None]
SettingsReader = Callable[[], LanguageModelSettings]


@dataclass(frozen=True)
class ComposedPrompt:
    prompt: list[int]
    sources: tuple[SourceDTO, ...]
    grounded: bool
    asked_at: datetime
    task: str = "explain"
    # Whole passages by source number: what quotes are taken from and sentences are checked against.
    passages: dict[int, str] = field(default_factory=dict)
    quotes: tuple[QuoteDTO, ...] = ()
    known_titles: tuple[str, ...] = ()
    general_knowledge_asked: bool = False
    # A turn written from the passages without the model: a quiz's questions or its grades.
    written: QuizTurn | None = None


def _event(kind: str, interaction_id: uuid.UUID, message: str = "", **data: object) -> WorkerEvent:
    return WorkerEvent(kind=kind, message=message, data={"interaction_id": str(interaction_id), **data})


class TutorAnswerer:
    def __init__(self, database: Database, search: DocumentSearch, models: LanguageModelSlot,
                 read_settings: SettingsReader, shared_store: SharedStore, publish: Publish) -> None:
        self.database = database
        self.search = search
        self.models = models
        self.read_settings = read_settings
        self.shared_store = shared_store
        self.publish = publish

    def answer(self, interaction_id: uuid.UUID) -> str:
        """Write the answer; returns the final status. Safe to run twice for the same question."""
        with self.database.unit_of_work() as session:
            row = session.get(AIInteraction, interaction_id)
            if row is None or row.deleted_at is not None or row.status != InteractionStatus.GENERATING \
                    or row.model_name is not None:
                return "skipped"
        stop = StopFlag(self.shared_store, interaction_id)
        try:
            if stop.settle():
                return self._finish(interaction_id, InteractionStatus.CANCELLED, answer="")
        except StopFlagUnreadable as error:
            return self._finish(interaction_id, InteractionStatus.FAILED, answer="", error=error.message)
        try:
            ready = self.models.get(self.read_settings())
        except StudyTeddyError as error:
            return self._finish(interaction_id, InteractionStatus.FAILED, answer="", error=error.message)
        if ready.fallback_notice:
            self.publish(_event(EVENT_NOTICE, interaction_id, ready.fallback_notice))
        if not self._claim(interaction_id, ready.model.name):
            return "skipped"
        try:
            return self._write(interaction_id, ready.model, stop)
        except StudyTeddyError as error:
            return self._finish(interaction_id, InteractionStatus.FAILED, answer=None, error=error.message)
        except Exception as error:
            log.exception("The tutor answer %s failed", interaction_id)
            return self._finish(interaction_id, InteractionStatus.FAILED, answer=None,
                                error=f"Something went wrong while answering: {type(error).__name__}: {error}")

    def _claim(self, interaction_id: uuid.UUID, model_name: str) -> bool:
        """Only one worker writes an answer, even if the question was delivered twice."""
        with self.database.unit_of_work() as session:
            claimed = session.execute(
                sa.update(AIInteraction)
                .where(AIInteraction.id == interaction_id, AIInteraction.status == InteractionStatus.GENERATING,
                       AIInteraction.model_name.is_(None))
                .values(model_name=model_name[:200])).rowcount
        return claimed == 1

    def _write(self, interaction_id: uuid.UUID, model: LocalLanguageModel, stop: StopFlag) -> str:
        composed = self.compose(interaction_id, model)
        with self.database.unit_of_work() as session:
            session.execute(sa.update(AIInteraction).where(AIInteraction.id == interaction_id).values(
                citations=[source.to_json() for source in composed.sources], grounded=composed.grounded,
                quotes=[quote.to_json() for quote in composed.quotes]))
        self.publish(_event(EVENT_SOURCES, interaction_id, grounded=composed.grounded,
                            sources=[source.to_json() for source in composed.sources],
                            quotes=[quote.to_json() for quote in composed.quotes]))
        if composed.written is not None:
            return self._record_written(interaction_id, composed, composed.written)
        shown_at = time.time() if composed.quotes else None
        general = not composed.grounded and composed.general_knowledge_asked \
            and can_answer_from_general_knowledge(model.path)
        if not composed.grounded and not general:
            # Nothing of the student's covers it, and a model this small would only invent: say so and stop.
            return self._finish(interaction_id, InteractionStatus.DONE, answer="",
                                **self._timing(composed.asked_at, shown_at, prompt_tokens=0, completion_tokens=0))
        gate = AnswerGate(composed.passages, known_titles=composed.known_titles)
        outcome = stream_answer(
            model, composed.prompt, max_tokens=ANSWER_TOKENS, gate=gate, stop=stop,
            send=lambda text: self.publish(_event(EVENT_TOKENS, interaction_id, text=text)),
            save_partial=lambda text: self._save_partial(interaction_id, text))
        return self._record(interaction_id, composed, outcome, shown_at)

    def _record(self, interaction_id: uuid.UUID, composed: ComposedPrompt, outcome: StreamOutcome,
                shown_at: float | None) -> str:
        figures: dict[str, object] = {
            **self._timing(composed.asked_at, shown_at or outcome.first_shown_at, prompt_tokens=len(composed.prompt),
                           completion_tokens=outcome.pieces),
            "checked_sentences": outcome.checked, "supported_sentences": outcome.supported,
            "cut_for_repetition": outcome.cut_for_repetition}
        if outcome.lost is not None:
            return self._finish(interaction_id, InteractionStatus.FAILED, answer=outcome.text,
                                error=outcome.lost.message, **figures)
        status = InteractionStatus.CANCELLED if outcome.cancelled else InteractionStatus.DONE
        return self._finish(interaction_id, status, answer=outcome.text, **figures)

    def _record_written(self, interaction_id: uuid.UUID, composed: ComposedPrompt, turn: QuizTurn) -> str:
        self.publish(_event(EVENT_TOKENS, interaction_id, text=turn.text))
        with self.database.unit_of_work() as session:
            session.execute(sa.update(AIInteraction).where(AIInteraction.id == interaction_id).values(
                quiz_items=[item.to_json() for item in turn.items]))
        return self._finish(interaction_id, InteractionStatus.DONE, answer=turn.text,
                            **self._timing(composed.asked_at, time.time(), prompt_tokens=0, completion_tokens=0))

    @staticmethod
    def _timing(asked_at: datetime, shown_at: float | None, **tokens: int) -> dict[str, object]:
        finished_at = time.time()
        asked = asked_at.timestamp()
        return {**tokens, "latency_ms": max(0, int((finished_at - asked) * 1000)),
                "first_token_ms": max(0, int(((shown_at or finished_at) - asked) * 1000)),
                "first_shown_ms": None if shown_at is None else max(0, int((shown_at - asked) * 1000))}

    def compose(self, interaction_id: uuid.UUID, model: LocalLanguageModel) -> ComposedPrompt:
        """Retrieval and the prompt for one question, with the thread's earlier turns; no side effects."""
        with self.database.unit_of_work() as session:
            row = session.get(AIInteraction, interaction_id)
            assert row is not None
            thread = session.get(ConversationThread, row.thread_id)
            assert thread is not None
            asked_at = row.created_at
            mode, question, asker = InteractionMode(row.mode), row.question, row.user_id
            general_knowledge_asked = row.general_knowledge
            scope = [uuid.UUID(item) for item in thread.document_scope or ()]
            subject = thread.subject
            earlier = list(session.execute(
                sa.select(AIInteraction.question, AIInteraction.answer, AIInteraction.mode, AIInteraction.quiz_items,
                          AIInteraction.citations)
                .where(AIInteraction.thread_id == row.thread_id, AIInteraction.id != row.id,
                       AIInteraction.deleted_at.is_(None), AIInteraction.status == InteractionStatus.DONE,
                       AIInteraction.created_at <= row.created_at)
                .order_by(AIInteraction.created_at.desc()).limit(HISTORY_TURNS)))[::-1]
        task = str(mode)
        known_titles = self._titles(asker)
        if mode == InteractionMode.QUIZ:
            return self._quiz(question, earlier, scope, subject, asker, model, asked_at, known_titles)
        if mode == InteractionMode.SUMMARISE:
            sources, grounded = spread_passages(self.database, scope[0], SUMMARY_PASSAGES, SUMMARY_EXCERPT_TOKENS,
                                                 model.count_tokens), True
            passages = {source.number: source.quote for source in sources}
        else:
            sources, passages, grounded = self._retrieve(question, scope, subject, asker, model)
        if not grounded:
            quotes: tuple[QuoteDTO, ...] = ()
        elif mode == InteractionMode.SUMMARISE:
            quotes = _summary_quotes(passages)
        else:
            quotes = tuple(QuoteDTO(quote.source_number, quote.text)
                           for quote in select_quotes(question, passages, limit=QUOTES_SHOWN, fallback=True))
        prompt = build_tutor_prompt(
            task=task, question=question,
            passages=[PromptPassage(s.number, f"{s.document_title}{', ' + s.page_label if s.page_label else ''}",
                                    s.quote) for s in sources],
            history=[PriorTurn(turn.question, turn.answer) for turn in earlier],
            count_tokens=model.count_tokens, defuse=model.defuse, budget=model.context_size - ANSWER_TOKENS)
        return ComposedPrompt(model.chat_tokens(prompt.messages), tuple(sources), grounded, asked_at, task=task,
                              passages=passages, quotes=quotes, known_titles=known_titles,
                              general_knowledge_asked=general_knowledge_asked)

    def _quiz(self, reply: str, earlier: list[sa.Row], scope: list[uuid.UUID], subject: str | None,
              asker: uuid.UUID, model: LocalLanguageModel, asked_at: datetime,
              known_titles: tuple[str, ...]) -> ComposedPrompt:
        """Grades when the student answers the questions just asked; new questions otherwise."""
        quizzes = [turn for turn in earlier if turn.mode == InteractionMode.QUIZ and turn.quiz_items]
        if earlier and quizzes and earlier[-1] is quizzes[-1]:
            asked = stored_items(quizzes[-1].quiz_items)
            sources = tuple(SourceDTO.from_json(item) for item in quizzes[-1].citations or ())
            graded = grades_turn(reply, asked, sources) if asked else None
            if graded is not None:
                return ComposedPrompt([], graded.sources, True, asked_at, task="quiz_feedback", written=graded,
                                      known_titles=known_titles)
        sources, passages, grounded = self._retrieve(reply, scope, subject, asker, model)
        if not grounded:
            return ComposedPrompt([], (), False, asked_at, task="quiz", known_titles=known_titles)
        asked_before = [item.question for turn in quizzes for item in stored_items(turn.quiz_items)]
        turn = questions_turn(sources, passages, asked_before=asked_before)
        return ComposedPrompt([], tuple(sources), True, asked_at, task="quiz", passages=passages, written=turn,
                              known_titles=known_titles)

    def _titles(self, asker: uuid.UUID) -> tuple[str, ...]:
        """The student's document names: an answer naming any other document made it up."""
        with self.database.unit_of_work() as session:
            return tuple(session.scalars(sa.select(Document.title).where(Document.user_id == asker,
                                                                         Document.deleted_at.is_(None))))

    def _retrieve(self, query: str, scope: list[uuid.UUID], subject: str | None, asker: uuid.UUID,
                  model: LocalLanguageModel) -> tuple[list[SourceDTO], dict[int, str], bool]:
        hits = self.search.search(" ".join(query.split())[:1000], limit=PASSAGES_IN_PROMPT * 2,
                                  document_ids=scope or None, subject=subject, user_id=asker)
        best = max((hit.similarity or 0.0 for hit in hits), default=0.0)
        if best < GROUNDED_SIMILARITY:
            return [], {}, False
        # In the search's own order, which fuses meaning with the words themselves: in a language the
        # embedding model reads poorly, a passage naming the very terms is often only third by similarity.
        kept = [hit for hit in hits if (hit.similarity or 0.0) >= PASSAGE_SIMILARITY_FLOOR][:PASSAGES_IN_PROMPT]
        # Quotes come from, and sentences are checked against, the whole passage, less what talks to a model.
        passages = {number: remove_model_directives(hit.text) for number, hit in enumerate(kept, start=1)}
        return [SourceDTO(number=number, document_id=hit.document_id, document_title=hit.document_title,
                          chunk_id=hit.chunk_id, page=hit.page if hit.page is not None else hit.page_start,
                          char_start=hit.char_start, char_end=hit.char_end,
                          quote=focused_excerpt(hit.text, query, EXCERPT_TOKENS, model.count_tokens),
                          similarity=hit.similarity or 0.0)
                for number, hit in enumerate(kept, start=1)], passages, True

    def _save_partial(self, interaction_id: uuid.UUID, text: str) -> None:
        """What was written so far survives a crash of the worker."""
        with self.database.unit_of_work() as session:
            session.execute(sa.update(AIInteraction).where(AIInteraction.id == interaction_id,
                                                           AIInteraction.status == InteractionStatus.GENERATING)
                            .values(answer=text))

    def _finish(self, interaction_id: uuid.UUID, status: InteractionStatus, *, answer: str | None,
                error: str | None = None, **stats: object) -> str:
        values: dict[str, object] = {"status": status, "error": error, **stats}
        if answer is not None:
            values["answer"] = answer
        with self.database.unit_of_work() as session:
            session.execute(sa.update(AIInteraction).where(AIInteraction.id == interaction_id).values(**values))
            final_answer = session.scalar(sa.select(AIInteraction.answer).where(AIInteraction.id == interaction_id))
        try:
            self.shared_store.delete(cancel_key(interaction_id))
        except SHARED_STORE_ERRORS:
            pass
        self.publish(_event(EVENT_FINISHED, interaction_id, error or "", status=str(status),
                            answer=final_answer or "", **stats))
        return str(status)


def _summary_quotes(passages: dict[int, str]) -> tuple[QuoteDTO, ...]:
    """A summary opens with the document's own most representative sentences, each with its passage."""
    numbers = sorted(passages)
    chosen = extractive_summary([passages[number] for number in numbers], sentences=SUMMARY_QUOTES)
    found = ((next((number for number in numbers if sentence in passages[number]), None), sentence)
             for sentence in chosen)
    return tuple(QuoteDTO(number, sentence) for number, sentence in found if number is not None)


def recover_interrupted_answers(database: Database) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """At worker start: answers a dead worker was writing fail with what they had (returned first);
    questions no worker had picked up yet are returned second, to be asked again."""
    with database.unit_of_work() as session:
        interrupted = list(session.scalars(
            sa.update(AIInteraction)
            .where(AIInteraction.status == InteractionStatus.GENERATING, AIInteraction.model_name.is_not(None))
            .values(status=InteractionStatus.FAILED, error=INTERRUPTED_MESSAGE)
            .returning(AIInteraction.id)))
        unstarted = list(session.scalars(
            sa.select(AIInteraction.id).where(AIInteraction.status == InteractionStatus.GENERATING,
                                              AIInteraction.model_name.is_(None),
                                              AIInteraction.deleted_at.is_(None))))
    return interrupted, unstarted
