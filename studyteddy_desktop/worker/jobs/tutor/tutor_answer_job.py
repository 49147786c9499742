"""Writes one tutor answer inside the worker: retrieve, decide if grounded, prompt, stream, record.

Retrieval decides groundedness, not the model: when no passage is similar enough to the question
the answer is marked ungrounded and the UI and CLI show a fixed "not in your documents" line.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import redis
import sqlalchemy as sa

from studyteddy_desktop.ai.citation_check import LiveCitations
from studyteddy_desktop.ai.language_model_slot import LanguageModelSlot
from studyteddy_desktop.ai.llm_runtime import LocalLanguageModel, SamplingSettings
from studyteddy_desktop.ai.tutor_prompt import PriorTurn, PromptPassage, build_tutor_prompt, focused_excerpt
from studyteddy_desktop.db.models import AIInteraction, ConversationThread
from studyteddy_desktop.domain.enums import InteractionMode, InteractionStatus
from studyteddy_desktop.domain.errors import ServiceUnavailableError, StudyTeddyError
from studyteddy_desktop.domain.events import WorkerEvent
from studyteddy_desktop.domain.job_queue import cancel_key
from studyteddy_desktop.domain.tutor_dto import (
    EVENT_FINISHED,
    EVENT_NOTICE,
    EVENT_SOURCES,
    EVENT_TOKENS,
    INTERRUPTED_MESSAGE,
    LanguageModelSettings,
    SourceDTO,
)
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.documents.document_search import DocumentSearch
from studyteddy_desktop.worker.jobs.documents.passage_sampling import spread_passages

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
# Tokens go out in small batches: the first at once, then at most every 40 ms.
_FLUSH_EVERY_S = 0.04
_SAVE_EVERY_S = 1.0
_CANCEL_CHECK_EVERY_S = 0.05
# Reads of the stop flag that may fail in a row (50 ms apart while the model writes) before the answer
# stops: past that, a Stop the student pressed would go unheard.
UNREADABLE_STOP_CHECKS = 3
STOP_FLAG_UNREADABLE = ("The worker lost its connection to Redis, so it could not hear Stop; the answer was "
                        "stopped there. Ask again once Settings → Services shows Redis running.")

Publish = Callable[[WorkerEvent], None]
SettingsReader = Callable[[], LanguageModelSettings]


@dataclass(frozen=True)
class ComposedPrompt:
    prompt: list[int]
    sources: tuple[SourceDTO, ...]
    grounded: bool
    asked_at: datetime


def _event(kind: str, interaction_id: uuid.UUID, message: str = "", **data: object) -> WorkerEvent:
    return WorkerEvent(kind=kind, message=message, data={"interaction_id": str(interaction_id), **data})


class StopFlagUnreadable(ServiceUnavailableError):
    """The stop flag of an answer could not be read several times in a row."""


class StopFlag:
    """Whether the student asked to stop one answer. A flag Redis cannot tell about is not read as "go on":
    a read may fail now and then, but several in a row end the answer."""

    def __init__(self, client: redis.Redis, interaction_id: uuid.UUID,
                 allowed_misses: int = UNREADABLE_STOP_CHECKS) -> None:
        self._client = client
        self._key = cancel_key(interaction_id)
        self._allowed_misses = allowed_misses
        self._misses = 0

    def asked(self) -> bool:
        """True once Stop was asked; False for a failed read, until the failures in a row reach the
        limit: then StopFlagUnreadable."""
        try:
            asked = bool(self._client.exists(self._key))
        except (redis.RedisError, OSError) as error:
            self._misses += 1
            if self._misses >= self._allowed_misses:
                raise StopFlagUnreadable(STOP_FLAG_UNREADABLE, details=repr(error)) from error
            return False
        self._misses = 0
        return asked

    def settle(self) -> bool:
        """Read until the flag is known, pausing between tries; StopFlagUnreadable if it never is."""
        while True:
            asked = self.asked()
            if self._misses == 0:
                return asked
            time.sleep(_CANCEL_CHECK_EVERY_S)


class TutorAnswerer:
    def __init__(self, database: Database, search: DocumentSearch, models: LanguageModelSlot,
                 read_settings: SettingsReader, redis_client: redis.Redis, publish: Publish) -> None:
        self.database = database
        self.search = search
        self.models = models
        self.read_settings = read_settings
        self.redis_client = redis_client
        self.publish = publish

    def answer(self, interaction_id: uuid.UUID) -> str:
        """Write the answer; returns the final status. Safe to run twice for the same question."""
        with self.database.unit_of_work() as session:
            row = session.get(AIInteraction, interaction_id)
            if row is None or row.deleted_at is not None or row.status != InteractionStatus.GENERATING \
                    or row.model_name is not None:
                return "skipped"
        stop = StopFlag(self.redis_client, interaction_id)
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
                citations=[source.to_json() for source in composed.sources], grounded=composed.grounded))
        self.publish(_event(EVENT_SOURCES, interaction_id, grounded=composed.grounded,
                            sources=[source.to_json() for source in composed.sources]))
        return self._stream(interaction_id, model, composed.prompt, composed.asked_at,
                            {source.number: source.quote for source in composed.sources}, stop)

    def compose(self, interaction_id: uuid.UUID, model: LocalLanguageModel) -> ComposedPrompt:
        """Retrieval and the prompt for one question, with the thread's earlier turns; no side effects."""
        with self.database.unit_of_work() as session:
            row = session.get(AIInteraction, interaction_id)
            assert row is not None
            thread = session.get(ConversationThread, row.thread_id)
            assert thread is not None
            asked_at = row.created_at
            mode, question, asker = InteractionMode(row.mode), row.question, row.user_id
            scope = [uuid.UUID(item) for item in thread.document_scope or ()]
            subject = thread.subject
            earlier = list(session.execute(
                sa.select(AIInteraction.question, AIInteraction.answer, AIInteraction.mode)
                .where(AIInteraction.thread_id == row.thread_id, AIInteraction.id != row.id,
                       AIInteraction.deleted_at.is_(None), AIInteraction.status == InteractionStatus.DONE,
                       AIInteraction.created_at <= row.created_at)
                .order_by(AIInteraction.created_at.desc()).limit(HISTORY_TURNS)))[::-1]
        task = str(mode)
        query = question
        if mode == InteractionMode.QUIZ and earlier and earlier[-1].mode == InteractionMode.QUIZ:
            task = "quiz_feedback"  # the student is answering the questions just asked
            query = f"{earlier[-1].answer}\n{question}"
        if mode == InteractionMode.SUMMARISE:
            sources, grounded = spread_passages(self.database, scope[0], SUMMARY_PASSAGES, SUMMARY_EXCERPT_TOKENS,
                                                 model.count_tokens), True
        else:
            sources, grounded = self._retrieve(query, scope, subject, asker, model)
        prompt = build_tutor_prompt(
            task=task, question=question,
            passages=[PromptPassage(s.number, f"{s.document_title}{', ' + s.page_label if s.page_label else ''}",
                                    s.quote) for s in sources],
            history=[PriorTurn(turn.question, turn.answer) for turn in earlier],
            count_tokens=model.count_tokens, defuse=model.defuse, budget=model.context_size - ANSWER_TOKENS)
        return ComposedPrompt(model.chat_tokens(prompt.messages), tuple(sources), grounded, asked_at)

    def _retrieve(self, query: str, scope: list[uuid.UUID], subject: str | None, asker: uuid.UUID,
                  model: LocalLanguageModel) -> tuple[list[SourceDTO], bool]:
        hits = self.search.search(" ".join(query.split())[:1000], limit=PASSAGES_IN_PROMPT * 2,
                                  document_ids=scope or None, subject=subject, user_id=asker)
        best = max((hit.similarity or 0.0 for hit in hits), default=0.0)
        if best < GROUNDED_SIMILARITY:
            return [], False
        kept = sorted((hit for hit in hits if (hit.similarity or 0.0) >= PASSAGE_SIMILARITY_FLOOR),
                      key=lambda hit: hit.similarity or 0.0, reverse=True)[:PASSAGES_IN_PROMPT]
        return [SourceDTO(number=number, document_id=hit.document_id, document_title=hit.document_title,
                          chunk_id=hit.chunk_id, page=hit.page if hit.page is not None else hit.page_start,
                          char_start=hit.char_start, char_end=hit.char_end,
                          quote=focused_excerpt(hit.text, query, EXCERPT_TOKENS, model.count_tokens),
                          similarity=hit.similarity or 0.0)
                for number, hit in enumerate(kept, start=1)], True

    def _stream(self, interaction_id: uuid.UUID, model: LocalLanguageModel, prompt: list[int],
                asked_at: datetime, passages: dict[int, str], stop: StopFlag) -> str:
        answer: list[str] = []
        pending: list[str] = []
        first_token_at: float | None = None
        last_flush = last_save = last_check = 0.0
        cancelled = False
        lost: StopFlagUnreadable | None = None

        def should_stop() -> bool:
            nonlocal last_check, cancelled, lost
            now = time.monotonic()
            if now - last_check >= _CANCEL_CHECK_EVERY_S:
                last_check = now
                try:
                    cancelled = cancelled or stop.asked()
                except StopFlagUnreadable as error:
                    lost = error
            return cancelled or lost is not None

        pieces = 0
        citations = LiveCitations(passages)
        for piece in model.stream(prompt, SamplingSettings(max_tokens=ANSWER_TOKENS), should_stop):
            now = time.monotonic()
            pieces += 1
            shown = citations.feed(piece)
            if not shown:
                continue  # held back: it may be the start of a citation marker
            if first_token_at is None:
                first_token_at = time.time()
            answer.append(shown)
            pending.append(shown)
            if now - last_flush >= _FLUSH_EVERY_S:
                self.publish(_event(EVENT_TOKENS, interaction_id, text="".join(pending)))
                pending.clear()
                last_flush = now
            if now - last_save >= _SAVE_EVERY_S:
                self._save_partial(interaction_id, "".join(answer))
                last_save = now
        if not cancelled and lost is None:
            # Done only once the flag was read after the last token: the model may have finished
            # between two checks, while Redis was away.
            try:
                cancelled = stop.settle()
            except StopFlagUnreadable as error:
                lost = error
        if not cancelled and lost is None:
            pending.append(citations.finish())
            answer.append(pending[-1])
            if "".join(pending):
                self.publish(_event(EVENT_TOKENS, interaction_id, text="".join(pending)))
        text = "".join(answer).strip()
        finished_at = time.time()
        stats = {"prompt_tokens": len(prompt), "completion_tokens": pieces,
                 "latency_ms": max(0, int((finished_at - asked_at.timestamp()) * 1000)),
                 "first_token_ms": max(0, int(((first_token_at or finished_at) - asked_at.timestamp()) * 1000))}
        if lost is not None:
            return self._finish(interaction_id, InteractionStatus.FAILED, answer=text, error=lost.message, **stats)
        status = InteractionStatus.CANCELLED if cancelled else InteractionStatus.DONE
        return self._finish(interaction_id, status, answer=text, **stats)

    def _save_partial(self, interaction_id: uuid.UUID, text: str) -> None:
        """What was written so far survives a crash of the worker."""
        with self.database.unit_of_work() as session:
            session.execute(sa.update(AIInteraction).where(AIInteraction.id == interaction_id,
                                                           AIInteraction.status == InteractionStatus.GENERATING)
                            .values(answer=text))

    def _finish(self, interaction_id: uuid.UUID, status: InteractionStatus, *, answer: str | None,
                error: str | None = None, **stats: int) -> str:
        values: dict[str, object] = {"status": status, "error": error, **stats}
        if answer is not None:
            values["answer"] = answer
        with self.database.unit_of_work() as session:
            session.execute(sa.update(AIInteraction).where(AIInteraction.id == interaction_id).values(**values))
            final_answer = session.scalar(sa.select(AIInteraction.answer).where(AIInteraction.id == interaction_id))
        try:
            self.redis_client.delete(cancel_key(interaction_id))
        except (redis.RedisError, OSError):
            pass
        self.publish(_event(EVENT_FINISHED, interaction_id, error or "", status=str(status),
                            answer=final_answer or "", **stats))
        return str(status)


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
