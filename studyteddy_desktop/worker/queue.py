"""The job queue on huey, on Redis or (where none is bundled) PostgreSQL: the services' adapter, the task registry."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

import redis
from huey import Huey, RedisExpireHuey, RedisHuey
from huey.api import Result, TaskWrapper
from huey.constants import EmptyData
from huey.storage import RedisExpireStorage

from studyteddy_desktop.domain.dto import RuntimeEndpoints
from studyteddy_desktop.domain.errors import ServiceUnavailableError
from studyteddy_desktop.domain.job_queue import TaskName, cancel_key
from studyteddy_desktop.services.core.shared_store import SHARED_STORE_ERRORS, open_shared_store

QUEUE_NAME = "studyteddy"
# The longest any caller waits on a task result (a query embedding while the model loads).
_LONGEST_RESULT_WAIT_S = 300
# A result nobody read (its caller gave up, or a task failed that nobody waits on) is gone after this:
# no caller waits longer, so Redis, which never evicts, holds at most a few minutes of results.
RESULT_TTL_S = _LONGEST_RESULT_WAIT_S
# Where results lived before they expired: one hash that grew with every task ever run.
LEGACY_RESULTS_KEY = f"huey.results.{QUEUE_NAME}"
# Set to "1" only by benchmarks/job_growth.py: the worker as it was before results expired and old job
# rows were pruned, to measure the growth against.
UNBOUNDED_HISTORY_ENV = "STUDYTEDDY_UNBOUNDED_JOB_HISTORY"
# A stop flag outlives any answer it could stop.
_CANCEL_FLAG_TTL_S = 3600
# A job's password outlives a worker restarted mid-job, yet not a forgotten import by much.
_SECRET_TTL_S = 6 * 3600


def _secret_key(job_id: uuid.UUID) -> str:
    return f"studyteddy:job-secret:{job_id}"

_TASK_FUNCTIONS: dict[str, Callable[..., Any]] = {}
_RESULT_READERS: set[str] = set()


def worker_task(name: TaskName, *, keeps_result: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a function as a worker task; tasks take ids and plain values, never objects.

    Only a task someone waits on (`keeps_result`) leaves its return value in Redis; the others
    record what they did in the database.
    """

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        _TASK_FUNCTIONS[str(name)] = function
        if keeps_result:
            _RESULT_READERS.add(str(name))
        return function

    return register


def _without_result(function: Callable[..., Any]) -> Callable[..., Any]:
    """huey stores no None result: nothing is left in Redis for a result nobody reads."""

    @functools.wraps(function)
    def run(*args: Any) -> None:
        function(*args)

    return run


class ExpiringResultStorage(RedisExpireStorage):
    """huey's expiring result store, except that a result read once is deleted at once.

    huey's version keeps a read result until it expires; every result here has one reader.
    """

    def pop_data(self, key):
        pipe = self.conn.pipeline()
        pipe.get(self.result_key(key))
        pipe.delete(self.result_key(key))
        value, _deleted = pipe.execute()
        return EmptyData if value is None else value


