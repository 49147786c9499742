"""What a task needs inside the worker process, set once when the consumer starts."""

from __future__ import annotations

from dataclasses import dataclass

import redis

from studyteddy_desktop.ai.embedder import LazyEmbedder
from studyteddy_desktop.ingest.content_store import ContentStore
from studyteddy_desktop.services.database import Database
from studyteddy_desktop.services.job_service import JobService
from studyteddy_desktop.worker.event_channel import EventPublisher


@dataclass(frozen=True)
class WorkerContext:
    database: Database
    redis_client: redis.Redis
    publisher: EventPublisher
    jobs: JobService
    store: ContentStore
    embedder: LazyEmbedder


_current: WorkerContext | None = None


def install_context(context: WorkerContext) -> None:
    global _current
    _current = context


def current_context() -> WorkerContext:
    if _current is None:
        raise RuntimeError("worker tasks run only inside the worker process")
    return _current
