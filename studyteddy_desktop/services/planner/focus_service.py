"""The Pomodoro focus timer: start, pause, switch work and break, end into a study session."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from studyteddy_desktop.db.base import transaction_time
from studyteddy_desktop.db.models import FocusTimer, StudySession, Task
from studyteddy_desktop.db.repositories.analytics_repository import AnalyticsRepository
from studyteddy_desktop.db.repositories.task_repository import TaskRepository
from studyteddy_desktop.domain.enums import FocusPhase
from studyteddy_desktop.domain.errors import InvalidInputError, NotFoundError
from studyteddy_desktop.domain.planner_dto import FocusTimerDTO, StudySessionDTO
from studyteddy_desktop.services.planner import planner_input as check
from studyteddy_desktop.services.core.text_input import clean_subject, clean_text
from studyteddy_desktop.services.core.activity_cache import ActivityCache
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.core.study_preferences import StudyPreferences, check_focus_lengths


def session_dto(row: StudySession) -> StudySessionDTO:
    return StudySessionDTO(id=row.id, task_id=row.task_id, subject=row.subject, started_at=row.started_at,
                           ended_at=row.ended_at, duration_minutes=row.duration_minutes,
                           focus_score=row.focus_score, notes=row.notes)


def _timer_dto(timer: FocusTimer, task_title: str | None) -> FocusTimerDTO:
    return FocusTimerDTO(study_session_id=timer.study_session_id, task_id=timer.task_id,
                         task_title=task_title, subject=timer.subject, work_minutes=timer.work_minutes,
                         break_minutes=timer.break_minutes, phase=timer.phase,
                         phase_started_at=timer.phase_started_at, paused_at=timer.paused_at,
                         worked_seconds=timer.worked_seconds, completed_rounds=timer.completed_rounds)


class FocusService:
    """All state lives in the focus_timers row as wall-clock stamps.

    So the timer keeps going while the window shows another pane, and after a restart or a
    crash it is found again: a work stretch counts at most its length, however long the app
    was gone, and the student can correct the minutes when ending the session.
    """

    def __init__(self, database: Database, student: LocalStudent, cache: ActivityCache,
                 preferences: StudyPreferences) -> None:
        self.database = database
        self.student = student
        self.cache = cache
        self.preferences = preferences

    def _timer(self, session: Session, *, for_update: bool = True) -> FocusTimer | None:
        return session.get(FocusTimer, self.student.user_id(), with_for_update=for_update)

    def _dto(self, session: Session, timer: FocusTimer) -> FocusTimerDTO:
        title = None
        if timer.task_id is not None:
            task = session.get(Task, timer.task_id)
            title = task.title if task is not None and task.deleted_at is None else None
        return _timer_dto(timer, title)

    def current(self) -> FocusTimerDTO | None:
        with self.database.unit_of_work() as session:
            timer = self._timer(session, for_update=False)
            return None if timer is None else self._dto(session, timer)

    def start(self, *, task_id: uuid.UUID | None = None, subject: str | None = None,
              work_minutes: int | None = None, break_minutes: int | None = None) -> FocusTimerDTO:
        user_id = self.student.user_id()
        defaults = self.preferences.focus()
        work = defaults.work_minutes if work_minutes is None else work_minutes
        rest = defaults.break_minutes if break_minutes is None else break_minutes
        check_focus_lengths(work, rest)
        subject = clean_subject(subject)
        now = self.student.now()
        with self.database.unit_of_work() as session:
            if self._timer(session) is not None:
                raise InvalidInputError("A focus session is already running: end it first.")
            if task_id is not None:
                task = TaskRepository(session).get(task_id, user_id=user_id)
                if task is None:
                    raise NotFoundError("That task does not exist any more.")
                subject = subject or task.subject
            study = StudySession(id=uuid.uuid4(), user_id=user_id, task_id=task_id, subject=subject,
                                 started_at=now)
            session.add(study)
            session.flush()
            timer = FocusTimer(user_id=user_id, study_session_id=study.id, task_id=task_id, subject=subject,
                               work_minutes=work, break_minutes=rest, phase=FocusPhase.WORK,
                               phase_started_at=now, worked_seconds=0, completed_rounds=0)
            session.add(timer)
            session.flush()
            return self._dto(session, timer)

    def _change(self, change) -> FocusTimerDTO:
        now = self.student.now()
        with self.database.unit_of_work() as session:
            timer = self._timer(session)
            if timer is None:
                raise NotFoundError("No focus session is running.")
            change(timer, now)
            session.flush()
            return self._dto(session, timer)

    def pause(self) -> FocusTimerDTO:
        def pause(timer: FocusTimer, now: datetime) -> None:
            if timer.paused_at is None:
                timer.paused_at = now
        return self._change(pause)

    def resume(self) -> FocusTimerDTO:
        def resume(timer: FocusTimer, now: datetime) -> None:
            if timer.paused_at is not None:
                # Shift the phase start by the pause, so the pause neither counts nor shortens it.
                timer.phase_started_at += max(now - timer.paused_at, timedelta(0))
                timer.paused_at = None
        return self._change(resume)

    def next_phase(self) -> FocusTimerDTO:
        """Work -> break (banking the work done) or break -> work; the new phase starts now."""
        def switch(timer: FocusTimer, now: datetime) -> None:
            if timer.phase == FocusPhase.WORK:
                timer.worked_seconds = _timer_dto(timer, None).worked_seconds_at(now)
                timer.completed_rounds += 1
                timer.phase = FocusPhase.BREAK
            else:
                timer.phase = FocusPhase.WORK
            timer.phase_started_at = now
            timer.paused_at = None
        return self._change(switch)

    def finish(self, *, focus_score: int | None = None, notes: str | None = None,
               minutes: int | None = None) -> StudySessionDTO:
        """End the session: record it, add its minutes to the task, and stop the timer."""
        score = check.clean_focus_score(focus_score)
        clean_notes = clean_text(notes, limit=check.MAX_NOTES, what="notes", multiline=True)
        user_id = self.student.user_id()
        now = self.student.now()
        with self.database.unit_of_work() as session:
            timer = self._timer(session)
            if timer is None:
                raise NotFoundError("No focus session is running.")
            study = session.get(StudySession, timer.study_session_id, with_for_update=True)
            assert study is not None
            counted = round(_timer_dto(timer, None).worked_seconds_at(now) / 60)
            if minutes is not None:
                wall_clock = int((now - study.started_at).total_seconds() // 60) + 1
                if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= wall_clock:
                    raise InvalidInputError(f"The session lasted between 0 and {wall_clock} minutes.")
                counted = minutes
            study.ended_at = max(now, study.started_at)
            study.duration_minutes = counted
            study.focus_score = score
            study.notes = clean_notes
            if timer.task_id is not None and counted:
                task = TaskRepository(session).get(timer.task_id, user_id=user_id)
                if task is not None:
                    task.actual_minutes = min((task.actual_minutes or 0) + counted, check.MAX_ACTUAL_MINUTES)
            # The session may have started on a day the analytics view already closed.
            AnalyticsRepository(session).changed_since(study.started_at)
            session.delete(timer)
            session.flush()
            dto = session_dto(study)
        self.cache.bump(user_id)
        return dto

    def cancel(self) -> None:
        """Throw the running session away without recording it."""
        with self.database.unit_of_work() as session:
            timer = self._timer(session)
            if timer is None:
                return
            study = session.get(StudySession, timer.study_session_id)
            session.delete(timer)
            if study is not None:
                study.deleted_at = transaction_time()
