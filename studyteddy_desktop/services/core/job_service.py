"""Background jobs: rows that say what the worker owes, so no work is lost when it dies."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from studyteddy_desktop.db.models import BackgroundJob
from studyteddy_desktop.db.repositories.job_repository import JobRepository
from studyteddy_desktop.domain.dto import JobDTO
from studyteddy_desktop.domain.enums import JobState
from studyteddy_desktop.domain.errors import NotFoundError
from studyteddy_desktop.domain.job_queue import SECRET_PAYLOAD_KEY, JobQueue, TaskName
from studyteddy_desktop.services.core.database import Database

log = logging.getLogger(__name__)

FINAL_STATES = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED})
# How long a finished job's row is kept. Its only reader after it ends is the window that started it,
# within seconds (card drafts are read on "job.done" and held by the review dialog from then on), so a
# month is far beyond any reader while still leaving the recent history for looking into a failure.
JOB_RETENTION = timedelta(days=30)


def _to_dto(job: BackgroundJob) -> JobDTO:
    return JobDTO(id=job.id, kind=job.kind, state=str(job.state), progress=float(job.progress or 0.0),
                  message=job.message, error=job.error, attempts=job.attempts,
                  result=dict(job.result or {}), payload=dict(job.payload or {}))


class JobService:
    # However old, the newest finished jobs of each kind stay (the last drafts made, the last self-check),
    # so a student back from a long break still has the latest outcome of each kind on record.
    KEEP_NEWEST_PER_KIND = 50
    PRUNE_EVERY_S = 3600.0

    def __init__(self, database: Database, queue: JobQueue | None = None,
                 worker_token: str | None = None, *, prune_every_s: float | None = PRUNE_EVERY_S) -> None:
        """`prune_every_s=None` never prunes (benchmarks/job_growth.py measures the rows piling up)."""
        self.database = database
        self.queue = queue
        self.worker_token = worker_token
        self._prune_every_s = prune_every_s
        self._prune_lock = threading.Lock()
        self._pruned_at: float | None = None

    def submit(self, kind: str, payload: dict[str, Any] | None = None) -> JobDTO:
        """Record the job first, then enqueue it: the row survives even if Redis loses the message."""
        with self.database.unit_of_work() as session:
            job = JobRepository(session).add(BackgroundJob(kind=kind, payload=payload or {},
                                                           state=JobState.QUEUED))
            dto = _to_dto(job)
        self.enqueue(dto.id)
        return dto

    def hold_secret(self, job_id: uuid.UUID, secret: str) -> None:
        """Hand the worker a job's password beside the queue: it never enters the job's row."""
        if self.queue is None:
            raise RuntimeError("JobService was built without a queue")
        self.queue.hold_secret(job_id, secret)

    def secret_of(self, job: JobDTO) -> str | None:
        """The job's password: held beside the queue, or in the payload of a row an older version wrote."""
        legacy = job.payload.get(SECRET_PAYLOAD_KEY)
        if legacy is not None:
            return str(legacy)
        return self.queue.secret_of(job.id) if self.queue is not None else None

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

    def release(self, job_id: uuid.UUID) -> None:
        """Queue again a job this worker claimed but could not finish through no fault of the job.

        This worker skips a job it holds as running (a duplicate delivery), so one left running by
        it would never run again while it lives.
        """
        with self.database.unit_of_work() as session:
            job = JobRepository(session).get(job_id, for_update=True)
            if job is None:
                return
            if job.state == JobState.RUNNING and job.worker_token == self.worker_token:
                job.state = JobState.QUEUED
                job.worker_token = None
            elif job.state != JobState.QUEUED:
                return  # finished, or another worker took it over
        # Also for a job an earlier try left queued: its enqueue may be what failed (Redis was down).
        self.enqueue(job_id)

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
        if self.queue is not None:
            try:
                self.queue.drop_secret(job_id)
            except Exception:
                # It expires by itself within hours; the outcome above is what must not be lost.
                log.warning("The secret of job %s could not be dropped now", job_id, exc_info=True)

    def prune_finished(self, *, retention: timedelta = JOB_RETENTION, keep_newest: int | None = None) -> int:
        """Delete finished jobs older than `retention`, keeping the newest of each kind; how many went."""
        keep = self.KEEP_NEWEST_PER_KIND if keep_newest is None else keep_newest
        with self.database.unit_of_work() as session:
            return JobRepository(session).delete_finished(ended_before=datetime.now(UTC) - retention,
                                                          keep_newest=keep)

    def prune_if_due(self) -> int:
        """Prune unless this service pruned within `prune_every_s`; the worker calls it as jobs end."""
        if self._prune_every_s is None:
            return 0
        now = time.monotonic()
        with self._prune_lock:
            if self._pruned_at is not None and now - self._pruned_at < self._prune_every_s:
                return 0
            self._pruned_at = now
        return self.prune_finished()

    def requeue_unfinished(self) -> list[uuid.UUID]:
        """The startup reaper: enqueue again every job left queued or running by a dead worker."""
        with self.database.unit_of_work() as session:
            ids = [job.id for job in JobRepository(session).unfinished()]
        for job_id in ids:
            self.enqueue(job_id)
        return ids
