"""The focus timer: phases, pauses, ending into a study session, and surviving a crash."""

from __future__ import annotations

import pytest

from studyteddy_desktop.domain.enums import FocusPhase
from studyteddy_desktop.domain.errors import InvalidInputError, NotFoundError
from studyteddy_desktop.domain.planner_dto import FocusSettings, TaskDraft
from tests.planner_support import (build_planner, clock, planner, planner_database,  # noqa: F401
                                   planner_engine, shared_store)


def test_a_session_records_its_minutes_on_the_task(planner, clock):
    task = planner.planner.add_task(TaskDraft(title="Essay", subject="History", estimated_minutes=60))
    timer = planner.focus.start(task_id=task.id, work_minutes=25, break_minutes=5)
    assert (timer.phase, timer.subject, timer.task_title) == (FocusPhase.WORK, "History", "Essay")
    with pytest.raises(InvalidInputError, match="already running"):
        planner.focus.start()
    clock.advance(minutes=10)
    assert planner.focus.current().phase_remaining(clock()).total_seconds() == 15 * 60
    planner.focus.pause()
    clock.advance(minutes=30)  # a pause neither counts nor runs the clock down
    resumed = planner.focus.resume()
    assert resumed.phase_remaining(clock()).total_seconds() == 15 * 60
    clock.advance(minutes=15)
    assert planner.focus.current().phase_over(clock())
    on_break = planner.focus.next_phase()
    assert (on_break.phase, on_break.worked_seconds, on_break.completed_rounds) == (FocusPhase.BREAK, 1500, 1)
    clock.advance(minutes=5)
    planner.focus.next_phase()
    clock.advance(minutes=12)
    session = planner.focus.finish(focus_score=4, notes="  good  ")
    assert (session.duration_minutes, session.focus_score, session.notes, session.subject) == (37, 4, "good",
                                                                                              "History")
    assert planner.planner.get_task(task.id).actual_minutes == 37
    assert planner.focus.current() is None
    with pytest.raises(NotFoundError):
        planner.focus.finish()


def test_a_crash_mid_session_is_recovered_without_counting_the_downtime(planner, clock, planner_database,
                                                                        shared_store):
    task = planner.planner.add_task(TaskDraft(title="Revise"))
    planner.focus.start(task_id=task.id, work_minutes=25, break_minutes=5)
    clock.advance(minutes=12)
    # The app dies here: nothing in memory survives. Hours later a new process starts.
    clock.advance(hours=5)
    restarted = build_planner(planner_database, shared_store, clock)
    found = restarted.focus.current()
    assert found is not None and found.task_title == "Revise"
    assert found.phase_over(clock()) and found.worked_seconds_at(clock()) == 25 * 60
    session = restarted.focus.finish()
    assert session.duration_minutes == 25
    assert restarted.planner.get_task(task.id).actual_minutes == 25


def test_the_student_can_correct_the_minutes_but_not_invent_time(planner, clock):
    planner.focus.start(subject="Maths")
    clock.advance(minutes=20)
    with pytest.raises(InvalidInputError, match="between 0 and 21"):
        planner.focus.finish(minutes=500)
    with pytest.raises(InvalidInputError, match="1 to 5"):
        planner.focus.finish(focus_score=9)
    assert planner.focus.finish(minutes=12).duration_minutes == 12


def test_cancel_discards_the_session(planner, clock):
    task = planner.planner.add_task(TaskDraft(title="Nothing"))
    planner.focus.start(task_id=task.id)
    clock.advance(minutes=5)
    planner.focus.cancel()
    assert planner.focus.current() is None
    assert planner.planner.get_task(task.id).actual_minutes == 0
    assert planner.dashboard.dashboard().stats.study_minutes_this_week == 0


def test_lengths_come_from_preferences_and_are_checked(planner):
    planner.preferences.set_focus(FocusSettings(work_minutes=50, break_minutes=10))
    assert planner.focus.start().work_minutes == 50
    planner.focus.cancel()
    for work, rest in ((0, 5), (25, 0), (-1, 5), (241, 5), (25, 121)):
        with pytest.raises(InvalidInputError):
            planner.focus.start(work_minutes=work, break_minutes=rest)
        with pytest.raises(InvalidInputError):
            planner.preferences.set_focus(FocusSettings(work, rest))
    assert planner.focus.current() is None


def test_a_deleted_task_does_not_block_ending_the_session(planner, clock):
    task = planner.planner.add_task(TaskDraft(title="Gone soon"))
    planner.focus.start(task_id=task.id)
    planner.planner.delete_task(task.id)
    clock.advance(minutes=3)
    assert planner.focus.current().task_title is None
    assert planner.focus.finish().duration_minutes == 3
