"""The server's background work on huey: tidying what the API leaves behind, on a schedule."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from huey import RedisHuey, crontab

from studyteddy_desktop.db.models import DeviceSession, SyncPush
from studyteddy_desktop.services.core.database import Database

log = logging.getLogger(__name__)
QUEUE_NAME = "studyteddy-server"
# A device retries a push within minutes; a week covers a laptop closed mid-sync over a holiday.
PUSH_MEMORY = timedelta(days=7)
ENDED_SESSION_MEMORY = timedelta(days=30)


def tidy(database: Database, now: datetime | None = None) -> dict[str, int]:
    """Forget push answers past any retry, and sessions ended long ago (their tokens go with them)."""
    now = now or datetime.now(UTC)
    with database.unit_of_work() as session:
        pushes = session.execute(sa.delete(SyncPush).where(SyncPush.created_at < now - PUSH_MEMORY)).rowcount
        sessions = session.execute(sa.delete(DeviceSession).where(
            sa.or_(DeviceSession.revoked_at < now - ENDED_SESSION_MEMORY,
                   DeviceSession.expires_at < now - ENDED_SESSION_MEMORY))).rowcount
    return {"pushes": int(pushes or 0), "sessions": int(sessions or 0)}


def server_huey(redis_url: str, database_url: str) -> RedisHuey:
    huey = RedisHuey(QUEUE_NAME, url=redis_url, utc=True)
    database = Database(database_url)

    @huey.periodic_task(crontab(minute="17"), name="tidy")
    def tidy_hourly() -> dict[str, int]:
        removed = tidy(database)
        log.info("Tidied %(pushes)d push answers and %(sessions)d ended sessions", removed)
        return removed

    return huey
