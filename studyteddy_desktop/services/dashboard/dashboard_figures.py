"""The Dashboard's figures as JSON (how they sit in the cache) and back as frozen DTOs."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from studyteddy_desktop.db.models import Task
from studyteddy_desktop.domain.enums import TaskPriority, TaskStatus
from studyteddy_desktop.domain.planner_dto import (DashboardDTO, DayActivity, ExamDTO, StatCards, SubjectWeeks,
                                                   TaskDTO)

# The chart stays readable with a handful of series; the rest are summed.
MAX_CHART_SUBJECTS = 6
NO_SUBJECT = "No subject"
OTHER_SUBJECTS = "Other"


def _stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def task_json(task: Task) -> list[Any]:
    return [str(task.id), task.title, task.description, task.subject, _stamp(task.due_at), str(task.priority),
            str(task.status), task.estimated_minutes, task.actual_minutes or 0, _stamp(task.completed_at),
            _stamp(task.created_at), _stamp(task.updated_at)]


def task_from_json(row: list[Any]) -> TaskDTO:
    return TaskDTO(id=uuid.UUID(row[0]), title=row[1], description=row[2], subject=row[3],
                   due_at=_moment(row[4]), priority=TaskPriority(row[5]), status=TaskStatus(row[6]),
                   estimated_minutes=row[7], actual_minutes=row[8], completed_at=_moment(row[9]),
                   created_at=_moment(row[10]), updated_at=_moment(row[11]))


def subject_weeks(first: date, weeks: int, rows: list[list[Any]]) -> SubjectWeeks:
    starts = tuple(first + timedelta(weeks=n) for n in range(weeks))
    index = {start: n for n, start in enumerate(starts)}
    per_subject: dict[str, list[int]] = {}
    for week_text, subject, minutes in rows:
        position = index.get(date.fromisoformat(week_text))
        if position is None:
            continue
        per_subject.setdefault(subject or NO_SUBJECT, [0] * weeks)[position] += int(minutes)
    ranked = sorted(per_subject.items(), key=lambda item: (-sum(item[1]), item[0].casefold()))
    shown = ranked[:MAX_CHART_SUBJECTS]
    rest = ranked[MAX_CHART_SUBJECTS:]
    if rest:
        shown.append((OTHER_SUBJECTS, [sum(values) for values in zip(*(minutes for _s, minutes in rest))]))
    return SubjectWeeks(week_starts=starts,
                        minutes_by_subject=tuple((subject, tuple(values)) for subject, values in shown))


def heatmap(first: date, today: date, rows: list[list[Any]]) -> tuple[DayActivity, ...]:
    """One entry per day from `first` to today, idle days included, so the grid has no holes."""
    by_day = {date.fromisoformat(row[0]): row for row in rows}
    days = []
    day = first
    while day <= today:
        row = by_day.get(day)
        days.append(DayActivity(day, int(row[1]), int(row[2]), int(row[3])) if row else DayActivity(day, 0, 0, 0))
        day += timedelta(days=1)
    return tuple(days)


def dashboard_from_json(raw: dict[str, Any]) -> DashboardDTO:
    today = date.fromisoformat(raw["today"])
    exams = tuple(ExamDTO(id=uuid.UUID(row[0]), subject=row[1], title=row[2],
                          exam_at=datetime.fromisoformat(row[3]), days_left=row[4])
                  for row in raw["upcoming_exams"])
    return DashboardDTO(
        display_name=raw["display_name"], today=today, stats=StatCards(**raw["stats"]),
        subject_weeks=subject_weeks(date.fromisoformat(raw["chart_first"]), raw["chart_weeks"], raw["by_week"]),
        heatmap=heatmap(date.fromisoformat(raw["heatmap_first"]), today, raw["heatmap"]),
        upcoming_tasks=tuple(task_from_json(row) for row in raw["upcoming_tasks"]),
        upcoming_exams=exams,
        recent_tasks=tuple(task_from_json(row) for row in raw["recent_tasks"]))
