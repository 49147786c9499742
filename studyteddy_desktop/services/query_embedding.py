"""Search queries are embedded by the worker, which keeps the model warm; never on the UI path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from studyteddy_desktop.domain.errors import ServiceUnavailableError

if TYPE_CHECKING:
    from studyteddy_desktop.worker.queue import TaskQueue

# The first query after a cold start waits for the model to load in the worker.
_TIMEOUT_S = 120.0


class WorkerQueryEmbedder:
    def __init__(self, queue: TaskQueue) -> None:
        self.queue = queue

    def __call__(self, text: str) -> list[float]:
        try:
            vector = self.queue.enqueue("embed_query", text).get(blocking=True, timeout=_TIMEOUT_S)
        except Exception as error:  # huey raises its own timeout and task errors
            raise ServiceUnavailableError(
                "The search could not be run because the background worker did not answer. "
                "Check Settings → Services.", details=repr(error)) from error
        if vector is None:
            raise ServiceUnavailableError("The background worker did not answer the search in time.")
        return list(vector)
