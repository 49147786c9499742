"""A document's summary and key concepts, written by the worker when it has no documents to index.

The summary is the document's own most representative sentences, joined (ai/extractive_summary.py):
the bundled 135M model, asked to write one, described a German topology script as "geometric
transformations, trigonometry, calculus". Asking it only to join chosen sentences would again let it
rephrase, and every rephrasing would need checking against the text; sentences that are the text need
none. Key concepts are the document's recurring terms in its own language.

Indexing comes first: summaries wait until no document is queued or being indexed, and one being
written steps aside (to be written later) when a new document arrives before it is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from studyteddy_desktop.ai.extractive_summary import extractive_summary, summary_text
from studyteddy_desktop.ai.key_concepts import key_concepts
from studyteddy_desktop.ai.text_language import detect_language
from studyteddy_desktop.db.models import BackgroundJob, Document, DocumentChunk
from studyteddy_desktop.db.repositories.job_repository import JobRepository
from studyteddy_desktop.domain.job_queue import DIGEST_JOB_KIND, INDEX_JOB_KIND
from studyteddy_desktop.domain.enums import DocumentStatus, JobState
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.job_service import JobService

SUMMARY_SENTENCES = 4
CONCEPT_TEXT_CHARS = 400_000
_ACTIVE = (JobState.QUEUED, JobState.RUNNING)
# Any constant the app uses for no other advisory lock (db/migrate.py holds its own).
DIGEST_SUBMISSION_LOCK_KEY = 0x5D16E57
Progress = Callable[[float, str], None]
_DEFERRED = "a document is being indexed"


class DocumentDigester:
    def __init__(self, database: Database) -> None:
        self.database = database

    def digest(self, document_id: uuid.UUID, progress: Progress) -> dict[str, object]:
        """Write the summary and key concepts; `deferred` in the result when indexing took over."""
        with self.database.unit_of_work() as session:
            status = session.scalar(sa.select(Document.status).where(Document.id == document_id,
                                                                      Document.deleted_at.is_(None)))
            if status != DocumentStatus.READY:
                return {"document_id": str(document_id), "skipped": "the document is not ready"}
            chunks = list(session.scalars(sa.select(DocumentChunk.text)
                                          .where(DocumentChunk.document_id == document_id)
                                          .order_by(DocumentChunk.ordinal)))
        progress(0.1, "Finding key concepts")
        text = _spread_text(chunks, CONCEPT_TEXT_CHARS)
        language = detect_language(text)
        concepts = key_concepts(text, language=language)
        if indexing_active(self.database):  # a document arrived while this job waited its turn
            return {"document_id": str(document_id), "deferred": _DEFERRED}
        progress(0.4, "Writing a summary")
        summary = summary_text(extractive_summary(chunks, language=language, sentences=SUMMARY_SENTENCES))
        if indexing_active(self.database):  # the new document's indexing goes first; this is redone after it
            return {"document_id": str(document_id), "deferred": _DEFERRED}
        with self.database.unit_of_work() as session:
            session.execute(sa.update(Document).where(Document.id == document_id)
                            .values(summary=summary or None, key_concepts=concepts))
        return {"document_id": str(document_id), "summary_chars": len(summary), "key_concepts": len(concepts)}


def _spread_text(chunks: Sequence[str], limit: int) -> str:
    """The chunks' text, or evenly spaced chunks up to about `limit` characters: the concepts of a
    long book come from all of it, not from its first chapters."""
    total = sum(len(chunk) for chunk in chunks)
    if total <= limit:
        return "\n".join(chunks)
    keep = max(1, int(len(chunks) * limit / total))
    step = len(chunks) / keep
    return "\n".join(chunks[int(index * step)] for index in range(keep))[:limit]


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
