"""The worker's tasks: they take ids, open their own units of work, and are safe to run twice."""

from __future__ import annotations

import logging
import os
import time
import uuid

from studyteddy_desktop.domain.errors import StudyTeddyError
from studyteddy_desktop.domain.events import WorkerEvent
from studyteddy_desktop.domain.job_queue import SECRET_PAYLOAD_KEY, TaskName
from studyteddy_desktop.worker.job_handlers import (JOB_FOLLOW_UPS, broke_off_for_lost_server, handler_for,
                                                     lost_a_server)
from studyteddy_desktop.worker.queue import worker_task
from studyteddy_desktop.worker.worker_context import current_context

log = logging.getLogger(__name__)
_SERVER_RETURN_WAIT_S = 300


@worker_task(TaskName.PING, keeps_result=True)
def ping() -> dict:
    """Proves a message makes the round trip through Redis to a live consumer."""
    return {"pid": os.getpid(), "time": time.time()}


@worker_task(TaskName.EMBED_QUERY, keeps_result=True)
def embed_query(text: str) -> list[float]:
    """A search query's embedding, from the model the worker keeps warm."""
    return current_context().embedder.get().embed_query(text)


@worker_task(TaskName.TUTOR_ANSWER)
def tutor_answer(interaction_id: str) -> str:
    """Write one tutor answer, streaming it as events; the row in the database is the record."""
    return current_context().tutor.answer(uuid.UUID(interaction_id))


@worker_task(TaskName.RUN_JOB)
def run_job(job_id: str) -> str | None:
    """Run one job row to a final state; None when it was not this delivery's to run."""
    context = current_context()
    job = context.jobs.claim(uuid.UUID(job_id))
    if job is None:
        return None
    # What listeners may see of the payload: which job kind, which document; never a password.
    about = {"kind": job.kind, **{key: value for key, value in job.payload.items() if key != SECRET_PAYLOAD_KEY}}
    try:
        return _run_claimed(context, job, job_id, about)
    except Exception as error:
        # This worker refuses a job it already claimed, so a row left running here is never run again.
        log.exception("Job %s (%s) broke down after it was claimed", job_id, job.kind)
        return _fail(context, job, job_id, _crash_message(error), about)
    finally:
        _after_job(context, job, job_id)


def _run_claimed(context, job, job_id: str, about: dict) -> str:
    publish = context.publisher.publish
    publish(WorkerEvent(kind="job.started", job_id=job_id, progress=0.0, message=job.kind, data=about))

    def report(progress: float, message: str) -> None:
        context.jobs.report_progress(job.id, progress, message)
        publish(WorkerEvent(kind="job.progress", job_id=job_id, progress=progress, message=message,
                            data=about))

    try:
        result = handler_for(job.kind)(job, report)
    except Exception as error:
        # Checked first: the service layer reports a lost server as a StudyTeddyError.
        if broke_off_for_lost_server(job, error):
            return _hand_back(context, job, job_id)
        if isinstance(error, StudyTeddyError):
            return _fail(context, job, job_id, error.message, about)
        log.exception("Job %s (%s) crashed", job_id, job.kind)
        return _fail(context, job, job_id, _crash_message(error), about)
    context.jobs.complete(job.id, result)
    publish(WorkerEvent(kind="job.done", job_id=job_id, progress=1.0, data={**about, **result}))
    return "done"


def _hand_back(context, job, job_id: str) -> str:
    """PostgreSQL or Redis went away mid-job: once both answer again, queue the job again (it resumes)."""
    log.warning("Job %s (%s) lost a server; it runs again once the server is back", job_id, job.kind)
    deadline = time.monotonic() + _SERVER_RETURN_WAIT_S
    while True:
        try:
            context.jobs.release(job.id)
            return "requeued"
        except Exception as error:
            if not lost_a_server(error) or time.monotonic() > deadline:
                # Left running: only the next worker's startup reaper runs it again.
                log.exception("Job %s (%s) could not be queued again", job_id, job.kind)
                return "failed"
        time.sleep(1.0)


def _fail(context, job, job_id: str, message: str, about: dict) -> str:
    deadline = time.monotonic() + _SERVER_RETURN_WAIT_S
    while True:
        try:
            context.jobs.fail(job.id, message)
            break
        except Exception as error:
            # Left running, this worker would skip the job on every redelivery: wait for the server.
            if not lost_a_server(error) or time.monotonic() > deadline:
                log.exception("Job %s (%s) could not be marked failed", job_id, job.kind)
                break
        time.sleep(1.0)
    context.publisher.publish(WorkerEvent(kind="job.failed", job_id=job_id, message=message, data=about))
    return "failed"


def _crash_message(error: BaseException) -> str:
    # A database error's text goes on with the SQL and its parameters; the first line says what broke.
    first_line = (str(error).splitlines() or [""])[0]
    return f"Something went wrong: {type(error).__name__}: {first_line}"


def _after_job(context, job, job_id: str) -> None:
    """What runs once a job has ended, whatever its outcome; none of it may undo the outcome."""
    follow_up = JOB_FOLLOW_UPS.get(job.kind)
    if follow_up is not None:
        try:
            follow_up()
        except Exception:
            log.exception("The follow-up of job %s (%s) failed", job_id, job.kind)
    try:
        pruned = context.jobs.prune_if_due()
    except Exception:
        log.exception("Old finished jobs could not be pruned")
    else:
        if pruned:
            log.info("Pruned %d finished job(s) past their retention", pruned)
