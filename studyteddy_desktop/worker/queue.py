"""The job queue on huey and Redis: the adapter the app hands its services, and the registry of tasks."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import redis
from huey import RedisHuey
from huey.api import Result, TaskWrapper

from studyteddy_desktop.domain.errors import ServiceUnavailableError
from studyteddy_desktop.domain.job_queue import TaskName, cancel_key

QUEUE_NAME = "studyteddy"
# The longest any caller waits on a task result (a query embedding while the model loads).
_LONGEST_RESULT_WAIT_S = 300
# A stop flag outlives any answer it could stop.
_CANCEL_FLAG_TTL_S = 3600

_TASK_FUNCTIONS: dict[str, Callable[..., Any]] = {}


def worker_task(name: TaskName) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a function as a worker task; tasks take ids and plain values, never objects."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        _TASK_FUNCTIONS[str(name)] = function
        return function

    return register


class HueyJobQueue:
    """The `JobQueue` port on huey: enqueue by task name, read results, raise stop flags."""

    def __init__(self, redis_url: str) -> None:
        # Import for their @worker_task side effect, so producer and consumer agree on names.
        from studyteddy_desktop.worker import tasks  # noqa: F401

        # notify_result: a caller waiting on a result blocks on Redis instead of polling every 0.1 s.
        # redis-py's default 5 s socket timeout would cut short a blocking wait for a slow result.
        pool = redis.ConnectionPool.from_url(redis_url, socket_timeout=_LONGEST_RESULT_WAIT_S + 30)
        self.huey = RedisHuey(QUEUE_NAME, connection_pool=pool, blocking=True, read_timeout=1, utc=True,
                              notify_result=True)
        self._flags = redis.Redis.from_url(redis_url, socket_timeout=5)
        self._wrappers: dict[str, TaskWrapper] = {
            name: self.huey.task(name=name)(function) for name, function in _TASK_FUNCTIONS.items()
        }

    def enqueue(self, task: TaskName, *args: Any) -> Result:
        return self._wrappers[str(task)](*args)

    def cancel(self, work_id: uuid.UUID | str) -> None:
        try:
            self._flags.set(cancel_key(work_id), b"1", ex=_CANCEL_FLAG_TTL_S)
        except (redis.RedisError, OSError) as error:
            raise ServiceUnavailableError("The answer could not be stopped: Redis did not answer.",
                                          details=repr(error)) from error

    def ping(self, timeout: float) -> int:
        return int(self.enqueue(TaskName.PING).get(blocking=True, timeout=timeout)["pid"])

    def close(self) -> None:
        self._flags.close()
