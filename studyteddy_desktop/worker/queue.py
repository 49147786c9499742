"""The huey instance on Redis, and the registry of the tasks it runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis
from huey import RedisHuey
from huey.api import Result, TaskWrapper

QUEUE_NAME = "studyteddy"
# The longest any caller waits on a task result (a query embedding while the model loads).
_LONGEST_RESULT_WAIT_S = 300

_TASK_FUNCTIONS: dict[str, Callable[..., Any]] = {}


def worker_task(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a function as a worker task; tasks take ids and plain values, never objects."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        _TASK_FUNCTIONS[name] = function
        return function

    return register


class TaskQueue:
    """The app's handle on the worker queue: enqueue by task name, read results."""

    def __init__(self, redis_url: str) -> None:
        # Import for their @worker_task side effect, so producer and consumer agree on names.
        from studyteddy_desktop.worker import tasks  # noqa: F401

        # notify_result: a caller waiting on a result blocks on Redis instead of polling every 0.1 s.
        # redis-py's default 5 s socket timeout would cut short a blocking wait for a slow result.
        pool = redis.ConnectionPool.from_url(redis_url, socket_timeout=_LONGEST_RESULT_WAIT_S + 30)
        self.huey = RedisHuey(QUEUE_NAME, connection_pool=pool, blocking=True, read_timeout=1, utc=True,
                              notify_result=True)
        self._wrappers: dict[str, TaskWrapper] = {
            name: self.huey.task(name=name)(function) for name, function in _TASK_FUNCTIONS.items()
        }

    def enqueue(self, task_name: str, *args: Any) -> Result:
        return self._wrappers[task_name](*args)

    @property
    def task_names(self) -> list[str]:
        return sorted(self._wrappers)

    def pending_count(self) -> int:
        return self.huey.pending_count()
