"""Search queries are embedded by the worker, which keeps the model warm; never on the UI path."""

from __future__ import annotations

from collections.abc import Callable
from studyteddy_desktop.domain.errors import ServiceUnavailableError
from studyteddy_desktop.domain.job_queue import JobQueue, TaskName

# The first query after a cold start waits for the model to load in the worker.
_TIMEOUT_S = 120.0


class WorkerQueryEmbedder:
    def __init__(self, queue: JobQueue) -> None:
        self.queue = queue

    def __call__(self, text: str) -> list[float]:
        return self.begin(text)()

    def begin(self, text: str) -> Callable[[], list[float]]:
        """Send the query now and return a function that waits for its vector, so the caller can
        do other work (the full-text half of a search) while the worker embeds."""
        try:
            pending = self.queue.enqueue(TaskName.EMBED_QUERY, text)
        except Exception as error:  # huey wraps Redis errors in its own
            raise _unavailable(error) from error

        def wait() -> list[float]:
            try:
                vector = pending.get(blocking=True, timeout=_TIMEOUT_S)
            except Exception as error:  # huey raises its own timeout and task errors
                raise _unavailable(error) from error
            if vector is None:
                raise ServiceUnavailableError("The background worker did not answer the search in time.")
            return list(vector)

        return wait


def _unavailable(error: BaseException) -> ServiceUnavailableError:
    return ServiceUnavailableError(
        "The search could not be run because the background worker did not answer. "
        "Check Settings → Services.", details=repr(error))
