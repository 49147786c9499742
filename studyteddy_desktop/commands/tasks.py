"""`studyteddy tasks add|list|done`: the planner from the terminal."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from studyteddy_desktop.commands.service_session import running_services
from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.enums import TaskStatus
from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.domain.local_time import parse_due
from studyteddy_desktop.domain.planner_dto import TaskDraft, TaskDTO, TaskFilter


def register(commands: argparse._SubParsersAction) -> None:
    tasks = commands.add_parser("tasks", help="add, list and complete planner tasks")
    actions = tasks.add_subparsers(dest="tasks_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a task")
    add.add_argument("title", metavar="TITLE")
    add.add_argument("--subject", metavar="S")
    add.add_argument("--due", metavar="ISO", help="due date, e.g. 2026-05-01 or 2026-05-01T14:30 (local time)")
    add.add_argument("--priority", metavar="P", default="medium",
                     help="low, medium, high or urgent (default: medium)")
    add.add_argument("--estimate", metavar="MIN", help="estimated minutes")
    add.set_defaults(handler=run_add)
    listing = actions.add_parser("list", help="list tasks, soonest due first")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--subject", metavar="S")
    listing.add_argument("--open", action="store_true", help="only tasks not done yet")
    listing.set_defaults(handler=run_list)
    done = actions.add_parser("done", help="mark a task done")
    done.add_argument("id", metavar="ID", help="the id (or its first characters) from `tasks list`")
    done.set_defaults(handler=run_done)


def _estimate(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInputError(f"The estimate {text!r} is not a whole number of minutes.") from None


def _local(moment: datetime | None, services) -> str:
    return moment.astimezone(services.student.zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def task_json(task: TaskDTO) -> dict:
    return {"id": str(task.id), "title": task.title, "description": task.description, "subject": task.subject,
            "due_at": task.due_at.isoformat() if task.due_at else None, "priority": str(task.priority),
            "status": str(task.status), "estimated_minutes": task.estimated_minutes,
            "actual_minutes": task.actual_minutes,
            "completed_at": task.completed_at.isoformat() if task.completed_at else None}


def run_add(settings: Settings, args: argparse.Namespace) -> int:
    estimate = _estimate(args.estimate)
    with running_services(settings, with_worker=False) as services:
        due = parse_due(args.due, services.student.zone) if args.due is not None else None
        task = services.planner.add_task(TaskDraft(title=args.title, subject=args.subject, due_at=due,
                                                   priority=args.priority, estimated_minutes=estimate))
        when = f", due {_local(task.due_at, services)}" if task.due_at else ""
        print(f"Added {str(task.id)[:8]}  {task.title}{when}")
    return 0


def run_list(settings: Settings, args: argparse.Namespace) -> int:
    with running_services(settings, with_worker=False) as services:
        page = services.planner.list_tasks(TaskFilter(subject=args.subject,
                                                      status=TaskStatus.OPEN if args.open else None,
                                                      limit=5000))
        now = services.student.now()
        if args.json:
            print(json.dumps({"total": page.total, "tasks": [task_json(task) for task in page.tasks]}, indent=2))
            return 0
        if not page.tasks:
            print("No tasks." if not args.subject else f"No tasks for {args.subject}.")
            return 0
        for task in page.tasks:
            mark = "x" if task.is_done else ("!" if task.is_overdue(now) else " ")
            subject = f"[{task.subject}] " if task.subject else ""
            due = _local(task.due_at, services) or "no due date"
            print(f"[{mark}] {str(task.id)[:8]}  {due:<16}  {task.priority.value:<6}  {subject}{task.title}")
        if page.truncated:
            print(f"… and {page.total - len(page.tasks)} more; use --json or a filter.")
    return 0


def run_done(settings: Settings, args: argparse.Namespace) -> int:
    with running_services(settings, with_worker=False) as services:
        task = services.planner.set_done(services.planner.resolve_task_id(args.id))
        print(f"Done: {task.title}")
    return 0
