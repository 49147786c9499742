"""What each kind of background job does; looked up by the job row's `kind`."""

from __future__ import annotations

import logging
import os
import platform
import sys
import uuid
from collections.abc import Callable
from typing import Any

from studyteddy_desktop.ai.model_files import default_llm_path, embedding_model_dir, looks_like_gguf
from studyteddy_desktop.domain.job_queue import CARD_DRAFTS_JOB_KIND, DIGEST_JOB_KIND, INDEX_JOB_KIND, SELF_CHECK_JOB_KIND
from studyteddy_desktop.domain.document_errors import DocumentProblem
from studyteddy_desktop.domain.dto import JobDTO
from studyteddy_desktop.domain.errors import InvalidInputError

log = logging.getLogger(__name__)

ProgressReporter = Callable[[float, str], None]
JobHandler = Callable[[JobDTO, ProgressReporter], dict[str, Any]]
# A job that lost a server this often fails: a full disk looks like an outage too, and every
# claim counts (a killed worker's job is claimed again by the next one).
_RUNS_THROUGH_OUTAGES = 20


def broke_off_for_lost_server(job: JobDTO, error: BaseException) -> bool:
    """Whether the job stopped only because PostgreSQL or Redis went away (they restart in seconds), so it
    may run again."""
    return job.attempts < _RUNS_THROUGH_OUTAGES and lost_a_server(error)


def lost_a_server(error: BaseException) -> bool:
    """Whether the error, or one it came from, is PostgreSQL or Redis gone away (or out of disk)."""
    import psycopg
    import redis
    import sqlalchemy.exc

    from studyteddy_desktop.services.core.database import database_outage

    cause: BaseException | None = error
    for _depth in range(10):
        if cause is None:
            return False
        if (isinstance(cause, sqlalchemy.exc.DBAPIError) and database_outage(cause) is not None) \
                or isinstance(cause, (redis.ConnectionError, redis.TimeoutError, psycopg.OperationalError)):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def run_worker_self_check(job: JobDTO, report: ProgressReporter) -> dict[str, Any]:
    """Check, from inside the worker, that the models it will load are present and intact."""
    report(0.2, "Looking for the embedding model")
    embedder = embedding_model_dir()
    report(0.6, "Looking for the language model")
    llm = default_llm_path()
    return {
        "worker_pid": os.getpid(),
        "python": sys.version.split()[0],
        "platform": platform.platform(terse=True),
        "embedding_model": str(embedder) if embedder else None,
        "llm_model": str(llm) if llm and looks_like_gguf(llm) else None,
    }


def run_document_index(job: JobDTO, report: ProgressReporter) -> dict[str, Any]:
    """Extract, chunk and embed one document (payload: document_id, optional password)."""
    from studyteddy_desktop.worker.jobs.documents.indexing_job import DocumentIndexer
    from studyteddy_desktop.worker.worker_context import current_context

    context = current_context()
    indexer = DocumentIndexer(context.database, context.store,
                              embed=lambda texts: context.embedder.get().embed(texts).tolist())
    document_id = uuid.UUID(job.payload["document_id"])
    try:
        result = indexer.index(document_id, password=context.jobs.secret_of(job), progress=report)
    except DocumentProblem:
        raise
    except Exception as error:
        if broke_off_for_lost_server(job, error):
            raise  # the job runs again once the server is back, and resumes the document
        try:
            indexer.give_up(document_id, error)
        except Exception:
            # The database is gone as well: the next worker's start runs the job again.
            log.exception("Document %s could not be marked failed", document_id)
        raise
    if str(result.status) == "ready":
        from studyteddy_desktop.worker.jobs.flashcards.card_relinking_job import relink_cards

        relink_cards(context.database, result.document_id)
    return {"document_id": str(result.document_id), "status": str(result.status), "pages": result.pages,
            "chunks": result.chunks, "embedded": result.embedded}


def run_document_digest(job: JobDTO, report: ProgressReporter) -> dict[str, Any]:
    """Write a ready document's summary and key concepts (payload: document_id)."""
    from studyteddy_desktop.worker.jobs.documents.digest_job import DocumentDigester
    from studyteddy_desktop.worker.worker_context import current_context

    context = current_context()
    digester = DocumentDigester(context.database)
    return digester.digest(uuid.UUID(job.payload["document_id"]), report)


def run_card_drafts(job: JobDTO, report: ProgressReporter) -> dict[str, Any]:
    """Draft flashcards from a document (payload: see DraftRequest); the drafts travel back in the
    job's result for the student to review."""
    from studyteddy_desktop.worker.jobs.flashcards.card_drafting_job import CardDrafter, DraftRequest
    from studyteddy_desktop.worker.worker_context import current_context

    context = current_context()
    drafter = CardDrafter(context.database, context.language_model, context.read_model_settings)
    return drafter.draft(DraftRequest.from_payload(job.payload), report)


def summarise_when_idle() -> None:
    """After the last document of a batch is indexed (or failed), summaries are asked for."""
    from studyteddy_desktop.worker.jobs.documents.digest_job import submit_pending_digests
    from studyteddy_desktop.worker.worker_context import current_context

    context = current_context()
    submit_pending_digests(context.database, context.jobs)


JOB_HANDLERS: dict[str, JobHandler] = {
    SELF_CHECK_JOB_KIND: run_worker_self_check,
    INDEX_JOB_KIND: run_document_index,
    DIGEST_JOB_KIND: run_document_digest,
    CARD_DRAFTS_JOB_KIND: run_card_drafts,
}

# What runs once a job of this kind has ended, whatever its outcome.
JOB_FOLLOW_UPS: dict[str, Callable[[], None]] = {
    INDEX_JOB_KIND: summarise_when_idle,
}


def handler_for(kind: str) -> JobHandler:
    try:
        return JOB_HANDLERS[kind]
    except KeyError:
        raise InvalidInputError(f"This version of Study Teddy cannot run jobs of kind {kind!r}.") from None
