"""Tasks: create, edit, complete, delete with undo, filter and sort, the week view."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from studyteddy_desktop.db.models import Task
from studyteddy_desktop.db.repositories.analytics_repository import AnalyticsRepository
from studyteddy_desktop.db.repositories.task_repository import TaskRepository
from studyteddy_desktop.db.repositories.sync_state_repository import has_left_device
from studyteddy_desktop.domain.enums import TaskStatus
from studyteddy_desktop.domain.errors import InvalidInputError, NotFoundError
from studyteddy_desktop.domain.local_time import day_bounds
from studyteddy_desktop.domain.planner_dto import TaskDraft, TaskDTO, TaskFilter, TaskPage, TaskSort
from studyteddy_desktop.services.planner import planner_input as check
from studyteddy_desktop.services.core.text_input import clean_subject, clean_text
from studyteddy_desktop.services.core.activity_cache import ActivityCache
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.local_student import LocalStudent

_MAX_LIST = 5_000


def task_dto(task: Task) -> TaskDTO:
    """Field order matches TASK_COLUMNS, which list pages build DTOs from directly."""
    return TaskDTO(id=task.id, title=task.title, description=task.description, subject=task.subject,
                   due_at=task.due_at, priority=task.priority, status=task.status,
                   estimated_minutes=task.estimated_minutes, actual_minutes=task.actual_minutes or 0,
                   completed_at=task.completed_at, created_at=task.created_at, updated_at=task.updated_at)


class PlannerService:
    def __init__(self, database: Database, student: LocalStudent, cache: ActivityCache) -> None:
        self.database = database
        self.student = student
        self.cache = cache

    def _changed(self, user_id: uuid.UUID) -> None:
        self.cache.bump(user_id)

    def _load(self, repository: TaskRepository, user_id: uuid.UUID, task_id: uuid.UUID,
              *, include_deleted: bool = False) -> Task:
        task = repository.get(task_id, user_id=user_id, include_deleted=include_deleted)
        if task is None:
            raise NotFoundError("That task does not exist any more.")
        return task

    def add_task(self, draft: TaskDraft, *, task_id: uuid.UUID | None = None) -> TaskDTO:
        user_id = self.student.user_id()
        task = Task(id=task_id or uuid.uuid4(), user_id=user_id, title=check.clean_title(draft.title),
                    description=clean_text(draft.description, limit=check.MAX_DESCRIPTION,
                                                 what="description", multiline=True),
                    subject=clean_subject(draft.subject), due_at=check.clean_moment(draft.due_at),
                    priority=check.clean_priority(draft.priority),
                    estimated_minutes=check.clean_estimate(draft.estimated_minutes),
                    status=TaskStatus.OPEN, actual_minutes=0)
        with self.database.unit_of_work() as session:
            TaskRepository(session).add(task)
            session.refresh(task)
            dto = task_dto(task)
        self._changed(user_id)
        return dto

    def update_task(self, task_id: uuid.UUID, draft: TaskDraft, *, actual_minutes: int | None = None) -> TaskDTO:
        user_id = self.student.user_id()
        title = check.clean_title(draft.title)
        description = clean_text(draft.description, limit=check.MAX_DESCRIPTION,
                                       what="description", multiline=True)
        subject = clean_subject(draft.subject)
        due_at = check.clean_moment(draft.due_at)
        priority = check.clean_priority(draft.priority)
        estimate = check.clean_estimate(draft.estimated_minutes)
        actual = None if actual_minutes is None else check.clean_actual(actual_minutes)
        with self.database.unit_of_work() as session:
            task = self._load(TaskRepository(session), user_id, task_id)
            task.title, task.description, task.subject = title, description, subject
            task.due_at, task.priority, task.estimated_minutes = due_at, priority, estimate
            if actual is not None:
                task.actual_minutes = actual
            session.flush()
            session.refresh(task)
            dto = task_dto(task)
        self._changed(user_id)
        return dto

    def set_done(self, task_id: uuid.UUID, done: bool = True) -> TaskDTO:
        user_id = self.student.user_id()
        with self.database.unit_of_work() as session:
            task = self._load(TaskRepository(session), user_id, task_id)
            if done and task.status != TaskStatus.DONE:
                task.status = TaskStatus.DONE
                task.completed_at = self.student.now()
                AnalyticsRepository(session).changed_since(task.completed_at)
            elif not done and task.status == TaskStatus.DONE:
                # The completion leaves the day it was counted on, which may be a closed day.
                AnalyticsRepository(session).changed_since(task.completed_at)
                task.status = TaskStatus.OPEN
                task.completed_at = None
            session.flush()
            session.refresh(task)
            dto = task_dto(task)
        self._changed(user_id)
        return dto

    def delete_task(self, task_id: uuid.UUID) -> TaskDTO:
        """A tombstone, so `restore_task` can undo it (and the deletion syncs)."""
        return self._set_deleted(task_id, deleted=True)

    def restore_task(self, task_id: uuid.UUID) -> TaskDTO:
        return self._set_deleted(task_id, deleted=False)

    def _set_deleted(self, task_id: uuid.UUID, *, deleted: bool) -> TaskDTO:
        user_id = self.student.user_id()
        with self.database.unit_of_work() as session:
            tasks = TaskRepository(session)
            task = self._load(tasks, user_id, task_id, include_deleted=True)
            if task.status == TaskStatus.DONE:
                AnalyticsRepository(session).changed_since(task.completed_at)
            if deleted:
                tasks.soft_delete(task)
            else:
                if task.deleted_at is not None and has_left_device(session, "tasks", str(task.id), deletion=True):
                    raise InvalidInputError("This deletion has already reached your other devices, so it can "
                                            "no longer be undone; add the task again instead.")
                tasks.restore(task)
            session.refresh(task)
            dto = task_dto(task)
        self._changed(user_id)
        return dto

    def get_task(self, task_id: uuid.UUID) -> TaskDTO:
        with self.database.unit_of_work() as session:
            return task_dto(self._load(TaskRepository(session), self.student.user_id(), task_id))

    def list_tasks(self, task_filter: TaskFilter | None = None) -> TaskPage:
        task_filter = task_filter or TaskFilter()
        if task_filter.sort not in TaskSort.ALL:
            raise InvalidInputError(f"Unknown sort order {task_filter.sort!r}.")
        if not 1 <= task_filter.limit <= _MAX_LIST:
            raise InvalidInputError(f"A list shows 1 to {_MAX_LIST} tasks.")
        with self.database.unit_of_work() as session:
            rows, total = TaskRepository(session).page(self.student.user_id(), task_filter)
            return TaskPage(tasks=tuple(TaskDTO(*row) for row in rows), total=total)

    def week(self, monday: date) -> tuple[TaskDTO, ...]:
        """Every task due in the local week starting `monday`, done ones included."""
        start = day_bounds(monday, self.student.zone)[0]
        end = day_bounds(monday + timedelta(days=6), self.student.zone)[1]
        return self.list_tasks(TaskFilter(status=None, due_from=start, due_before=end, limit=_MAX_LIST)).tasks

    def subjects(self) -> tuple[str, ...]:
        """The profile's subjects first (in the student's order), then others used on tasks."""
        from studyteddy_desktop.services.core.profile_service import ProfileService

        known = list(ProfileService(self.database).ensure_local_profile().subjects)
        with self.database.unit_of_work() as session:
            used = TaskRepository(session).subjects(self.student.user_id())
        seen = {subject.casefold() for subject in known}
        return tuple(known + [subject for subject in used if subject.casefold() not in seen])

    def resolve_task_id(self, text: str) -> uuid.UUID:
        """A task id from its full form or a unique prefix (as `tasks list` prints it)."""
        cleaned = text.strip().lower()
        try:
            return uuid.UUID(cleaned)
        except ValueError:
            pass
        if len(cleaned) < 4 or any(char not in "0123456789abcdef-" for char in cleaned):
            raise InvalidInputError(f"{text!r} is not a task id: use the id `tasks list` shows.")
        with self.database.unit_of_work() as session:
            matches = TaskRepository(session).ids_starting_with(self.student.user_id(), cleaned)
        if not matches:
            raise NotFoundError(f"No task has an id starting with {cleaned}.")
        if len(matches) > 1:
            raise InvalidInputError(f"More than one task id starts with {cleaned}: type more of it.")
        return matches[0]
