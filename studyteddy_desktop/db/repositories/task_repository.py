"""Reading and writing tasks and exams for one student; never commits."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa

from studyteddy_desktop.db.models import Exam, Task
from studyteddy_desktop.db.repositories.base import RepositoryBase, SoftDeletionMixin, UserScopedMixin
from studyteddy_desktop.domain.enums import TaskPriority, TaskStatus
from studyteddy_desktop.domain.planner_dto import TaskFilter, TaskSort

_PRIORITY_ORDER = sa.case(
    {TaskPriority.URGENT.value: 0, TaskPriority.HIGH.value: 1, TaskPriority.MEDIUM.value: 2,
     TaskPriority.LOW.value: 3}, value=Task.priority, else_=4)

TASK_COLUMNS = (Task.id, Task.title, Task.description, Task.subject, Task.due_at, Task.priority, Task.status,
                Task.estimated_minutes, Task.actual_minutes, Task.completed_at, Task.created_at, Task.updated_at)


class TaskRepository(UserScopedMixin[Task], SoftDeletionMixin[Task], RepositoryBase[Task]):
    model = Task

    def ids_starting_with(self, user_id: uuid.UUID, prefix: str, limit: int = 2) -> list[uuid.UUID]:
        statement = (self.get_base_statement(Task.id, user_id=user_id)
                     .where(sa.cast(Task.id, sa.String).startswith(prefix)).limit(limit))
        return list(self.session.scalars(statement))

    def _filtered(self, user_id: uuid.UUID, task_filter: TaskFilter) -> sa.Select:
        # Plain rows, not ORM objects: a list of hundreds of tasks builds several times faster.
        statement = self.get_base_statement(*TASK_COLUMNS, user_id=user_id)
        if task_filter.status is not None:
            statement = statement.where(Task.status == task_filter.status)
        if task_filter.subject is not None:
            statement = statement.where(sa.func.lower(Task.subject) == task_filter.subject.lower())
        if task_filter.due_from is not None:
            statement = statement.where(Task.due_at >= task_filter.due_from)
        if task_filter.due_before is not None:
            statement = statement.where(Task.due_at < task_filter.due_before)
        return statement

    def page(self, user_id: uuid.UUID, task_filter: TaskFilter) -> tuple[list[sa.Row], int]:
        statement = self._filtered(user_id, task_filter)
        order = {
            TaskSort.DUE: (Task.due_at.asc().nulls_last(), _PRIORITY_ORDER, Task.created_at),
            TaskSort.PRIORITY: (_PRIORITY_ORDER, Task.due_at.asc().nulls_last(), Task.created_at),
            TaskSort.CREATED: (Task.created_at.desc(),),
            TaskSort.TITLE: (sa.func.lower(Task.title), Task.created_at),
        }[task_filter.sort]
        rows = list(self.session.execute(statement.order_by(*order, Task.id).limit(task_filter.limit)))
        if len(rows) < task_filter.limit:
            return rows, len(rows)
        total = self.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))
        return rows, int(total or 0)

    def subjects(self, user_id: uuid.UUID) -> list[str]:
        statement = (self.get_base_statement(Task.subject, user_id=user_id).where(Task.subject.is_not(None))
                     .group_by(Task.subject).order_by(sa.func.count().desc()).limit(100))
        return [subject for subject in self.session.scalars(statement) if subject]

    def open_due_between(self, user_id: uuid.UUID, start: datetime, end: datetime, limit: int = 50) -> list[Task]:
        statement = (self.get_base_statement(user_id=user_id)
                     .where(Task.status == TaskStatus.OPEN, Task.due_at >= start, Task.due_at < end)
                     .order_by(Task.due_at).limit(limit))
        return self.get_all(statement)

    def all_live(self, user_id: uuid.UUID, limit: int = 50_000) -> list[Task]:
        return self.get_all(self.get_base_statement(user_id=user_id)
                            .order_by(Task.due_at.asc().nulls_last()).limit(limit))

    def open_workload(self, user_id: uuid.UUID, subject: str, before: datetime) -> tuple[int, int]:
        """Open tasks of a subject due before `before` (or undated) and their remaining estimate."""
        remaining = sa.func.greatest(sa.func.coalesce(Task.estimated_minutes, 0) - Task.actual_minutes, 0)
        statement = (self.get_base_statement(sa.func.count(), sa.func.coalesce(sa.func.sum(remaining), 0),
                                             user_id=user_id)
                     .where(Task.status == TaskStatus.OPEN,
                            sa.func.lower(Task.subject) == subject.lower(),
                            sa.or_(Task.due_at.is_(None), Task.due_at < before)))
        count, minutes = self.session.execute(statement).one()
        return int(count), int(minutes)


class ExamRepository(UserScopedMixin[Exam], SoftDeletionMixin[Exam], RepositoryBase[Exam]):
    model = Exam

    def exams_from(self, user_id: uuid.UUID, start: datetime | None, limit: int = 200) -> list[Exam]:
        """Live exams at or after `start` (all of them when None), soonest first."""
        statement = self.get_base_statement(user_id=user_id)
        if start is not None:
            statement = statement.where(Exam.exam_at >= start)
        return self.get_all(statement.order_by(Exam.exam_at).limit(limit))
