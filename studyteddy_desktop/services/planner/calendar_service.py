"""Calendar exchange: tasks and exams out to an .ics file, events and to-dos in from one."""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studyteddy_desktop import __version__
from studyteddy_desktop.db.models import Exam, Task
from studyteddy_desktop.db.repositories.analytics_repository import AnalyticsRepository
from studyteddy_desktop.db.repositories.task_repository import ExamRepository, TaskRepository
from studyteddy_desktop.domain.enums import TaskPriority, TaskStatus
from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.domain.local_time import END_OF_DAY, at_local
from studyteddy_desktop.domain.planner_dto import CalendarImportResult
from studyteddy_desktop.services.planner import planner_input as check
from studyteddy_desktop.services.core.text_input import MAX_SUBJECT, clean_subject, clean_text
from studyteddy_desktop.services.core.activity_cache import ActivityCache
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.local_student import LocalStudent

if TYPE_CHECKING:
    # Imported where used: a tenth of a second of the app's startup, for a rare export or import.
    import icalendar

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ENTRIES = 10_000
# Tasks, and exams, an export writes at most: past any student's history, short of an unbounded read.
_MAX_EXPORTED = 50_000
UID_DOMAIN = "studyteddy"
# An all-day exam has no time; the morning is the likeliest and keeps "days left" right.
ALL_DAY_EXAM_TIME = time(9, 0)
EXAM_LENGTH = timedelta(hours=2)
_EXAM_WORDS = re.compile(r"\b(exam|exams|midterm|final|finals|test|quiz|klausur|prüfung|examen)\b", re.I)
_OWN_UID = re.compile(rf"^([0-9a-f-]{{36}})@{UID_DOMAIN}$", re.I)
# Imported ids are derived from the event's UID, so importing the same file twice updates.
_IMPORT_NAMESPACE = uuid.UUID("5a1f7c6e-3d0b-4b53-9f0e-7d7e2f8c6a11")


def _priority_to_ical(priority: TaskPriority) -> int:
    return {TaskPriority.URGENT: 1, TaskPriority.HIGH: 3, TaskPriority.MEDIUM: 5, TaskPriority.LOW: 9}[priority]


def _priority_from_ical(value: Any) -> TaskPriority:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return TaskPriority.MEDIUM
    if 1 <= number <= 2:
        return TaskPriority.URGENT
    if 3 <= number <= 4:
        return TaskPriority.HIGH
    if 6 <= number <= 9:
        return TaskPriority.LOW
    return TaskPriority.MEDIUM


def _text(component: Any, name: str) -> str | None:
    value = component.get(name)
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else None
    if hasattr(value, "cats"):
        value = value.cats[0] if value.cats else None
    return None if value is None else str(value)


