"""A document's summary and key concepts, written by the worker when it has no documents to index.

Indexing comes first: summaries wait until no document is queued or being indexed, and one being
written steps aside (to be written later) as soon as a new document arrives.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from studyteddy_desktop.ai.key_concepts import key_concepts
from studyteddy_desktop.ai.language_model_slot import LanguageModelSlot
from studyteddy_desktop.ai.llm_runtime import SamplingSettings
from studyteddy_desktop.ai.tutor_prompt import PromptPassage, build_tutor_prompt
from studyteddy_desktop.db.models import BackgroundJob, Document, DocumentChunk
from studyteddy_desktop.db.repositories.job_repository import JobRepository
from studyteddy_desktop.domain.job_queue import DIGEST_JOB_KIND, INDEX_JOB_KIND
from studyteddy_desktop.domain.enums import DocumentStatus, JobState
from studyteddy_desktop.domain.tutor_dto import LanguageModelSettings
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.worker.jobs.documents.passage_sampling import spread_passages
from studyteddy_desktop.services.core.job_service import JobService

SUMMARY_PASSAGES = 5
SUMMARY_EXCERPT_TOKENS = 100
SUMMARY_TOKENS = 180
CONCEPT_TEXT_CHARS = 400_000
# A look at the job table costs about a millisecond; indexing waits at most this long for a summary.
_YIELD_CHECK_EVERY_S = 0.2
_ACTIVE = (JobState.QUEUED, JobState.RUNNING)
# Any constant the app uses for no other advisory lock (db/migrate.py holds its own).
DIGEST_SUBMISSION_LOCK_KEY = 0x5D16E57
Progress = Callable[[float, str], None]


class DocumentDigester:
    def __init__(self, database: Database, models: LanguageModelSlot,
                 read_settings: Callable[[], LanguageModelSettings]) -> None:
        self.database = database
        self.models = models
        self.read_settings = read_settings

    def digest(self, document_id: uuid.UUID, progress: Progress) -> dict[str, object]:
        """Write the summary and key concepts; `deferred` in the result when indexing took over."""
        with self.database.unit_of_work() as session:
            status = session.scalar(sa.select(Document.status).where(Document.id == document_id,
                                                                      Document.deleted_at.is_(None)))
            if status != DocumentStatus.READY:
                return {"document_id": str(document_id), "skipped": "the document is not ready"}
            text = "\n".join(session.scalars(sa.select(DocumentChunk.text)
                                             .where(DocumentChunk.document_id == document_id)
                                             .order_by(DocumentChunk.ordinal)))[:CONCEPT_TEXT_CHARS]
        progress(0.1, "Finding key concepts")
        concepts = key_concepts(text)
        if indexing_active(self.database):  # a document arrived while this job waited its turn
            return {"document_id": str(document_id), "deferred": "a document is being indexed"}
        progress(0.3, "Writing a summary")
        model = self.models.get(self.read_settings()).model
        passages = spread_passages(self.database, document_id, SUMMARY_PASSAGES, SUMMARY_EXCERPT_TOKENS,
                                   model.count_tokens)
        prompt = build_tutor_prompt(task="digest", question="What does this document cover?",
                                    passages=[PromptPassage(p.number, p.page_label or p.document_title, p.quote)
                                              for p in passages],
                                    history=(), count_tokens=model.count_tokens, defuse=model.defuse,
                                    budget=model.context_size - SUMMARY_TOKENS)
        last_check = 0.0
        deferred = False

        def indexing_arrived() -> bool:
            nonlocal last_check, deferred
            if time.monotonic() - last_check >= _YIELD_CHECK_EVERY_S:
                last_check = time.monotonic()
                deferred = deferred or indexing_active(self.database)
            return deferred

        summary = "".join(model.stream(model.chat_tokens(prompt.messages),
                                       SamplingSettings(max_tokens=SUMMARY_TOKENS, temperature=0.2),
                                       indexing_arrived)).strip()
        if deferred:
            return {"document_id": str(document_id), "deferred": "a document is being indexed"}
        # A summary cut off mid-sentence reads as broken; end at the last full stop.
        if "." in summary and not summary.endswith((".", "!", "?")):
            summary = summary[: summary.rfind(".") + 1]
        with self.database.unit_of_work() as session:
            session.execute(sa.update(Document).where(Document.id == document_id)
                            .values(summary=summary or None, key_concepts=concepts))
        return {"document_id": str(document_id), "summary_chars": len(summary), "key_concepts": len(concepts)}


def indexing_active(database: Database) -> bool:
    with database.unit_of_work() as session:
        return _indexing_active(session)


def _indexing_active(session: Session) -> bool:
    return bool(session.scalar(sa.select(sa.exists().where(BackgroundJob.kind == INDEX_JOB_KIND,
                                                           BackgroundJob.state.in_(_ACTIVE)))))


def submit_pending_digests(database: Database, jobs: JobService) -> int:
    """Once no document is waiting to be indexed, ask for the summaries still missing."""
    with database.unit_of_work() as session:
        # The worker's start and every consumer thread finishing a job call this at once: the lock
        # makes each look for missing summaries only after the one before committed its job rows
        # (under read committed each statement after the lock sees those rows).
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(DIGEST_SUBMISSION_LOCK_KEY)))
        if _indexing_active(session):
            return 0
        pending = sa.select(BackgroundJob.payload["document_id"].astext).where(
            BackgroundJob.kind == DIGEST_JOB_KIND, BackgroundJob.state.in_(_ACTIVE))
        missing = list(session.scalars(sa.select(Document.id).where(
            Document.status == DocumentStatus.READY, Document.deleted_at.is_(None), Document.summary.is_(None),
            sa.cast(Document.id, sa.String).not_in(pending))))
        repository = JobRepository(session)
        job_ids = [repository.add(BackgroundJob(kind=DIGEST_JOB_KIND, state=JobState.QUEUED,
                                                payload={"document_id": str(document_id)})).id
                   for document_id in missing]
    # Enqueued after the commit, as JobService.submit does: the worker must find the rows.
    for job_id in job_ids:
        jobs.enqueue(job_id)
    return len(job_ids)
