"""Tasks through the service layer: validation, completion, delete with undo, filters, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from studyteddy_desktop.domain.enums import TaskPriority, TaskStatus
from studyteddy_desktop.domain.errors import InvalidInputError, NotFoundError
from studyteddy_desktop.domain.local_time import at_local, day_bounds, parse_due
from studyteddy_desktop.domain.planner_dto import TaskDraft, TaskFilter, TaskSort
from tests.planner_support import BERLIN, clock, planner, planner_database, planner_engine, shared_store  # noqa: F401


def test_a_task_round_trips_with_every_field(planner):
    due = datetime(2026, 4, 2, 14, 30, tzinfo=BERLIN)
    task = planner.planner.add_task(TaskDraft(title="  Read   chapter 4 ", description="Pages 80-95\n\nwith notes",
                                              subject="Biology", due_at=due, priority=TaskPriority.HIGH,
                                              estimated_minutes=45))
    assert task.title == "Read chapter 4"
    assert task.description == "Pages 80-95\n\nwith notes"
    assert task.due_at == due and task.due_at.tzinfo is not None
    assert (task.priority, task.status, task.estimated_minutes, task.actual_minutes) == (
        TaskPriority.HIGH, TaskStatus.OPEN, 45, 0)
    assert planner.planner.get_task(task.id) == task


@pytest.mark.parametrize("estimate, message", [(-5, "cannot be negative"), (6001, "too big"),
                                               (10**9, "too big")])
def test_negative_or_absurd_estimates_are_refused(planner, estimate, message):
    with pytest.raises(InvalidInputError, match=message):
        planner.planner.add_task(TaskDraft(title="Essay", estimated_minutes=estimate))
    assert planner.planner.list_tasks(TaskFilter(status=None)).total == 0


def test_hostile_and_empty_text_is_cleaned_or_refused(planner):
    with pytest.raises(InvalidInputError, match="needs a title"):
        planner.planner.add_task(TaskDraft(title=" \x00\t "))
    with pytest.raises(InvalidInputError, match="at most 500"):
        planner.planner.add_task(TaskDraft(title="x" * 501))
    task = planner.planner.add_task(TaskDraft(title="Robert'); DROP TABLE tasks;--\x00\x07",
                                              subject="<b>Maths</b>"))
    assert task.title == "Robert'); DROP TABLE tasks;--"
    assert task.subject == "<b>Maths</b>"
    assert planner.planner.list_tasks().total == 1


def test_absurd_due_dates_are_refused(planner):
    with pytest.raises(InvalidInputError, match="between 1970 and 2199"):
        planner.planner.add_task(TaskDraft(title="Time travel", due_at=datetime(9999, 1, 1, tzinfo=UTC)))


def test_complete_reopen_delete_and_undo(planner, clock):
    task = planner.planner.add_task(TaskDraft(title="Flash cards"))
    done = planner.planner.set_done(task.id)
    assert done.status == TaskStatus.DONE and done.completed_at == clock()
    assert planner.planner.list_tasks(TaskFilter(status=TaskStatus.OPEN)).total == 0
    reopened = planner.planner.set_done(task.id, False)
    assert reopened.status == TaskStatus.OPEN and reopened.completed_at is None
    planner.planner.delete_task(task.id)
    assert planner.planner.list_tasks(TaskFilter(status=None)).total == 0
    with pytest.raises(NotFoundError):
        planner.planner.get_task(task.id)
    planner.planner.restore_task(task.id)
    assert planner.planner.get_task(task.id).title == "Flash cards"


def test_filters_and_sorts(planner):
    base = datetime(2026, 4, 1, 12, tzinfo=UTC)
    specs = [("b essay", "History", 3, TaskPriority.LOW), ("a lab", "Biology", 1, TaskPriority.URGENT),
             ("c quiz", "biology", 2, TaskPriority.MEDIUM), ("d someday", None, None, TaskPriority.HIGH)]
    ids = {}
    for title, subject, days, priority in specs:
        due = base + timedelta(days=days) if days else None
        ids[title] = planner.planner.add_task(TaskDraft(title=title, subject=subject, due_at=due,
                                                        priority=priority)).id
    planner.planner.set_done(ids["c quiz"])

    def titles(**kwargs):
        return [task.title for task in planner.planner.list_tasks(TaskFilter(**kwargs)).tasks]

    assert titles() == ["a lab", "b essay", "d someday"]
    assert titles(status=None) == ["a lab", "c quiz", "b essay", "d someday"]
    assert titles(status=None, subject="BIOLOGY") == ["a lab", "c quiz"]
    assert titles(status=TaskStatus.DONE) == ["c quiz"]
    assert titles(status=None, sort=TaskSort.PRIORITY) == ["a lab", "d someday", "c quiz", "b essay"]
    assert titles(status=None, sort=TaskSort.TITLE) == ["a lab", "b essay", "c quiz", "d someday"]
    assert titles(status=None, due_from=base + timedelta(days=2), due_before=base + timedelta(days=4)) == [
        "c quiz", "b essay"]
    page = planner.planner.list_tasks(TaskFilter(status=None, limit=2))
    assert len(page.tasks) == 2 and page.total == 4 and page.truncated
    assert {"Biology", "History"} <= set(planner.planner.subjects())


def test_overdue_is_relative_to_now(planner, clock):
    task = planner.planner.add_task(TaskDraft(title="Late", due_at=clock() - timedelta(minutes=1)))
    assert task.is_overdue(clock())
    assert not planner.planner.set_done(task.id).is_overdue(clock())


def test_due_dates_across_daylight_saving_changes(planner):
    # Berlin springs forward on 2026-03-29 (02:00 -> 03:00) and falls back on 2026-10-25.
    spring = parse_due("2026-03-29T02:30", BERLIN)
    assert spring.astimezone(BERLIN).time() == time(3, 30)
    assert day_bounds(date(2026, 3, 29), BERLIN)[1] - day_bounds(date(2026, 3, 29), BERLIN)[0] == timedelta(hours=23)
    assert day_bounds(date(2026, 10, 25), BERLIN)[1] - day_bounds(date(2026, 10, 25), BERLIN)[0] == timedelta(
        hours=25)
    autumn = parse_due("2026-10-25T02:30", BERLIN)
    assert autumn == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first 02:30, still summer time
    late_evening = planner.planner.add_task(TaskDraft(title="Hand in", due_at=parse_due("2026-03-29", BERLIN)))
    assert late_evening.due_at.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 3, 29, 23, 59)
    week = planner.planner.week(date(2026, 3, 23))
    assert [task.title for task in week] == ["Hand in"]
    assert planner.planner.week(date(2026, 3, 30)) == ()
    # Midnight at the end of the DST week belongs to the next week, not this one.
    planner.planner.add_task(TaskDraft(title="Monday", due_at=at_local(date(2026, 3, 30), time(0), BERLIN)))
    assert [task.title for task in planner.planner.week(date(2026, 3, 30))] == ["Monday"]


def test_unparseable_due_dates_explain_the_format():
    for text in ("next tuesday", "31/12/2026", "2026-13-01", "", "2026-02-30T10:00", "x" * 100):
        with pytest.raises(InvalidInputError):
            parse_due(text, BERLIN)


def test_task_ids_resolve_from_unique_prefixes(planner):
    task = planner.planner.add_task(TaskDraft(title="One"))
    assert planner.planner.resolve_task_id(str(task.id)[:8]) == task.id
    assert planner.planner.resolve_task_id(str(task.id).upper()) == task.id
    with pytest.raises(InvalidInputError):
        planner.planner.resolve_task_id("zz")
    with pytest.raises(InvalidInputError):
        planner.planner.resolve_task_id("'; drop")
    with pytest.raises(NotFoundError):
        planner.planner.resolve_task_id("ffffffff-ffff")