class CalendarService:
    def __init__(self, database: Database, student: LocalStudent, cache: ActivityCache) -> None:
        self.database = database
        self.student = student
        self.cache = cache

    # -- export -------------------------------------------------------------------------

    def export_ics(self, path: str | os.PathLike[str]) -> tuple[int, int]:
        """Write every task and exam to `path` (atomically); returns (tasks, exams) written."""
        target = Path(path)
        with self.database.unit_of_work() as session:
            user_id = self.student.user_id()
            tasks = TaskRepository(session).all_live(user_id, limit=_MAX_EXPORTED)
            exams = ExamRepository(session).exams_from(user_id, None, limit=_MAX_EXPORTED)
            calendar = self._calendar(tasks, exams)
        data = calendar.to_ical()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".export-", suffix=".ics",
                                             delete=False) as handle:
                handle.write(data)
            os.replace(handle.name, target)
        except OSError as error:
            raise InvalidInputError(f"Cannot write {target}: {error.strerror or error}.") from None
        return len(tasks), len(exams)

    def _calendar(self, tasks: list[Task], exams: list[Exam]) -> icalendar.Calendar:
        import icalendar

        calendar = icalendar.Calendar()
        calendar.add("prodid", f"-//Study Teddy//{__version__}//EN")
        calendar.add("version", "2.0")
        stamp = datetime.now(UTC)
        for task in tasks:
            todo = icalendar.Todo()
            todo.add("uid", f"{task.id}@{UID_DOMAIN}")
            todo.add("dtstamp", stamp)
            todo.add("summary", task.title)
            if task.description:
                todo.add("description", task.description)
            if task.due_at is not None:
                todo.add("due", task.due_at.astimezone(UTC))
            if task.subject:
                todo.add("categories", [task.subject])
                todo.add("x-studyteddy-subject", task.subject)
            todo.add("priority", _priority_to_ical(task.priority))
            todo.add("status", "COMPLETED" if task.status == TaskStatus.DONE else "NEEDS-ACTION")
            if task.estimated_minutes:
                todo.add("x-studyteddy-estimate", str(task.estimated_minutes))
            todo.add("x-studyteddy-kind", "task")
            calendar.add_component(todo)
        for exam in exams:
            event = icalendar.Event()
            event.add("uid", f"{exam.id}@{UID_DOMAIN}")
            event.add("dtstamp", stamp)
            event.add("summary", exam.title)
            event.add("dtstart", exam.exam_at.astimezone(UTC))
            event.add("dtend", exam.exam_at.astimezone(UTC) + EXAM_LENGTH)
            event.add("categories", [exam.subject])
            event.add("x-studyteddy-subject", exam.subject)
            event.add("x-studyteddy-kind", "exam")
            calendar.add_component(event)
        return calendar

    # -- import -------------------------------------------------------------------------

    def import_ics(self, path: str | os.PathLike[str]) -> CalendarImportResult:
        source = Path(path)
        try:
            if source.stat().st_size > MAX_FILE_BYTES:
                raise InvalidInputError(f"{source.name} is larger than {MAX_FILE_BYTES // 1_048_576} MB.")
            data = source.read_bytes()
        except FileNotFoundError:
            raise InvalidInputError(f"There is no file {source}.") from None
        except IsADirectoryError:
            raise InvalidInputError(f"{source} is a folder, not an .ics file.") from None
        except OSError as error:
            raise InvalidInputError(f"Cannot read {source}: {error.strerror or error}.") from None
        return self.import_bytes(data, name=source.name)

    def import_bytes(self, data: bytes, *, name: str = "The file") -> CalendarImportResult:
        if b"BEGIN:VCALENDAR" not in data[:4096].upper():
            raise InvalidInputError(f"{name} is not an iCalendar (.ics) file.")
        import icalendar

        try:
            calendar = icalendar.Calendar.from_ical(data)
        except (ValueError, IndexError, KeyError, TypeError) as error:
            raise InvalidInputError(f"{name} is not a valid iCalendar file: {error}") from None
        entries = [c for c in calendar.walk() if c.name in ("VEVENT", "VTODO")]
        if len(entries) > MAX_ENTRIES:
            raise InvalidInputError(f"{name} has {len(entries):,} entries; at most {MAX_ENTRIES:,} are imported.")
        counts = {"tasks_added": 0, "tasks_updated": 0, "exams_added": 0, "exams_updated": 0,
                  "skipped_without_date": 0, "skipped_other": 0}
        user_id = self.student.user_id()
        with self.database.unit_of_work() as session:
            for component in entries:
                outcome = self._import_one(session, user_id, component)
                counts[outcome] += 1
        self.cache.bump(user_id)
        return CalendarImportResult(**counts)

    def _moment(self, component: Any, kind: str) -> datetime | None:
        names = ("due", "dtstart") if component.name == "VTODO" else ("dtstart",)
        for field_name in names:
            try:
                value = getattr(component.get(field_name), "dt", None)
            except (ValueError, AttributeError):  # icalendar's broken-property error is both
                value = None
            if isinstance(value, datetime):
                if value.tzinfo is None:  # "floating" time: the student's wall clock
                    return at_local(value.date(), value.time(), self.student.zone)
                return value.astimezone(UTC)
            if isinstance(value, date):
                return at_local(value, ALL_DAY_EXAM_TIME if kind == "exam" else END_OF_DAY, self.student.zone)
        return None

    def _import_one(self, session, user_id: uuid.UUID, component: Any) -> str:
        summary = _text(component, "summary") or "Untitled"
        subject = _text(component, "x-studyteddy-subject") or _text(component, "categories")
        kind = (_text(component, "x-studyteddy-kind") or "").lower()
        if kind not in ("task", "exam"):
            is_exam = component.name == "VEVENT" and bool(_EXAM_WORDS.search(summary))
            kind = "exam" if is_exam else "task"
        when = self._moment(component, kind)
        if when is None:
            return "skipped_without_date"
        uid = _text(component, "uid") or f"{summary}|{when.isoformat()}"
        own = _OWN_UID.match(uid)
        row_id = uuid.UUID(own.group(1)) if own else uuid.uuid5(_IMPORT_NAMESPACE, uid)
        try:
            title = check.clean_title(summary)
            subject = clean_subject(subject[:MAX_SUBJECT] if subject else None)
            when = check.clean_moment(when)
        except InvalidInputError:
            return "skipped_other"
        if kind == "exam":
            return self._upsert_exam(session, user_id, row_id, title, subject or title[:MAX_SUBJECT], when)
        description = _text(component, "description")
        description = description[: check.MAX_DESCRIPTION] if description else None
        done = (_text(component, "status") or "").upper() == "COMPLETED"
        return self._upsert_task(session, user_id, row_id, title, subject, when, description,
                                 _priority_from_ical(component.get("priority")), done)

    def _upsert_task(self, session, user_id, row_id, title, subject, due, description, priority, done) -> str:
        task = session.get(Task, row_id)
        if task is not None and (task.user_id != user_id or task.deleted_at is not None):
            return "skipped_other"  # deleted on purpose: an import does not bring it back
        added = task is None
        if added:
            task = Task(id=row_id, user_id=user_id, actual_minutes=0)
            session.add(task)
        task.title, task.subject, task.due_at, task.priority = title, subject, due, priority
        task.description = clean_text(description, limit=check.MAX_DESCRIPTION, what="description",
                                            multiline=True)
        if done and task.status != TaskStatus.DONE:
            task.status, task.completed_at = TaskStatus.DONE, self.student.now()
            AnalyticsRepository(session).changed_since(task.completed_at)
        elif added:
            task.status = TaskStatus.OPEN
        session.flush()
        return "tasks_added" if added else "tasks_updated"

    def _upsert_exam(self, session, user_id, row_id, title, subject, exam_at) -> str:
        exam = session.get(Exam, row_id)
        if exam is not None and (exam.user_id != user_id or exam.deleted_at is not None):
            return "skipped_other"
        added = exam is None
        if added:
            exam = Exam(id=row_id, user_id=user_id)
            session.add(exam)
        exam.title, exam.subject, exam.exam_at = title, subject, exam_at
        session.flush()
        return "exams_added" if added else "exams_updated"
