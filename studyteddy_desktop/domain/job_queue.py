"""The port to background work: what the services ask of a job queue, and the names both sides agree on.

The services hold a `JobQueue`; the worker package supplies the one on huey and Redis. Task names,
job kinds, payload keys and stop flags live here so neither side imports the other to learn them.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any, Protocol


class TaskName(StrEnum):
    """The tasks the worker serves."""

    PING = "ping"
    EMBED_QUERY = "embed_query"
    TUTOR_ANSWER = "tutor_answer"
    RUN_JOB = "run_job"


# Kinds of `background_jobs` rows, each run by the `run_job` task.
SELF_CHECK_JOB_KIND = "worker_self_check"
INDEX_JOB_KIND = "document_index"
DIGEST_JOB_KIND = "document_digest"
CARD_DRAFTS_JOB_KIND = "card_drafts"

# A payload key whose value is needed only while the job runs and never kept at rest (a PDF password).
# Rows written by earlier versions may still carry it; new jobs hand it over with `hold_secret`.
SECRET_PAYLOAD_KEY = "password"

_CANCEL_KEY = "studyteddy:tutor:cancel:{}"


def cancel_key(work_id: uuid.UUID | str) -> str:
    """The flag that asks the worker to stop one piece of work (a tutor answer) between two steps."""
    return _CANCEL_KEY.format(work_id)


class PendingResult(Protocol):
    """A task's answer, still on its way."""

    def get(self, blocking: bool = False, timeout: float | None = None) -> Any: ...


class JobQueue(Protocol):
    """Enqueue named work by ids, ask it to stop, and see whether anyone serves the queue."""

    def enqueue(self, task: TaskName, *args: Any) -> PendingResult: ...

    def cancel(self, work_id: uuid.UUID | str) -> None:
        """Ask the worker to stop this work; raises ServiceUnavailableError if the queue is gone."""
        ...

    def ping(self, timeout: float) -> int:
        """The process id of a worker that answered within `timeout` seconds; raises if none did."""
        ...

    def hold_secret(self, job_id: uuid.UUID, secret: str) -> None:
        """Keep a job's secret (a PDF password) beside the queue, never in its row, until it ends."""
        ...

    def secret_of(self, job_id: uuid.UUID) -> str | None: ...

    def drop_secret(self, job_id: uuid.UUID) -> None: ...

    def close(self) -> None: ...
