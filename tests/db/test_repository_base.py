"""The repository base on the real database: user scope and tombstones in SQL, one clock, row locks."""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from studyteddy_desktop.db.models import (
    BackgroundJob,
    Document,
    Exam,
    Flashcard,
    FlashcardDeck,
    Task,
    UserProfile,
)
from studyteddy_desktop.db.repositories.base import ANY_USER
from studyteddy_desktop.db.repositories.document_repository import DocumentRepository
from studyteddy_desktop.db.repositories.flashcard_repository import FlashcardRepository
from studyteddy_desktop.db.repositories.job_repository import JobRepository
from studyteddy_desktop.db.repositories.profile_repository import ProfileRepository
from studyteddy_desktop.db.repositories.task_repository import ExamRepository, TaskRepository
from studyteddy_desktop.services.core.database import Database

EXAM_DAY = datetime(2026, 6, 1, 9, tzinfo=UTC)


def _profile(session: Session, name: str) -> uuid.UUID:
    return ProfileRepository(session).add(UserProfile(display_name=name, subjects=[])).id


@pytest.fixture
def owners(database: Database) -> tuple[uuid.UUID, uuid.UUID]:
    """Two students, Alice and Bob, in the test's rolled-back transaction."""
    with database.unit_of_work() as session:
        return _profile(session, "Alice"), _profile(session, "Bob")


def _document(user_id: uuid.UUID) -> Document:
    content = uuid.uuid4().bytes
    return Document(user_id=user_id, title="Notes", original_filename="notes.pdf",
                    content_sha256=hashlib.sha256(content).hexdigest(), mime_type="application/pdf",
                    size_bytes=len(content))


def _sql(statement: sa.Select) -> str:
    return str(statement.compile(dialect=postgresql.dialect()))


@contextlib.contextmanager
def rows_sent(session: Session) -> Iterator[list[int]]:
    """How many rows the database sent back for each statement the session ran meanwhile."""
    counts: list[int] = []

    def count(_connection, cursor, _statement, _parameters, _context, _executemany) -> None:
        counts.append(cursor.rowcount)

    connection = session.connection()
    sa.event.listen(connection, "after_cursor_execute", count)
    try:
        yield counts
    finally:
        sa.event.remove(connection, "after_cursor_execute", count)


def test_statements_carry_the_user_and_the_tombstone_filter():
    tasks = TaskRepository(Session())
    alice = uuid.uuid4()

    scoped = _sql(tasks.get_base_statement(user_id=alice))
    assert "tasks.user_id = " in scoped and "tasks.deleted_at IS NULL" in scoped
    assert "WHERE" not in _sql(tasks.get_base_statement(user_id=ANY_USER, include_deleted=True))
    assert _sql(tasks.get_base_statement(Task.id, user_id=alice)).startswith("SELECT tasks.id \nFROM tasks")

    with pytest.raises(TypeError, match="user_id"):
        tasks.get(uuid.uuid4())  # a user-owned row is never read without saying whose
    with pytest.raises(TypeError, match="include_deleted"):
        JobRepository(Session()).get(uuid.uuid4(), include_deleted=True)  # jobs have no tombstone


def test_get_finds_only_the_owners_live_row_and_filters_in_sql(database: Database, owners):
    alice, bob = owners
    with database.unit_of_work() as session:
        tasks = TaskRepository(session)
        live = tasks.add(Task(user_id=alice, title="Essay")).id
        gone = tasks.soft_delete(tasks.add(Task(user_id=alice, title="Old essay"))).id
        document = DocumentRepository(session).add(_document(alice)).id

    with database.unit_of_work() as session:
        tasks, documents = TaskRepository(session), DocumentRepository(session)
        with rows_sent(session) as counts:
            assert tasks.get(live, user_id=bob) is None
            assert tasks.get(gone, user_id=alice) is None
            assert documents.get(document, user_id=bob) is None
        assert counts == [0, 0, 0]  # filtered in SQL: the rows never left the database

        assert tasks.get(live, user_id=alice).title == "Essay"
        assert tasks.get(gone, user_id=alice, include_deleted=True).title == "Old essay"
        assert documents.get(document, user_id=ANY_USER).user_id == alice


