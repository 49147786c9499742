"""Fixtures for planner and dashboard tests: a database of their own, a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from studyteddy_desktop.services.core.activity_cache import ActivityCache
from studyteddy_desktop.services.planner.calendar_service import CalendarService
from studyteddy_desktop.services.dashboard.dashboard_service import DashboardService
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.planner.exam_service import ExamService
from studyteddy_desktop.services.planner.focus_service import FocusService
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.core.shared_store import SharedStore, open_shared_store
from studyteddy_desktop.services.planner.planner_service import PlannerService
from studyteddy_desktop.services.planner.reminder_service import ReminderService
from studyteddy_desktop.services.core.study_preferences import StudyPreferences
from tests.scratch_database import migrated_database

BERLIN = ZoneInfo("Europe/Berlin")


class SteppedClock:
    """A clock the test sets and advances, standing in for the wall clock."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture(scope="session")
def planner_engine(engine: sa.Engine) -> Iterator[sa.Engine]:
    """A database only these tests use, so no other test's committed profile gets in the way."""
    with migrated_database(engine, "planner") as fresh:
        yield fresh


@pytest.fixture()
def planner_database(planner_engine: sa.Engine) -> Iterator[Database]:
    connection = planner_engine.connect()
    outer = connection.begin()
    sessions = sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")
    yield Database.for_session_factory(planner_engine, sessions)
    outer.rollback()
    connection.close()


@pytest.fixture()
def shared_store(endpoints) -> Iterator[SharedStore]:
    """The session's shared store as the app opens it: Redis, or PostgreSQL where the queue runs there."""
    store = open_shared_store(endpoints.redis_url, endpoints.database_url)
    yield store
    store.close()


@pytest.fixture()
def clock() -> SteppedClock:
    return SteppedClock(datetime(2026, 3, 27, 10, 0, tzinfo=UTC))


def build_planner(database: Database, shared_store: SharedStore | None, clock, zone: ZoneInfo = BERLIN):
    student = LocalStudent(database, zone=zone, clock=clock)
    cache = ActivityCache(shared_store)
    preferences = StudyPreferences(database, student)
    exams = ExamService(database, student, cache)
    return SimpleNamespace(
        database=database, student=student, cache=cache, preferences=preferences,
        planner=PlannerService(database, student, cache), exams=exams,
        focus=FocusService(database, student, cache, preferences),
        dashboard=DashboardService(database, student, cache, exams),
        reminders=ReminderService(database, student, preferences, shared_store),
        calendar=CalendarService(database, student, cache))


@pytest.fixture()
def planner(planner_database, shared_store, clock):
    return build_planner(planner_database, shared_store, clock)
