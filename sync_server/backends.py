"""The servers behind the API: the bundled PostgreSQL and Redis in the data directory, or a school's own."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from studyteddy_desktop.config import QUEUE_ON_REDIS, Settings
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime


@dataclass(frozen=True)
class Backends:
    database_url: str
    redis_url: str


@contextlib.contextmanager
def running_backends(data_dir: Path, *, database_url: str | None, redis_url: str | None) -> Iterator[Backends]:
    """Start (or attach to) what is not given by URL, bring the schema to head, and stop what we started.

    The same runtime the desktop app uses: with no URLs, PostgreSQL with pgvector and Redis with AOF
    run inside `data_dir`, so `studyteddy-server` alone is a working server.
    """
    # Redis always: the server's rate limits and replica fan-out need it, whatever the desktop's
    # STUDYTEDDY_QUEUE says on the same machine.
    settings = Settings(data_dir=data_dir, database_url=database_url, redis_url=redis_url, queue=QUEUE_ON_REDIS)
    runtime = ServiceRuntime(settings, with_worker=False)
    endpoints = runtime.start()
    assert endpoints.redis_url is not None
    try:
        yield Backends(endpoints.database_url, endpoints.redis_url)
    finally:
        runtime.stop()
