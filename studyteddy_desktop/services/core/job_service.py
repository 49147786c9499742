"""Background jobs: rows that say what the worker owes, so no work is lost when it dies."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from studyteddy_desktop.db.models import BackgroundJob
from studyteddy_desktop.db.repositories.job_repository import JobRepository
from studyteddy_desktop.domain.dto import JobDTO
from studyteddy_desktop.domain.enums import JobState
from studyteddy_desktop.domain.errors import NotFoundError
from studyteddy_desktop.domain.job_queue import SECRET_PAYLOAD_KEY, JobQueue, TaskName
from studyteddy_desktop.services.core.database import Database

FINAL_STATES = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED})


def _to_dto(job: BackgroundJob) -> JobDTO:
    return JobDTO(id=job.id, kind=job.kind, state=str(job.state), progress=float(job.progress or 0.0),
                  message=job.message, error=job.error, attempts=job.attempts,
                  result=dict(job.result or {}), payload=dict(job.payload or {}))


class JobService:
    def __init__(self, database: Database, queue: JobQueue | None = None,
                 worker_token: str | None = None) -> None:
        self.database = database
        self.queue = queue
        self.worker_token = worker_token

    def submit(self, kind: str, payload: dict[str, Any] | None = None) -> JobDTO:
        """Record the job first, then enqueue it: the row survives even if Redis loses the message."""
        with self.database.unit_of_work() as session:
            job = JobRepository(session).add(BackgroundJob(kind=kind, payload=payload or {},
                                                           state=JobState.QUEUED))
            dto = _to_dto(job)
        self.enqueue(dto.id)
        return dto

    def enqueue(self, job_id: uuid.UUID) -> None:
        if self.queue is None:
            raise RuntimeError("JobService was built without a queue")
        self.queue.enqueue(TaskName.RUN_JOB, str(job_id))

    def get(self, job_id: uuid.UUID) -> JobDTO:
        with self.database.unit_of_work() as session:
            job = JobRepository(session).get(job_id)
            if job is None:
                raise NotFoundError(f"There is no background job {job_id}.")
            return _to_dto(job)

    def claim(self, job_id: uuid.UUID) -> JobDTO | None:
        """Mark a job running for this worker; None for a duplicate delivery or a finished job."""
        with self.database.unit_of_work() as session:
            job = JobRepository(session).get(job_id, for_update=True)
            if job is None or job.state in FINAL_STATES:
                return None
            if job.state == JobState.RUNNING and job.worker_token == self.worker_token:
                return None
            job.state = JobState.RUNNING
            job.worker_token = self.worker_token
            job.attempts += 1
            job.error = None
            session.flush()
            return _to_dto(job)

    def report_progress(self, job_id: uuid.UUID, progress: float, message: str | None = None) -> None:
        with self.database.unit_of_work() as session:
            job = JobRepository(session).get(job_id, for_update=True)
            if job is not None and job.state == JobState.RUNNING:
                job.progress = min(max(progress, 0.0), 1.0)
                job.message = message

    def complete(self, job_id: uuid.UUID, result: dict[str, Any] | None = None) -> None:
        self._finish(job_id, JobState.DONE, result=result)

    def fail(self, job_id: uuid.UUID, error: str) -> None:
        self._finish(job_id, JobState.FAILED, error=error)

    def cancel(self, job_id: uuid.UUID) -> None:
        self._finish(job_id, JobState.CANCELLED)

    def _finish(self, job_id: uuid.UUID, state: JobState, *, result: dict[str, Any] | None = None,
                error: str | None = None) -> None:
        with self.database.unit_of_work() as session:
            job = JobRepository(session).get(job_id, for_update=True)
            if job is None or job.state in FINAL_STATES:
                return
            job.state = state
            job.error = error
            job.finished_at = datetime.now(UTC)
            # A PDF password is needed only while the job runs; never keep it at rest.
            if job.payload and SECRET_PAYLOAD_KEY in job.payload:
                job.payload = {key: value for key, value in job.payload.items() if key != SECRET_PAYLOAD_KEY}
            if state == JobState.DONE:
                job.progress = 1.0
                job.result = result or {}

    def requeue_unfinished(self) -> list[uuid.UUID]:
        """The startup reaper: enqueue again every job left queued or running by a dead worker."""
        with self.database.unit_of_work() as session:
            ids = [job.id for job in JobRepository(session).unfinished()]
        for job_id in ids:
            self.enqueue(job_id)
        return ids
