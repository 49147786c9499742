"""Background job rows: the source of truth for work the worker owes."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa

from studyteddy_desktop.db.models import BackgroundJob
from studyteddy_desktop.db.repositories.base import RepositoryBase
from studyteddy_desktop.domain.enums import JobState

UNFINISHED_STATES = (JobState.QUEUED, JobState.RUNNING)
FINISHED_STATES = (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


class JobRepository(RepositoryBase[BackgroundJob]):
    model = BackgroundJob

    def unfinished(self) -> list[BackgroundJob]:
        return self.get_all(self.get_base_statement().where(BackgroundJob.state.in_(UNFINISHED_STATES))
                            .order_by(BackgroundJob.created_at))

    def unfinished_for_document(self, kind: str, document_id: uuid.UUID) -> BackgroundJob | None:
        """The newest queued or running job of `kind` about one document, if any."""
        return self.get_one_or_none(
            self.get_base_statement()
            .where(BackgroundJob.kind == kind, BackgroundJob.state.in_(UNFINISHED_STATES),
                   BackgroundJob.payload["document_id"].astext == str(document_id))
            .order_by(BackgroundJob.created_at.desc()).limit(1))

    def delete_finished(self, *, ended_before: datetime, keep_newest: int) -> int:
        """Delete finished jobs that ended before `ended_before`, except the newest `keep_newest` finished
        jobs of each kind; the number deleted. Queued and running jobs are never touched."""
        # A row finished by a version that did not stamp finished_at ended no earlier than it began.
        ended = sa.func.coalesce(BackgroundJob.finished_at, BackgroundJob.created_at)
        ranked = (sa.select(BackgroundJob.id, ended.label("ended"),
                            sa.func.row_number().over(partition_by=BackgroundJob.kind,
                                                      order_by=(ended.desc(), BackgroundJob.id)).label("newness"))
                  .where(BackgroundJob.state.in_(FINISHED_STATES))
                  .subquery())
        doomed = sa.select(ranked.c.id).where(ranked.c.newness > keep_newest, ranked.c.ended < ended_before)
        deleted = self.session.execute(sa.delete(BackgroundJob).where(BackgroundJob.id.in_(doomed))
                                       .execution_options(synchronize_session=False))
        return int(deleted.rowcount or 0)
