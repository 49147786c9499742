"""`run_job` inside the worker: a job it claimed always ends, whatever Redis or the database do."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from studyteddy_desktop.ai.embedder import LazyEmbedder
from studyteddy_desktop.ai.language_model_slot import LanguageModelSlot
from studyteddy_desktop.db.models import BackgroundJob
from studyteddy_desktop.domain.enums import JobState
from studyteddy_desktop.domain.job_queue import SELF_CHECK_JOB_KIND
from studyteddy_desktop.domain.tutor_dto import LanguageModelSettings
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.event_channel import EventPublisher
from studyteddy_desktop.services.core.job_service import JobService
from studyteddy_desktop.services.documents.document_search import DocumentSearch
from studyteddy_desktop.worker import tasks, worker_context
from studyteddy_desktop.worker.job_handlers import JOB_HANDLERS
from studyteddy_desktop.worker.jobs.tutor.tutor_answer_job import TutorAnswerer
from studyteddy_desktop.worker.worker_context import WorkerContext, install_context

# A real client on a socket nobody serves: every command fails as it would with Redis gone.
DEAD_REDIS_URL = "unix:///nonexistent/studyteddy-tests/redis.sock"
UNSTORABLE_KIND = "test_unstorable_result"


def _context(database: Database, client: redis.Redis, files: Path) -> WorkerContext:
    publisher = EventPublisher(client)
    slot = LanguageModelSlot(files / "models")
    tutor = TutorAnswerer(database, DocumentSearch(database, lambda _text: [0.0] * 384), slot,
                          LanguageModelSettings, client, publisher.publish)
    return WorkerContext(database=database, redis_client=client, publisher=publisher,
                         jobs=JobService(database, worker_token="test-worker"), store=ContentStore(files),
                         embedder=LazyEmbedder(), language_model=slot, read_model_settings=LanguageModelSettings,
                         tutor=tutor)


def _installed(database: Database, redis_url: str, files: Path) -> Iterator[WorkerContext]:
    client = redis.Redis.from_url(redis_url)
    earlier = worker_context._current
    context = _context(database, client, files)
    install_context(context)
    yield context
    worker_context._current = earlier
    client.close()


@pytest.fixture()
def dead_redis_worker(database: Database, tmp_path: Path) -> Iterator[WorkerContext]:
    """The worker's context, as in the worker process, with Redis gone."""
    yield from _installed(database, DEAD_REDIS_URL, tmp_path)


@pytest.fixture()
def live_worker(database: Database, endpoints, tmp_path: Path) -> Iterator[WorkerContext]:
    """The worker's context on the session's Redis."""
    yield from _installed(database, endpoints.redis_url, tmp_path)


def _queued_job(database: Database, kind: str) -> uuid.UUID:
    with database.unit_of_work() as session:
        job = BackgroundJob(kind=kind, payload={}, state=JobState.QUEUED)
        session.add(job)
        session.flush()
        return job.id


def test_a_job_whose_events_cannot_be_published_still_finishes(dead_redis_worker, database):
    job_id = _queued_job(database, SELF_CHECK_JOB_KIND)

    outcome = tasks.run_job(str(job_id))

    job = dead_redis_worker.jobs.get(job_id)
    assert outcome == "done" and job.state == "done", job
    assert job.result["worker_pid"]
    # A second delivery finds the row final and changes nothing.
    assert tasks.run_job(str(job_id)) is None
    assert dead_redis_worker.jobs.get(job_id).attempts == 1


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
