"""Calendar exchange: export then import round-trips; bad files are refused with a clear reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from studyteddy_desktop.domain.enums import TaskPriority, TaskStatus
from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.domain.planner_dto import TaskDraft, TaskFilter
from tests.planner_support import (BERLIN, build_planner, clock, planner, planner_database,  # noqa: F401
                                   planner_engine, shared_store)


def ics(*components: str) -> bytes:
    body = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *components, "END:VCALENDAR", ""])
    return body.encode()


def test_export_then_import_into_an_empty_planner_round_trips(planner, tmp_path, clock):
    due = datetime(2026, 4, 3, 15, 0, tzinfo=UTC)
    task = planner.planner.add_task(TaskDraft(title="Essay, part 1; draft", subject="History", due_at=due,
                                              priority=TaskPriority.URGENT, description="Line 1\nLine 2"))
    planner.planner.add_task(TaskDraft(title="No date"))
    exam = planner.exams.add_exam("Biology", "Bio final", due + timedelta(days=7))
    target = tmp_path / "out" / "planner.ics"
    assert planner.calendar.export_ics(target) == (2, 1)
    text = target.read_text()
    assert "BEGIN:VTODO" in text and "BEGIN:VEVENT" in text and f"{task.id}@studyteddy" in text

    # Re-importing the same file updates in place rather than duplicating.
    result = planner.calendar.import_ics(target)
    assert (result.tasks_added, result.tasks_updated, result.exams_updated) == (0, 1, 1)
    assert result.skipped_without_date == 1  # the undated to-do has nothing to put in a planner
    tasks = planner.planner.list_tasks(TaskFilter(status=None)).tasks
    assert len(tasks) == 2
    imported = planner.planner.get_task(task.id)
    assert (imported.title, imported.subject, imported.due_at, imported.priority, imported.description) == (
        "Essay, part 1; draft", "History", due, TaskPriority.URGENT, "Line 1\nLine 2")
    assert planner.exams.upcoming()[0].id == exam.id


def test_foreign_events_become_tasks_and_exams(planner):
    data = ics("BEGIN:VEVENT", "UID:abc-1@school", "SUMMARY:Maths midterm", "CATEGORIES:Maths",
               "DTSTART;VALUE=DATE:20260410", "END:VEVENT",
               "BEGIN:VEVENT", "UID:abc-2@school", "SUMMARY:Group meeting",
               "DTSTART;TZID=Europe/Berlin:20260329T023000", "END:VEVENT",
               "BEGIN:VEVENT", "UID:abc-3@school", "SUMMARY:Floating", "DTSTART:20260401T090000", "END:VEVENT",
               "BEGIN:VTODO", "UID:abc-4@school", "SUMMARY:Done thing", "DUE:20260402T100000Z",
               "STATUS:COMPLETED", "PRIORITY:9", "END:VTODO",
               "BEGIN:VEVENT", "UID:abc-5@school", "SUMMARY:No date at all", "END:VEVENT")
    result = planner.calendar.import_bytes(data)
    assert (result.tasks_added, result.exams_added, result.skipped_without_date) == (3, 1, 1)
    assert "1 event(s) without a date skipped" in result.summary()
    exam = planner.exams.upcoming()[0]
    assert (exam.subject, exam.exam_at.astimezone(BERLIN).hour) == ("Maths", 9)
    by_title = {task.title: task for task in planner.planner.list_tasks(TaskFilter(status=None)).tasks}
    # 02:30 does not exist in Berlin that night: the wall clock jumps, and so does the event.
    assert by_title["Group meeting"].due_at.astimezone(BERLIN).hour == 3
    assert by_title["Floating"].due_at == datetime(2026, 4, 1, 7, 0, tzinfo=UTC)  # local 09:00 (CEST)
    assert by_title["Done thing"].status == TaskStatus.DONE and by_title["Done thing"].priority == TaskPriority.LOW
    assert planner.calendar.import_bytes(data).tasks_updated == 3


@pytest.mark.parametrize("data, message", [
    (b"", "not an iCalendar"),
    (b"%PDF-1.7 binary \x00\xff", "not an iCalendar"),
    (b"Hello, this is a text file", "not an iCalendar"),
    (b"BEGIN:VCALENDAR\r\nthis is not a content line\r\n", "not a valid iCalendar"),
])
def test_files_that_are_not_icalendar_are_refused(planner, data, message):
    with pytest.raises(InvalidInputError, match=message):
        planner.calendar.import_bytes(data, name="notes.ics")


def test_missing_huge_and_folder_paths_are_explained(planner, tmp_path):
    with pytest.raises(InvalidInputError, match="no file"):
        planner.calendar.import_ics(tmp_path / "missing.ics")
    with pytest.raises(InvalidInputError, match="folder"):
        planner.calendar.import_ics(tmp_path)
    huge = tmp_path / "huge.ics"
    with huge.open("wb") as handle:
        handle.truncate(11 * 1024 * 1024)
    with pytest.raises(InvalidInputError, match="larger than"):
        planner.calendar.import_ics(huge)


def test_hostile_entries_are_cleaned_or_skipped(planner):
    data = ics("BEGIN:VEVENT", "UID:x1", "SUMMARY:" + "A" * 600, "DTSTART:20260401T090000Z", "END:VEVENT",
               "BEGIN:VEVENT", "UID:x2", "SUMMARY:Year 9999", "DTSTART:99990101T000000Z", "END:VEVENT",
               "BEGIN:VEVENT", "UID:x3", "SUMMARY:Broken date", "DTSTART:garbage", "END:VEVENT",
               "BEGIN:VEVENT", "UID:x4", "SUMMARY:<script>alert(1)</script>", "DTSTART:20260401T090000Z",
               "END:VEVENT")
    result = planner.calendar.import_bytes(data)
    assert (result.tasks_added, result.skipped_other, result.skipped_without_date) == (1, 2, 1)
    assert planner.planner.list_tasks().tasks[0].title == "<script>alert(1)</script>"


def test_a_deleted_task_is_not_resurrected_by_import(planner, tmp_path, planner_database, shared_store, clock):
    task = planner.planner.add_task(TaskDraft(title="Gone", due_at=clock()))
    planner.calendar.export_ics(tmp_path / "a.ics")
    planner.planner.delete_task(task.id)
    assert planner.calendar.import_ics(tmp_path / "a.ics").skipped_other == 1
    assert planner.planner.list_tasks(TaskFilter(status=None)).total == 0
