"""The engine, and the unit of work every service method runs in."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker


class Database:
    """One engine per process; `unit_of_work()` commits on success and rolls back on error."""

    def __init__(self, url: str | sa.URL, *, engine: sa.Engine | None = None) -> None:
        self.engine = engine or sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def for_session_factory(cls, engine: sa.Engine, sessions: sessionmaker[Session]) -> Database:
        """Bind to an existing session factory (tests use it to wrap every test in a rollback)."""
        database = cls(engine.url, engine=engine)
        database._sessions = sessions
        return database

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
