"""The small key-value store the app and the worker share: Redis where it is bundled, PostgreSQL where not.

It holds stop flags, a job's password on its way to the worker, cache entries and "reminder shown"
marks: nothing the student would miss after a crash. The app and the worker each open their own.
"""

from __future__ import annotations

from typing import Protocol

import psycopg
import redis

# What a read or write may raise when the store's server is away, whichever store it is.
SHARED_STORE_ERRORS: tuple[type[BaseException], ...] = (redis.RedisError, psycopg.Error, OSError)
# A call that waits longer than this on a server that does not answer fails instead.
_TIMEOUT_S = 5


class SharedStore(Protocol):
    """The part of redis-py's client the app uses, which PostgresSharedStore also offers."""

    def get(self, name: str) -> bytes | None: ...

    def set(self, name: str, value: bytes | str | int, ex: int | None = None,
            nx: bool = False) -> bool | None: ...

    def exists(self, *names: str) -> int: ...

    def incr(self, name: str, amount: int = 1) -> int: ...

    def delete(self, *names: str) -> int: ...

    def ping(self) -> bool: ...

    def close(self) -> None: ...


def open_shared_store(redis_url: str | None, database_url: str) -> SharedStore:
    """Redis at `redis_url`, or, when there is none (no bundled Redis on this machine), the database."""
    if redis_url is None:
        from studyteddy_desktop.services.core.postgres_shared_store import PostgresSharedStore

        return PostgresSharedStore(database_url, timeout_s=_TIMEOUT_S)
    return redis.Redis.from_url(redis_url, socket_timeout=_TIMEOUT_S)
