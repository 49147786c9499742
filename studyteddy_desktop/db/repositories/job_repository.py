"""Background job rows: the source of truth for work the worker owes."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from studyteddy_desktop.db.models import BackgroundJob
from studyteddy_desktop.domain.enums import JobState

UNFINISHED_STATES = (JobState.QUEUED, JobState.RUNNING)


class JobRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, job_id: uuid.UUID, *, for_update: bool = False) -> BackgroundJob | None:
        statement = sa.select(BackgroundJob).where(BackgroundJob.id == job_id)
        if for_update:
            statement = statement.with_for_update()
        return self.session.scalars(statement).first()

    def add(self, job: BackgroundJob) -> BackgroundJob:
        self.session.add(job)
        self.session.flush()
        return job

    def unfinished(self) -> list[BackgroundJob]:
        statement = (sa.select(BackgroundJob).where(BackgroundJob.state.in_(UNFINISHED_STATES))
                     .order_by(BackgroundJob.created_at))
        return list(self.session.scalars(statement))
