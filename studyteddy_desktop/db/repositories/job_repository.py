"""Background job rows: the source of truth for work the worker owes."""

from __future__ import annotations

from studyteddy_desktop.db.models import BackgroundJob
from studyteddy_desktop.db.repositories.base import RepositoryBase
from studyteddy_desktop.domain.enums import JobState

UNFINISHED_STATES = (JobState.QUEUED, JobState.RUNNING)


class JobRepository(RepositoryBase[BackgroundJob]):
    model = BackgroundJob

    def unfinished(self) -> list[BackgroundJob]:
        return self.get_all(self.get_base_statement().where(BackgroundJob.state.in_(UNFINISHED_STATES))
                            .order_by(BackgroundJob.created_at))
