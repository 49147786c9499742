"""`run_job` inside the worker: a job it claimed always ends, whatever the shared store or the database do."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from studyteddy_desktop.ai.embedder import LazyEmbedder
from studyteddy_desktop.ai.language_model_slot import LanguageModelSlot
from studyteddy_desktop.db.models import BackgroundJob
from studyteddy_desktop.domain.enums import JobState
from studyteddy_desktop.domain.job_queue import SELF_CHECK_JOB_KIND
from studyteddy_desktop.domain.tutor_dto import LanguageModelSettings
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.event_channel import WorkerEventPublisher, open_event_publisher
from studyteddy_desktop.services.core.job_service import JobService
from studyteddy_desktop.services.core.shared_store import SharedStore, open_shared_store
from studyteddy_desktop.services.documents.document_search import DocumentSearch
from studyteddy_desktop.worker import tasks, worker_context
from studyteddy_desktop.worker.job_handlers import JOB_HANDLERS
from studyteddy_desktop.worker.jobs.tutor.tutor_answer_job import TutorAnswerer
from studyteddy_desktop.worker.worker_context import WorkerContext, install_context

# A real client on a socket nobody serves: every command fails as it would with Redis gone.
DEAD_REDIS_URL = "unix:///nonexistent/studyteddy-tests/redis.sock"
# And a database in a socket directory nobody serves, for the store and events of a runtime without Redis.
DEAD_DATABASE_URL = "postgresql+psycopg://nobody@/studyteddy?host=%2Fnonexistent%2Fst"
# (redis_url, database_url) as endpoints give them: no Redis URL puts the store and events in the database.
DEAD_STORE_URLS = {"redis": (DEAD_REDIS_URL, DEAD_DATABASE_URL), "postgres": (None, DEAD_DATABASE_URL)}
UNSTORABLE_KIND = "test_unstorable_result"


def _context(database: Database, shared_store: SharedStore, publisher: WorkerEventPublisher,
             files: Path) -> WorkerContext:
    slot = LanguageModelSlot(files / "models")
    tutor = TutorAnswerer(database, DocumentSearch(database, lambda _text: [0.0] * 384), slot,
                          LanguageModelSettings, shared_store, publisher.publish)
    return WorkerContext(database=database, shared_store=shared_store, publisher=publisher,
                         jobs=JobService(database, worker_token="test-worker"), store=ContentStore(files),
                         embedder=LazyEmbedder(), language_model=slot, read_model_settings=LanguageModelSettings,
                         tutor=tutor)


def _installed(database: Database, redis_url: str | None, database_url: str,
               files: Path) -> Iterator[WorkerContext]:
    """The store and the event channel opened as the worker opens them from its endpoints."""
    shared_store = open_shared_store(redis_url, database_url)
    publisher = open_event_publisher(redis_url, database_url)
    earlier = worker_context._current
    context = _context(database, shared_store, publisher, files)
    install_context(context)
    yield context
    worker_context._current = earlier
    publisher.close()
    shared_store.close()


@pytest.fixture(params=sorted(DEAD_STORE_URLS))
def dead_store_worker(request, database: Database, tmp_path: Path) -> Iterator[WorkerContext]:
    """The worker's context, as in the worker process, with its shared store and event channel gone."""
    redis_url, database_url = DEAD_STORE_URLS[request.param]
    yield from _installed(database, redis_url, database_url, tmp_path)


@pytest.fixture()
def live_worker(database: Database, endpoints, tmp_path: Path) -> Iterator[WorkerContext]:
    """The worker's context on the session's store: its Redis, or its database where the queue runs there."""
    yield from _installed(database, endpoints.redis_url, endpoints.database_url, tmp_path)


def _queued_job(database: Database, kind: str) -> uuid.UUID:
    with database.unit_of_work() as session:
        job = BackgroundJob(kind=kind, payload={}, state=JobState.QUEUED)
        session.add(job)
        session.flush()
        return job.id


def test_a_job_whose_events_cannot_be_published_still_finishes(dead_store_worker, database):
    job_id = _queued_job(database, SELF_CHECK_JOB_KIND)

    outcome = tasks.run_job(str(job_id))

    job = dead_store_worker.jobs.get(job_id)
    assert outcome == "done" and job.state == "done", job
    assert job.result["worker_pid"]
    # A second delivery finds the row final and changes nothing.
    assert tasks.run_job(str(job_id)) is None
    assert dead_store_worker.jobs.get(job_id).attempts == 1


def _unstorable_result(_job, report):
    report(0.5, "Halfway")
    return {"finished": datetime.now(UTC)}  # not JSON: the row cannot take it


def test_a_job_whose_result_cannot_be_stored_ends_failed_rather_than_running(live_worker, database, monkeypatch):
    monkeypatch.setitem(JOB_HANDLERS, UNSTORABLE_KIND, _unstorable_result)
    job_id = _queued_job(database, UNSTORABLE_KIND)

    outcome = tasks.run_job(str(job_id))

    job = live_worker.jobs.get(job_id)
    assert outcome == "failed" and job.state == "failed", job
    assert job.error and job.error.startswith("Something went wrong")
