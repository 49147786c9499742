"""The planner's writes, each a ready ChangeOp that announces what it changed (after Anki's `operations/note.py`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from studyteddy_desktop.domain.events import Changes
from studyteddy_desktop.domain.planner_dto import CalendarImportResult, ExamDTO, TaskDraft, TaskDTO
from studyteddy_desktop.ui.background_op import ChangeOp

if TYPE_CHECKING:
    from studyteddy_desktop.services.app_services import AppServices

TASKS = Changes(tasks=True)
EXAMS = Changes(exams=True)


def add_task(*, parent: QObject, services: AppServices, draft: TaskDraft) -> ChangeOp[TaskDTO]:
    return ChangeOp.plain(services, lambda: services.planner.add_task(draft), changes=TASKS, parent=parent)


def update_task(*, parent: QObject, services: AppServices, task_id: uuid.UUID, draft: TaskDraft,
                actual_minutes: int | None) -> ChangeOp[TaskDTO]:
    return ChangeOp.plain(services, lambda: services.planner.update_task(task_id, draft, actual_minutes=actual_minutes),
                          changes=TASKS, parent=parent)


def set_task_done(*, parent: QObject, services: AppServices, task_id: uuid.UUID, done: bool) -> ChangeOp[TaskDTO]:
    return ChangeOp.plain(services, lambda: services.planner.set_done(task_id, done), changes=TASKS, parent=parent)


def delete_task(*, parent: QObject, services: AppServices, task_id: uuid.UUID) -> ChangeOp[TaskDTO]:
    return ChangeOp.plain(services, lambda: services.planner.delete_task(task_id), changes=TASKS, parent=parent)


def restore_task(*, parent: QObject, services: AppServices, task_id: uuid.UUID) -> ChangeOp[TaskDTO]:
    return ChangeOp.plain(services, lambda: services.planner.restore_task(task_id), changes=TASKS, parent=parent)


def import_calendar(*, parent: QObject, services: AppServices, path: str) -> ChangeOp[CalendarImportResult]:
    return ChangeOp.plain(services, lambda: services.calendar.import_ics(path), changes=TASKS | EXAMS, parent=parent)


def add_exam(*, parent: QObject, services: AppServices, subject: str, title: str,
             when: datetime) -> ChangeOp[ExamDTO]:
    return ChangeOp.plain(services, lambda: services.exams.add_exam(subject, title, when), changes=EXAMS,
                          parent=parent)


def delete_exam(*, parent: QObject, services: AppServices, exam_id: uuid.UUID) -> ChangeOp[ExamDTO]:
    return ChangeOp.plain(services, lambda: services.exams.delete_exam(exam_id), changes=EXAMS, parent=parent)
