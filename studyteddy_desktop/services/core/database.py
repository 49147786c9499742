"""The engine, and the unit of work every service method runs in."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from studyteddy_desktop.domain.errors import ServiceUnavailableError

# SQLSTATE classes of a server that went away or is restarting (08: connection exception;
# 57P01-57P03: shut down, crashed, not accepting connections yet) and of a full disk (53100).
_SERVER_GONE_STATES = ("08", "57P01", "57P02", "57P03")
_DISK_FULL_STATE = "53100"


def database_outage(error: sa.exc.DBAPIError) -> ServiceUnavailableError | None:
    """What to tell the student when PostgreSQL went away or its disk is full; None for other errors."""
    state = getattr(error.orig, "sqlstate", None) or ""
    first_line = (str(error.orig).splitlines() or [""])[0]
    if state == _DISK_FULL_STATE:
        return ServiceUnavailableError("The disk that holds your Study Teddy data is full, so this change was not "
                                       "saved. Free some space and try again.", details=first_line)
    gone = error.connection_invalidated or state.startswith(_SERVER_GONE_STATES) \
        or (isinstance(error, sa.exc.OperationalError) and not state)
    if not gone:
        return None
    return ServiceUnavailableError("Study Teddy lost its connection to its database, so this change may not have "
                                   "been saved. Close Study Teddy and start it again.", details=first_line)


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
        except sa.exc.DBAPIError as error:
            outage = database_outage(error)
            if outage is None:
                session.rollback()
                raise
            with contextlib.suppress(sa.exc.DBAPIError):
                session.rollback()  # the connection is gone: nothing is left to roll back
            raise outage from error
        except BaseException:
            session.rollback()
            raise
        finally:
            with contextlib.suppress(sa.exc.DBAPIError):
                session.close()

    def dispose(self) -> None:
        self.engine.dispose()