def test_soft_delete_stamps_every_row_of_a_unit_of_work_with_the_transaction_time(database: Database, owners):
    alice, _ = owners
    with database.unit_of_work() as session:
        tasks, exams = TaskRepository(session), ExamRepository(session)
        flashcards = FlashcardRepository(session)
        task = tasks.add(Task(user_id=alice, title="Essay"))
        exam = exams.add(Exam(user_id=alice, subject="Biology", title="Final", exam_at=EXAM_DAY))
        deck = flashcards.add(FlashcardDeck(user_id=alice, name="Cells"))
        card = flashcards.add(Flashcard(deck_id=deck.id, front="ATP?", back="Mitochondria"))

        tasks.soft_delete(task)
        # Wall clocks move on between the deletions; the transaction's clock does not.
        session.execute(sa.select(sa.func.pg_sleep(0.05)))
        exams.soft_delete(exam)
        flashcards.soft_delete(deck, flush=False)
        flashcards.soft_delete_cards_in(deck.id)
        session.flush()
        session.refresh(card)

        transaction_start = session.scalar(sa.select(sa.func.now()))
        assert task.deleted_at == exam.deleted_at == deck.deleted_at == card.deleted_at == transaction_start
        assert task.updated_at == card.updated_at == transaction_start  # modification stamps: the same clock
        wall_clock = session.scalar(sa.select(sa.func.clock_timestamp()))
        assert wall_clock - transaction_start > timedelta(seconds=0.05)


def test_restore_lifts_the_tombstone(database: Database, owners):
    alice, _ = owners
    with database.unit_of_work() as session:
        exams = ExamRepository(session)
        exam_id = exams.soft_delete(exams.add(Exam(user_id=alice, subject="Maths", title="Final",
                                                   exam_at=EXAM_DAY))).id

    with database.unit_of_work() as session:
        exams = ExamRepository(session)
        assert exams.get(exam_id, user_id=alice) is None
        exams.restore(exams.get(exam_id, user_id=alice, include_deleted=True))

    with database.unit_of_work() as session:
        assert session.scalar(sa.select(Exam.deleted_at).where(Exam.id == exam_id)) is None
        assert ExamRepository(session).get(exam_id, user_id=alice).title == "Final"


def test_base_repository_adds_and_gets_rows_without_scope(database: Database):
    with database.unit_of_work() as session:
        job_id = JobRepository(session).add(BackgroundJob(kind="documents.index")).id
    with database.unit_of_work() as session:
        assert JobRepository(session).get(job_id).kind == "documents.index"
        assert JobRepository(session).get(uuid.uuid4()) is None


def test_for_update_holds_the_row_until_the_unit_of_work_ends(migrated_engine: sa.Engine):
    # Committed rows in a database of the test's own, so another connection can see and contend for them.
    with Session(migrated_engine) as setup:
        alice = _profile(setup, "Alice")
        task_id = TaskRepository(setup).add(Task(user_id=alice, title="Essay")).id
        setup.commit()
    lock_elsewhere = sa.text("SELECT id FROM tasks WHERE id = :id FOR UPDATE NOWAIT")

    with Session(migrated_engine) as session, migrated_engine.connect() as other:
        tasks = TaskRepository(session)
        assert tasks.get(task_id, user_id=alice) is not None
        # A plain read locks nothing.
        assert other.execute(lock_elsewhere, {"id": task_id}).scalar() == task_id
        other.rollback()

        assert tasks.get(task_id, user_id=alice, for_update=True) is not None
        with pytest.raises(sa.exc.OperationalError, match="could not obtain lock"):
            other.execute(lock_elsewhere, {"id": task_id})
        other.rollback()
        session.rollback()
