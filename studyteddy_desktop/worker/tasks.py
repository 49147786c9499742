"""The worker's tasks: they take ids, open their own units of work, and are safe to run twice."""

from __future__ import annotations

import logging
import os
import time
import uuid

from studyteddy_desktop.domain.errors import StudyTeddyError
from studyteddy_desktop.domain.events import WorkerEvent
from studyteddy_desktop.domain.job_queue import SECRET_PAYLOAD_KEY, TaskName
from studyteddy_desktop.worker.job_handlers import JOB_FOLLOW_UPS, handler_for
from studyteddy_desktop.worker.queue import worker_task
from studyteddy_desktop.worker.worker_context import current_context

log = logging.getLogger(__name__)


@worker_task(TaskName.PING)
def ping() -> dict:
    """Proves a message makes the round trip through Redis to a live consumer."""
    return {"pid": os.getpid(), "time": time.time()}


@worker_task(TaskName.EMBED_QUERY)
def embed_query(text: str) -> list[float]:
    """A search query's embedding, from the model the worker keeps warm."""
    return current_context().embedder.get().embed_query(text)


@worker_task(TaskName.TUTOR_ANSWER)
def tutor_answer(interaction_id: str) -> str:
    """Write one tutor answer, streaming it as events; the row in the database is the record."""
    return current_context().tutor.answer(uuid.UUID(interaction_id))


@worker_task(TaskName.RUN_JOB)
def run_job(job_id: str) -> str | None:
    context = current_context()
    job = context.jobs.claim(uuid.UUID(job_id))
    if job is None:
        return None
    publish = context.publisher.publish
    # What listeners may see of the payload: which job kind, which document; never a password.
    about = {"kind": job.kind, **{key: value for key, value in job.payload.items() if key != SECRET_PAYLOAD_KEY}}
    publish(WorkerEvent(kind="job.started", job_id=job_id, progress=0.0, message=job.kind, data=about))

    def report(progress: float, message: str) -> None:
        context.jobs.report_progress(job.id, progress, message)
        publish(WorkerEvent(kind="job.progress", job_id=job_id, progress=progress, message=message,
                            data=about))

    try:
        outcome = _run_handler(context, job, job_id, about, report)
    finally:
        follow_up = JOB_FOLLOW_UPS.get(job.kind)
        if follow_up is not None:
            try:
                follow_up()
            except Exception:
                log.exception("The follow-up of job %s (%s) failed", job_id, job.kind)
    return outcome


def _run_handler(context, job, job_id: str, about: dict, report) -> str:
    publish = context.publisher.publish
    try:
        result = handler_for(job.kind)(job, report)
    except StudyTeddyError as error:
        context.jobs.fail(job.id, error.message)
        publish(WorkerEvent(kind="job.failed", job_id=job_id, message=error.message, data=about))
        return "failed"
    except Exception as error:
        log.exception("Job %s (%s) crashed", job_id, job.kind)
        message = f"Something went wrong: {type(error).__name__}: {error}"
        context.jobs.fail(job.id, message)
        publish(WorkerEvent(kind="job.failed", job_id=job_id, message=message, data=about))
        return "failed"
    context.jobs.complete(job.id, result)
    publish(WorkerEvent(kind="job.done", job_id=job_id, progress=1.0, data={**about, **result}))
    return "done"
