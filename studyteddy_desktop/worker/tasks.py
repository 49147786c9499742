"""The worker's tasks: they take ids, open their own units of work, and are safe to run twice."""

from __future__ import annotations

import logging
import os
import time
import uuid

from studyteddy_desktop.domain.errors import StudyTeddyError
from studyteddy_desktop.domain.events import WorkerEvent
from studyteddy_desktop.worker.job_handlers import handler_for
from studyteddy_desktop.worker.queue import worker_task
from studyteddy_desktop.worker.worker_context import current_context

log = logging.getLogger(__name__)


@worker_task("ping")
def ping() -> dict:
    """Proves a message makes the round trip through Redis to a live consumer."""
    return {"pid": os.getpid(), "time": time.time()}


@worker_task("run_job")
def run_job(job_id: str) -> str | None:
    context = current_context()
    job = context.jobs.claim(uuid.UUID(job_id))
    if job is None:
        return None
    publish = context.publisher.publish
    publish(WorkerEvent(kind="job.started", job_id=job_id, progress=0.0, message=job.kind))

    def report(progress: float, message: str) -> None:
        context.jobs.report_progress(job.id, progress, message)
        publish(WorkerEvent(kind="job.progress", job_id=job_id, progress=progress, message=message))

    try:
        result = handler_for(job.kind)(job, report)
    except StudyTeddyError as error:
        context.jobs.fail(job.id, error.message)
        publish(WorkerEvent(kind="job.failed", job_id=job_id, message=error.message))
        return "failed"
    except Exception as error:
        log.exception("Job %s (%s) crashed", job_id, job.kind)
        message = f"Something went wrong: {type(error).__name__}: {error}"
        context.jobs.fail(job.id, message)
        publish(WorkerEvent(kind="job.failed", job_id=job_id, message=message))
        return "failed"
    context.jobs.complete(job.id, result)
    publish(WorkerEvent(kind="job.done", job_id=job_id, progress=1.0, data=result))
    return "done"