class HueyJobQueue:
    """The `JobQueue` port on huey: enqueue by task name, read results, raise stop flags."""

    def __init__(self, redis_url: str | None, *, database_url: str | None = None,
                 bounded_results: bool = True) -> None:
        """On Redis at `redis_url`, or with no Redis URL on the database at `database_url`.

        `bounded_results=False` is the behaviour before results expired: every task's result kept
        for ever in one hash; only benchmarks/job_growth.py asks for it, to measure against."""
        # Import for their @worker_task side effect, so producer and consumer agree on names.
        from studyteddy_desktop.worker import tasks  # noqa: F401

        self.on_postgres = redis_url is None
        if self.on_postgres:
            if database_url is None:
                raise ValueError("a queue without Redis needs the database URL")
            self.huey: Huey = postgres_huey(database_url, bounded_results=bounded_results)
        else:
            self.huey = redis_huey(redis_url, bounded_results=bounded_results)
        self._flags = open_shared_store(redis_url, database_url or "")
        self._wrappers: dict[str, TaskWrapper] = {
            name: self.huey.task(name=name)(
                function if name in _RESULT_READERS or not bounded_results else _without_result(function))
            for name, function in _TASK_FUNCTIONS.items()
        }

    @classmethod
    def for_endpoints(cls, endpoints: RuntimeEndpoints, **options: Any) -> HueyJobQueue:
        """The queue where the runtime keeps it: its Redis, or its database when it has no Redis."""
        return cls(endpoints.redis_url, database_url=endpoints.database_url, **options)

    def enqueue(self, task: TaskName, *args: Any) -> Result:
        try:
            return self._wrappers[str(task)](*args)
        except SHARED_STORE_ERRORS as error:
            # The row behind the work is already saved; a worker's start queues it again.
            raise ServiceUnavailableError("Study Teddy's job queue is not answering, so this waits until it is "
                                          "back: close Study Teddy and start it again if it does not go on.",
                                          details=repr(error)) from error

    def cancel(self, work_id: uuid.UUID | str) -> None:
        try:
            self._flags.set(cancel_key(work_id), b"1", ex=_CANCEL_FLAG_TTL_S)
        except SHARED_STORE_ERRORS as error:
            raise ServiceUnavailableError("The answer could not be stopped: the job queue did not answer.",
                                          details=repr(error)) from error

    def ping(self, timeout: float) -> int:
        return int(self.enqueue(TaskName.PING).get(blocking=True, timeout=timeout)["pid"])

    def hold_secret(self, job_id: uuid.UUID, secret: str) -> None:
        try:
            self._flags.set(_secret_key(job_id), secret.encode("utf-8"), ex=_SECRET_TTL_S)
        except SHARED_STORE_ERRORS as error:
            raise ServiceUnavailableError("The password could not be handed to the worker: the job queue did "
                                          "not answer.", details=repr(error)) from error

    def secret_of(self, job_id: uuid.UUID) -> str | None:
        value = self._flags.get(_secret_key(job_id))
        return None if value is None else value.decode("utf-8")

    def drop_secret(self, job_id: uuid.UUID) -> None:
        self._flags.delete(_secret_key(job_id))

    def drop_legacy_results(self) -> int:
        """Delete the results an earlier version kept for ever; the number it held."""
        if self.on_postgres:
            return 0  # Only versions on Redis ever kept them.
        assert isinstance(self._flags, redis.Redis)
        held = int(self._flags.hlen(LEGACY_RESULTS_KEY))
        self._flags.delete(LEGACY_RESULTS_KEY)
        return held

    def close(self) -> None:
        self._flags.close()
        if self.on_postgres:
            self.huey.storage.close()


def redis_huey(redis_url: str, *, bounded_results: bool = True, name: str = QUEUE_NAME) -> Huey:
    """The app's huey on Redis; `name` apart only for benchmarks/queue_backends.py's scratch queues."""
    # notify_result: a caller waiting on a result blocks on Redis instead of polling every 0.1 s.
    # redis-py's default 5 s socket timeout would cut short a blocking wait for a slow result.
    pool = redis.ConnectionPool.from_url(redis_url, socket_timeout=_LONGEST_RESULT_WAIT_S + 30)
    options: dict[str, Any] = dict(connection_pool=pool, blocking=True, read_timeout=1, utc=True,
                                   notify_result=True)
    if bounded_results:
        return RedisExpireHuey(name, storage_class=ExpiringResultStorage, expire_time=RESULT_TTL_S, **options)
    return RedisHuey(name, **options)


def postgres_huey(database_url: str, *, bounded_results: bool = True, name: str = QUEUE_NAME) -> Huey:
    """The app's huey on PostgreSQL alone, with the same options as on Redis."""
    # Imported here: psycopg's LISTEN code is only needed where there is no Redis.
    from studyteddy_desktop.worker.postgres_storage import PostgresStorage

    # Results are read once and deleted; unread ones expire as on Redis (never, when unbounded).
    return Huey(name, storage_class=PostgresStorage, url=database_url, blocking=True, read_timeout=1,
                utc=True, notify_result=True, expire_time=RESULT_TTL_S if bounded_results else None)
